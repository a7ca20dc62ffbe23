"""Writes on posting accounts: credentials (write-only), the credentials check, pause and resume, slots."""

import logging
from datetime import time

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from posting.crypto import CREDENTIAL_FIELDS, CredentialsUnreadable, credentials_encrypt
from posting.delivery import account_pause
from posting.models import Account, Post, Slot
from posting.plain import failure_reason, network_name
from posting.publishers import AuthFailed, Identity, NotSent, PublishError, RateLimited, publisher_for
from posting.scheduling import next_free_slot

__all__ = ["CheckFailed", "account_check", "account_credentials_set", "account_pause", "account_resume", "slot_add", "slot_remove"]


@sensitive_variables()
def account_credentials_set(*, account: Account, values: dict[str, str]) -> None:
    """Store new OAuth 1.0a keys, encrypted. The remote identity is forgotten: new keys may be another user."""
    account.credentials_encrypted = credentials_encrypt({f: values[f].strip() for f in CREDENTIAL_FIELDS})
    account.credentials_updated_at = timezone.now()
    account.credentials_checked_at = None
    account.remote_user_id = ""
    account.save(update_fields=["credentials_encrypted", "credentials_updated_at", "credentials_checked_at", "remote_user_id"])


logger = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A credentials check that failed, in plain words (the exception's own text went to the log)."""


def check_reason(exc: Exception, account: Account) -> str:
    """Plain words for why a check failed (see posting.plain): never the exception's text."""
    network = network_name(account)
    if isinstance(exc, NotSent):
        return f"{network} could not be reached: check the connection, then check again."
    if isinstance(exc, (AuthFailed, RateLimited, CredentialsUnreadable)):
        return failure_reason(exc, account)
    return f"{network} did not answer properly (an error on its side, or a timeout): check again in a few minutes."


def account_check(*, account: Account) -> Identity:
    """Call the API (get_me) with the stored credentials; remember the handle.

    A failure marks the account "needs attention" with the reason in plain words (raised as CheckFailed);
    the exception goes to the log. A check that works clears it.
    """
    try:
        identity = publisher_for(account).me()
    except (PublishError, CredentialsUnreadable) as exc:
        reason = check_reason(exc, account)
        logger.warning("Credentials check of account %s failed: %r", account.name, exc)
        Account.objects.filter(pk=account.pk).update(attention_reason=reason, credentials_checked_at=timezone.now())
        account.attention_reason = reason
        raise CheckFailed(reason) from exc
    Account.objects.filter(pk=account.pk).update(
        handle=identity.handle, remote_user_id=identity.user_id, credentials_checked_at=timezone.now(), attention_reason=""
    )
    account.handle, account.remote_user_id, account.attention_reason = identity.handle, identity.user_id, ""
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
        for post in (
            Post.objects.readable().filter(account=account, state=Post.State.QUEUED, scheduled_at__lt=now).order_by("scheduled_at", "id")
        ):
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
