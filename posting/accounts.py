"""Writes on posting accounts: credentials (write-only), the credentials check, pause and resume, slots."""

import logging
from datetime import time

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from posting.crypto import CredentialsUnreadable, credentials_encrypt
from posting.delivery import account_pause
from posting.models import Account, Post, Slot
from posting.networks import credential_fields
from posting.plain import failure_reason, network_name
from posting.publishers import AuthFailed, Identity, NotSent, PublishError, RateLimited, publisher_for
from posting.scheduling import next_free_slot

__all__ = ["CheckFailed", "account_check", "account_credentials_set", "account_pause", "account_resume", "slot_add", "slot_remove"]


@sensitive_variables()
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
    """Ask the network who the credentials are ("who am I"); remember the handle.

    Mastodon: also read the instance's post length and set the account's bot flag. Bluesky: read whether the
    profile carries the bot self-label. X: its "Automated" label cannot be read or set through the API.
    A failure marks the account "needs attention" with the reason in plain words (raised as CheckFailed);
    the exception goes to the log. A check that works clears it.
    """
    try:
        publisher = publisher_for(account)
        identity = publisher.me()
    except (PublishError, CredentialsUnreadable) as exc:
        reason = check_reason(exc, account)
        logger.warning("Credentials check of account %s failed: %r", account.name, exc)
        Account.objects.filter(pk=account.pk).update(attention_reason=reason, credentials_checked_at=timezone.now())
        account.attention_reason = reason
        raise CheckFailed(reason) from exc
    values: dict[str, object] = {
        "handle": identity.handle,
        "remote_user_id": identity.user_id,
        "credentials_checked_at": timezone.now(),
        "attention_reason": "",
    }
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
