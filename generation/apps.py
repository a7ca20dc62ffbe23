from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self) -> None:
        from curator.demo import DEMO_STEPS

        # Connects the near-copy index receiver and registers its build task.
        from generation.nearcopy import receivers  # noqa: F401
        from generation.services import demo_generate

        # After the corpora area's sample-corpus step (registered above this line when it lands).
        if demo_generate not in DEMO_STEPS:
            DEMO_STEPS.append(demo_generate)
