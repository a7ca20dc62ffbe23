from django.apps import AppConfig


class CorporaConfig(AppConfig):
    name = "corpora"

    def ready(self) -> None:
        from core import home
        from core.demo import DEMO_STEPS
        from corpora import home as corpora_home
        from corpora.demo import sample_corpus_ensure

        home.register(facts=corpora_home.facts, step=corpora_home.setup_step)

        # Connects the near-copy index receiver and registers its build task.
        from corpora.nearcopy import receivers  # noqa: F401

        # The demo imports the sample corpus first. ready() may run more than once (tests).
        if sample_corpus_ensure not in DEMO_STEPS:
            DEMO_STEPS.append(sample_corpus_ensure)
