from django.apps import AppConfig


class PostingConfig(AppConfig):
    name = "posting"

    def ready(self) -> None:
        from core.demo import DEMO_STEPS
        from posting.demo import demo_account_ensure

        if demo_account_ensure not in DEMO_STEPS:
            DEMO_STEPS.append(demo_account_ensure)
