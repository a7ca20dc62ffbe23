from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self) -> None:
        from core import home
        from core.demo import DEMO_STEPS
        from generation import home as generation_home
        from generation.demo import demo_base_model, demo_generate

        home.register(facts=generation_home.facts, step=generation_home.model_step)
        home.register(step=generation_home.generate_step)

        # The demo generates from the sample corpus (corpora's step runs first). ready() may run more than once (tests).
        for step in (demo_generate, demo_base_model):
            if step not in DEMO_STEPS:
                DEMO_STEPS.append(step)
