"""Helpers for the migrations that moved models between apps without touching their tables."""

from collections.abc import Callable
from typing import Any

Step = Callable[[Any, Any], None]


def content_types_follow(app_from: str, app_to: str, models: tuple[str, ...]) -> tuple[Step, Step]:
    """RunPython steps that move the models' content types (and so their permissions and admin log) to the new app."""

    def move(source: str, target: str) -> Step:
        def step(apps: Any, schema_editor: Any) -> None:
            content_type = apps.get_model("contenttypes", "ContentType")
            for model in models:
                if not content_type.objects.filter(app_label=target, model=model).exists():
                    content_type.objects.filter(app_label=source, model=model).update(app_label=target)

        return step

    return move(app_from, app_to), move(app_to, app_from)
