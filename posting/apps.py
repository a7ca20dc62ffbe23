from django.apps import AppConfig


class PostingConfig(AppConfig):
    name = "posting"

    def ready(self) -> None:
        from core import home
        from core.demo import DEMO_STEPS
        from curator.publishing import publishing_register
        from posting import home as posting_home
        from posting import publisher_bluesky, publisher_mastodon, receivers  # noqa: F401 - register the publishers, connect the receivers
        from posting.demo import demo_account_ensure, demo_bots_ensure
        from posting.publishing import PostingPublishing

        # The queue schedules and posts replies through this (curator.publishing: posting sits above curator).
        publishing_register(PostingPublishing())
        home.register(facts=posting_home.facts, step=posting_home.setup_step)
        for step in (demo_account_ensure, demo_bots_ensure):
            if step not in DEMO_STEPS:
                DEMO_STEPS.append(step)
