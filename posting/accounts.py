"""Writes on posting accounts: credentials (write-only), the credentials check, pause and resume, slots."""

from datetime import time

from django.db import transaction
from django.utils import timezone

from posting.crypto import CREDENTIAL_FIELDS, credentials_encrypt
from posting.delivery import account_pause
from posting.models import Account, Post, Slot
from posting.publishers import Identity, publisher_for
from posting.scheduling import next_free_slot

__all__ = ["account_check", "account_credentials_set", "account_pause", "account_resume", "slot_add", "slot_remove"]


def account_credentials_set(*, account: Account, values: dict[str, str]) -> None:
    """Store new OAuth 1.0a keys, encrypted. The remote identity is forgotten: new keys may be another user."""
    account.credentials_encrypted = credentials_encrypt({f: values[f].strip() for f in CREDENTIAL_FIELDS})
    account.credentials_updated_at = timezone.now()
    account.credentials_checked_at = None
    account.remote_user_id = ""
    account.save(update_fields=["credentials_encrypted", "credentials_updated_at", "credentials_checked_at", "remote_user_id"])


def account_check(*, account: Account) -> Identity:
    """Call the API (get_me) with the stored credentials; remember the handle. Raises PublishError with the reason."""
    identity = publisher_for(account).me()
    Account.objects.filter(pk=account.pk).update(
        handle=identity.handle, remote_user_id=identity.user_id, credentials_checked_at=timezone.now()
    )
    account.handle, account.remote_user_id = identity.handle, identity.user_id
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
