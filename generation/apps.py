from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self) -> None:
        from core.demo import DEMO_STEPS
        from generation.demo import demo_base_model, demo_generate

        # The demo generates from the sample corpus (corpora's step runs first). ready() may run more than once (tests).
        for step in (demo_generate, demo_base_model):
            if step not in DEMO_STEPS:
                DEMO_STEPS.append(step)
