"""The offline demo: a login, and (as the apps provide them) a sample corpus, a model and a filled queue."""

import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

DEMO_USERNAME = "demo"

# Other apps append steps here (e.g. import the sample corpus, fill the queue); each returns a line to print.
DEMO_STEPS: list[Callable[[], str]] = []


def demo_password() -> str:
    """Stable across restarts, so the printed login keeps working; never committed (lives in var/)."""
    path = Path(settings.VAR_DIR) / "demo-password"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(9)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def demo_user_ensure() -> tuple[str, str]:
    password = demo_password()
    user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": False})
    user.set_password(password)
    user.is_staff = True
    user.save()
    user.groups.add(*Group.objects.filter(name__in=["owner", "curator"]))
    return DEMO_USERNAME, password
