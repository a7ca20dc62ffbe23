from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self) -> None:
        # Connects the near-copy index receiver and registers its build task.
        from generation.nearcopy import receivers  # noqa: F401
