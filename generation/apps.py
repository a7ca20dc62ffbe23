from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self) -> None:
        from curator import demo
        from generation.corpora.demo import sample_corpus_ensure

        # ready() may run more than once (tests): add the step once.
        if sample_corpus_ensure not in demo.DEMO_STEPS:
            demo.DEMO_STEPS.append(sample_corpus_ensure)
