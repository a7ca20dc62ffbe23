"""Writes on posting accounts: credentials (write-only), the credentials check, pause and resume, slots."""

from datetime import time

from django.db import transaction
from django.utils import timezone

from posting.crypto import credentials_encrypt
from posting.delivery import account_pause
from posting.models import Account, Post, Slot
from posting.networks import credential_fields
from posting.publishers import Identity, publisher_for
from posting.scheduling import next_free_slot

__all__ = ["account_check", "account_credentials_set", "account_pause", "account_resume", "slot_add", "slot_remove"]


def account_credentials_set(*, account: Account, values: dict[str, str], server_url: str | None = None) -> None:
    """Store new credentials (the account's network's fields), encrypted; and the server, for Bluesky and Mastodon.

    The remote identity is forgotten: new keys may be another user.
    """
    fields = [f.name for f in credential_fields(account.publisher)]
    account.credentials_encrypted = credentials_encrypt({f: values[f].strip() for f in fields})
    account.credentials_updated_at = timezone.now()
    account.credentials_checked_at = None
    account.remote_user_id = ""
    changed = ["credentials_encrypted", "credentials_updated_at", "credentials_checked_at", "remote_user_id"]
    if server_url is not None:
        account.server_url = server_url.strip().rstrip("/")
        changed.append("server_url")
    account.save(update_fields=changed)


def account_check(*, account: Account) -> Identity:
    """Ask the network who the credentials are ("who am I"); remember the handle. Raises PublishError with the reason.

    Mastodon: also read the instance's post length and set the account's bot flag. Bluesky: read whether the
    profile carries the bot self-label. X: its "Automated" label cannot be read or set through the API.
    """
    publisher = publisher_for(account)
    identity = publisher.me()
    values: dict[str, object] = {"handle": identity.handle, "remote_user_id": identity.user_id, "credentials_checked_at": timezone.now()}
    max_characters = getattr(publisher, "max_characters", None)
    if callable(max_characters):
        values["max_characters"] = max_characters()
    bot_label = getattr(publisher, "bot_label", None)
    if callable(bot_label):
        values["bot_label"] = str(bot_label())[:300]
    Account.objects.filter(pk=account.pk).update(**values)
    for name, value in values.items():
        setattr(account, name, value)
    return identity


def account_resume(*, account: Account) -> int:
    """Unpause. Posts whose time passed while paused move to the next free slots instead of all going out at once.

    Returns how many posts were moved.
    """
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        Account.objects.filter(pk=account.pk).update(paused=False, paused_reason="", paused_at=None, rate_limited_until=None)
        now = timezone.now()
        moved = 0
        for post in Post.objects.filter(account=account, state=Post.State.QUEUED, scheduled_at__lt=now).order_by("scheduled_at", "id"):
            when = next_free_slot(account=account, after=now)
            if when is None:
                break
            Post.objects.filter(pk=post.pk, state=Post.State.QUEUED).update(scheduled_at=when, next_attempt_at=None)
            moved += 1
        return moved


def slot_add(*, account: Account, time_of_day: time, weekdays: list[int]) -> Slot:
    return Slot.objects.create(account=account, time_of_day=time_of_day, weekdays=sorted(set(weekdays)))


def slot_remove(*, slot: Slot) -> None:
    slot.delete()
