from django.apps import AppConfig


class CuratorConfig(AppConfig):
    name = "curator"

    def ready(self) -> None:
        from curator import signals  # noqa: F401 - connects the receivers
        from curator.ranking import tasks  # noqa: F401 - registers the ranker's tasks
