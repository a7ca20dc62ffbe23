from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from posting.delivery import posts_send_due


class Command(BaseCommand):
    help = "Run one post_due pass now (what beat runs every minute): settle unknown outcomes, send due posts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-seconds", type=float, default=None, help="Stop claiming new posts after this long.")

    def handle(self, *args: Any, max_seconds: float | None, **options: Any) -> None:
        self.stdout.write(str(posts_send_due(max_seconds=max_seconds)))
