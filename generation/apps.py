from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self) -> None:
        from curator.demo import DEMO_STEPS
        from generation.corpora.demo import sample_corpus_ensure

        # Connects the near-copy index receiver and registers its build task.
        from generation.nearcopy import receivers  # noqa: F401
        from generation.services import demo_base_model, demo_generate

        # The demo imports the sample corpus, then generates from it. ready() may run more than once (tests).
        for step in (sample_corpus_ensure, demo_generate, demo_base_model):
            if step not in DEMO_STEPS:
                DEMO_STEPS.append(step)
