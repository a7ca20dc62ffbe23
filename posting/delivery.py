"""Delivery: the beat's post_due run sends due posts exactly once.

States (Mixpost's PENDING → PROCESSING → PROCESSED, plus Postiz's "outcome unknown"):

    queued ──claim──▶ sending ──▶ sent
       ▲                 │ 429 ─────────────▶ queued (next attempt at the API's reset time)
       │                 │ 5xx/timeout/drop ─▶ unknown ──lookup──▶ sent | queued
       │                 │ 403 duplicate, 4xx, too long ─▶ failed (reason shown)
       └─────────────────┘ 401/403 auth ─────▶ queued, account paused

Nothing is ever sent again without first looking up the account's recent posts for the text: a send
that may have reached the API goes to *unknown*, and so does a post left *sending* by a worker that
died between the API call and the database write. Every claim is a conditional update that must
change exactly one row; anything else means another worker got there first.
"""

import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.tweets import timeline_key
from posting.crypto import CredentialsUnreadable
from posting.models import Account, Attempt, Post
from posting.networks import length_rule, send_key_new
from posting.plain import failure_reason
from posting.publishers import (
    AuthFailed,
    DuplicateContent,
    KeyLookupUnavailable,
    KeySettlement,
    NotSent,
    OutcomeUnknown,
    Publisher,
    PublishError,
    RateLimited,
    Rejected,
    RemotePost,
    publisher_for,
)

log = logging.getLogger(__name__)
RATE_LIMIT_FALLBACK = timedelta(minutes=15)
# The lookup searches from a little before the first send, for clock skew between us and the API.
LOOKUP_MARGIN = timedelta(minutes=5)


@dataclass
class RunReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def __str__(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "nothing due"


def post_log(post: Post, outcome: str, detail: str = "", by: User | None = None) -> str:
    """One line of the post's log: a delivery step, or (with `by`) a person's change on the Schedule or History page."""
    Attempt.objects.create(post=post, outcome=outcome, detail=detail[:2000], by=by)
    return outcome


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _due(now: datetime) -> "QuerySet[Post]":
    return (
        Post.objects.readable()
        .filter(state=Post.State.QUEUED, scheduled_at__lte=now, account__paused=False)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(account__rate_limited_until__isnull=True) | Q(account__rate_limited_until__lte=now))
        .order_by("scheduled_at", "id")
    )


def post_claim_next(*, now: datetime | None = None) -> Post | None:
    """Claim the next due post for sending, or None when nothing is due.

    On PostgreSQL the row is picked with SKIP LOCKED so racing workers take different posts; on
    both databases the claim itself is the conditional update queued → sending that must change one row.
    """
    for _ in range(10):
        moment = now or timezone.now()
        token = uuid.uuid4().hex
        with transaction.atomic():
            candidates = _due(moment)
            if connection.vendor == "postgresql":
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            pk = candidates.values_list("pk", flat=True).first()
            if pk is None:
                return None
            changed = Post.objects.filter(pk=pk, state=Post.State.QUEUED).update(
                state=Post.State.SENDING,
                claim_token=token,
                claimed_at=timezone.now(),
                attempts=F("attempts") + 1,
                first_attempt_at=Coalesce("first_attempt_at", timezone.now()),
            )
        if changed == 1:
            return Post.objects.select_related("account").get(pk=pk)
        # Another worker claimed it first: look for the next one.
    return None


def _finish(post: Post, token: str, states: Sequence[str], **values: object) -> bool:
    """Write an outcome only if this worker still holds the post's claim."""
    return Post.objects.filter(pk=post.pk, claim_token=token, state__in=states).update(**values) == 1


def account_pause(*, account: Account, reason: str) -> None:
    Account.objects.filter(pk=account.pk).update(paused=True, paused_reason=reason, paused_at=timezone.now())


def _identity(account: Account, publisher: Publisher) -> str:
    """The account's remote user id, asked for once (get_me): the lookup after an unknown outcome needs it."""
    if not account.remote_user_id:
        me = publisher.me()
        Account.objects.filter(pk=account.pk).update(remote_user_id=me.user_id, handle=me.handle)
        account.remote_user_id, account.handle = me.user_id, me.handle
    return account.remote_user_id


def post_send(*, post: Post) -> str:
    """Send one claimed post and record what happened; returns the outcome.

    1. Check the weighted length (nothing is sent when it is too long).
    2. Make sure the account's remote user id is known, so an unknown outcome can be looked up later.
    3. Call the publisher once.
    4. Record the result, conditional on still holding the claim.
    """
    token = post.claim_token
    mine = [Post.State.SENDING]
    now = timezone.now()
    account = post.account
    reason = length_rule(account).refusal(post.text)
    if reason:
        _finish(post, token, mine, state=Post.State.FAILED, error=reason, claim_token="")
        return post_log(post, Attempt.Outcome.TOO_LONG, reason)
    if not post.send_key:
        # Stored before the first send, kept for every attempt: the key an unknown outcome is settled by.
        key = send_key_new(account.publisher)
        if key and Post.objects.filter(pk=post.pk, claim_token=token, send_key="").update(send_key=key) == 1:
            post.send_key = key
    try:
        publisher = publisher_for(account)
        _identity(account, publisher)
    except (AuthFailed, CredentialsUnreadable) as exc:
        return _auth_failed(post, token, mine, str(exc))
    except PublishError as exc:
        # Nothing was sent: only get_me was tried.
        _finish(
            post,
            token,
            mine,
            state=Post.State.QUEUED,
            next_attempt_at=now + _backoff(post.attempts),
            attempts=F("attempts") - 1,
            error=failure_reason(exc, account),
        )
        return post_log(post, Attempt.Outcome.NOT_SENT, str(exc))
    try:
        published = publisher.create(text=post.text, in_reply_to=post.in_reply_to_id, key=post.send_key)
    except RateLimited as exc:
        reset = exc.reset_at or now + RATE_LIMIT_FALLBACK
        Account.objects.filter(pk=account.pk).update(rate_limited_until=reset)
        # A rate limit is the API saying "not now", not a failed attempt.
        _finish(
            post, token, mine, state=Post.State.QUEUED, next_attempt_at=reset, attempts=F("attempts") - 1, error=str(exc), claim_token=""
        )
        return post_log(post, Attempt.Outcome.RATE_LIMITED, f"{exc} Next attempt at {reset:%Y-%m-%d %H:%M:%S} UTC.")
    except OutcomeUnknown as exc:
        _finish(post, token, mine, state=Post.State.UNKNOWN, next_attempt_at=now + _settle_delay(), error=failure_reason(exc, account))
        return post_log(post, Attempt.Outcome.UNKNOWN, str(exc))
    except NotSent as exc:
        return _retry_or_fail(post, token, mine, Attempt.Outcome.NOT_SENT, failure_reason(exc, account), detail=str(exc))
    except DuplicateContent as exc:
        if post.attempts > 1:
            # An earlier attempt of ours may be the "duplicate": settle it by lookup, never by guessing.
            _finish(post, token, mine, state=Post.State.UNKNOWN, next_attempt_at=now, error=str(exc))
            return post_log(post, Attempt.Outcome.UNKNOWN, f"{exc} (an earlier attempt may have gone out: looking it up)")
        _finish(post, token, mine, state=Post.State.FAILED, error=str(exc), claim_token="")
        return post_log(post, Attempt.Outcome.DUPLICATE, str(exc))
    except (AuthFailed, CredentialsUnreadable) as exc:
        return _auth_failed(post, token, mine, str(exc))
    except Rejected as exc:
        _finish(post, token, mine, state=Post.State.FAILED, error=str(exc), claim_token="")
        return post_log(post, Attempt.Outcome.REJECTED, str(exc))
    except PublishError as exc:
        _finish(post, token, mine, state=Post.State.UNKNOWN, next_attempt_at=now + _settle_delay(), error=failure_reason(exc, account))
        return post_log(post, Attempt.Outcome.UNKNOWN, str(exc))
    except Exception as exc:
        # A bug or an unforeseen library error: the call may have gone out, so the outcome is unknown.
        log.exception("Publishing post %s failed unexpectedly", post.pk)
        reason = failure_reason(exc, account)
        _finish(post, token, [*mine, Post.State.UNKNOWN], state=Post.State.UNKNOWN, next_attempt_at=now + _settle_delay(), error=reason)
        return post_log(post, Attempt.Outcome.UNKNOWN, repr(exc))
    done = _finish(
        post,
        token,
        [Post.State.SENDING, Post.State.UNKNOWN],
        state=Post.State.SENT,
        remote_id=published.remote_id,
        url=published.url,
        sent_at=published.posted_at,
        error="",
        claim_token="",
        next_attempt_at=None,
    )
    if not done:
        log.error("Post %s went out as %s but its claim was taken over meanwhile", post.pk, published.remote_id)
    if published.exhausted_until is not None:
        # The network's headers say the window is used up: the account waits for its reset, as after a 429.
        Account.objects.filter(pk=account.pk).update(rate_limited_until=published.exhausted_until)
    return post_log(post, Attempt.Outcome.SENT, published.remote_id)


def _settle_delay() -> timedelta:
    return timedelta(seconds=settings.POST_SETTLE_SECONDS)


def _auth_failed(post: Post, token: str, states: Sequence[str], reason: str) -> str:
    account_pause(account=post.account, reason=reason)
    # The post did not go out: it waits in the queue until the owner fixes and resumes the account.
    _finish(post, token, states, state=Post.State.QUEUED, attempts=F("attempts") - 1, error=reason, claim_token="")
    return post_log(post, Attempt.Outcome.AUTH, reason)


def _retry_or_fail(post: Post, token: str, states: Sequence[str], outcome: str, reason: str, detail: str = "") -> str:
    """`reason` in plain words goes on the post (pages show it); `detail`, the exception's text, only to its log."""
    detail = detail or reason
    if post.attempts >= settings.POST_MAX_ATTEMPTS:
        reason = f"Gave up after {post.attempts} attempts: {reason}"
        _finish(post, token, states, state=Post.State.FAILED, error=reason, claim_token="")
        return post_log(post, Attempt.Outcome.REJECTED, f"Gave up after {post.attempts} attempts: {detail}")
    _finish(
        post, token, states, state=Post.State.QUEUED, next_attempt_at=timezone.now() + _backoff(post.attempts), error=reason, claim_token=""
    )
    return post_log(post, outcome, detail)


def posts_release_stale(*, now: datetime | None = None) -> int:
    """Posts left 'sending' by a dead worker become 'unknown', to be settled by lookup (never re-sent blindly)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.POST_SENDING_STALE_SECONDS)
    released = 0
    for post in Post.objects.readable().filter(state=Post.State.SENDING, claimed_at__lt=cutoff):
        reason = "The worker stopped while sending: checking whether the post went out before trying again."
        if _finish(post, post.claim_token, [Post.State.SENDING], state=Post.State.UNKNOWN, next_attempt_at=now, error=reason):
            post_log(post, Attempt.Outcome.ABANDONED, reason)
            released += 1
    return released


def _match(post: Post, remote: Iterable[RemotePost]) -> RemotePost | None:
    """The first of the account's posts with this text that no other Post of ours has claimed as its own."""
    wanted = timeline_key(post.text)
    for item in remote:
        if timeline_key(item.text, as_shown=True) != wanted:
            continue
        if not Post.objects.filter(account=post.account, remote_id=item.remote_id).exclude(pk=post.pk).exists():
            return item
    return None


def post_settle(*, post: Post) -> str:
    """Settle an unknown outcome by looking up the account's recent posts for this text.

    1. Claim the unknown post (conditional update of its claim token).
    2. Read the account's posts since shortly before the first send.
    3. Found: sent, with the remote id. Not found: queued again (or failed past the attempt limit).
       The lookup itself failing leaves the post unknown, to be looked up again later.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        Post.objects.filter(pk=post.pk, state=Post.State.UNKNOWN)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(claim_token=token, claimed_at=now, next_attempt_at=now + timedelta(seconds=settings.POST_SENDING_STALE_SECONDS))
    )
    if claimed != 1:
        return "skipped"
    post.refresh_from_db()
    account = post.account
    mine = [Post.State.UNKNOWN]
    keyed: KeySettlement | None = None
    try:
        publisher = publisher_for(account)
        if post.send_key:
            try:
                keyed = publisher.settle_by_key(key=post.send_key, first_attempt_at=post.first_attempt_at)
            except KeyLookupUnavailable:
                keyed = None
        if keyed is not None:
            found = keyed.found
        else:
            user_id = _identity(account, publisher)
            since = (post.first_attempt_at or post.created_at) - LOOKUP_MARGIN
            # Pages are read only until the text turns up.
            found = _match(post, publisher.recent(user_id=user_id, since=since))
    except RateLimited as exc:
        retry = exc.reset_at or now + RATE_LIMIT_FALLBACK
        _finish(post, token, mine, next_attempt_at=retry)
        return post_log(post, Attempt.Outcome.LOOKUP_FAILED, f"{exc} Looking up again at {retry:%H:%M:%S} UTC.")
    except (AuthFailed, CredentialsUnreadable) as exc:
        account_pause(account=account, reason=str(exc))
        _finish(post, token, mine, next_attempt_at=now)
        return post_log(post, Attempt.Outcome.LOOKUP_FAILED, str(exc))
    except PublishError as exc:
        _finish(post, token, mine, next_attempt_at=now + _backoff(post.attempts))
        return post_log(post, Attempt.Outcome.LOOKUP_FAILED, str(exc))
    if found is not None:
        _finish(
            post,
            token,
            mine,
            state=Post.State.SENT,
            remote_id=found.remote_id,
            url=found.url,
            sent_at=found.created_at or now,
            error="",
            claim_token="",
            next_attempt_at=None,
        )
        return post_log(post, Attempt.Outcome.FOUND, found.remote_id)
    last_send = post.log.filter(outcome__in=[Attempt.Outcome.UNKNOWN, Attempt.Outcome.ABANDONED]).order_by("-at").first()
    visible_by = (last_send.at if last_send else now) + timedelta(seconds=settings.POST_VISIBLE_WITHIN_SECONDS)
    # Only a timeline lookup can be early: a send key (Bluesky's record key, Mastodon's Idempotency-Key) answers for sure.
    if keyed is None and now < visible_by:
        # X shows a new post on the timeline only after a while: not seen yet is not "not sent".
        again = min(visible_by, now + _settle_delay())
        _finish(post, token, mine, next_attempt_at=again)
        return post_log(post, Attempt.Outcome.NOT_YET, f"Not among the account's posts yet: looking again at {again:%H:%M:%S} UTC.")
    if post.attempts >= settings.POST_MAX_ATTEMPTS:
        reason = f"Gave up after {post.attempts} attempts: {post.error}"
        _finish(post, token, mine, state=Post.State.FAILED, error=reason, claim_token="")
        return post_log(post, Attempt.Outcome.NOT_FOUND, reason)
    _finish(post, token, mine, state=Post.State.QUEUED, next_attempt_at=None, claim_token="")
    if keyed is not None:
        return post_log(post, Attempt.Outcome.NOT_FOUND, f"{keyed.detail} Queued to send again with the same key.")
    return post_log(post, Attempt.Outcome.NOT_FOUND, "Not among the account's recent posts: queued to send again.")


def posts_settle_due(*, now: datetime | None = None, report: RunReport | None = None) -> RunReport:
    now = now or timezone.now()
    report = report or RunReport()
    due = (
        Post.objects.readable()
        .filter(state=Post.State.UNKNOWN, account__paused=False)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("account")
    )
    for post in due:
        outcome = post_settle(post=post)
        if outcome != "skipped":
            report.add(outcome)
    return report


def posts_send_due(*, max_seconds: float | None = None, limit: int | None = None) -> RunReport:
    """One post_due run.

    1. Posts left 'sending' by a dead worker become 'unknown'.
    2. Unknown outcomes whose settle time has come are looked up.
    3. Due posts are claimed and sent one at a time, until none is due or the run's time is up;
       then 2 and 3 again while a round sent anything.
    """
    started = time.monotonic()
    budget = settings.POST_RUN_SECONDS if max_seconds is None else max_seconds
    report = RunReport()
    released = posts_release_stale()
    if released:
        report.counts["released"] = released
    sent = 0
    while True:
        posts_settle_due(report=report)
        sent_before = sent
        while time.monotonic() - started < budget and (limit is None or sent < limit):
            post = post_claim_next()
            if post is None:
                break
            report.add(post_send(post=post))
            sent += 1
        # Another round only if this one sent something: its unknown outcomes may be settled by now.
        if sent == sent_before or time.monotonic() - started >= budget or (limit is not None and sent >= limit):
            return report
