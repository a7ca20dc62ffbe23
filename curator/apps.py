from django.apps import AppConfig


class CuratorConfig(AppConfig):
    name = "curator"

    def ready(self) -> None:
        from core import home
        from curator import home as curator_home
        from curator import signals  # noqa: F401 - connects the receivers
        from curator.ranking import tasks  # noqa: F401 - registers the ranker's tasks

        home.register(facts=curator_home.facts, step=curator_home.setup_step)
