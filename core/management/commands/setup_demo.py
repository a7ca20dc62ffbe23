from typing import Any

from django.core.management.base import BaseCommand

from core import demo


class Command(BaseCommand):
    help = "Create the demo login (owner and curator) and run each app's demo step; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        for step in demo.DEMO_STEPS:
            self.stdout.write(step())
        username, password = demo.demo_user_ensure()
        self.stdout.write(self.style.SUCCESS(f"Demo login: username {username!r}, password {password!r}"))
