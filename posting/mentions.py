"""Replies to mentions, through the curated queue (a human approves every reply).

beat poll_mentions ─▶ mentions_fetch (since the last id seen) ─▶ mention_store: the rules
    (own post, retweet, ignored user or word, the hourly budget, never the same mention twice)
─▶ a batch started by generation.services.batch_start with the mention's text as its prompt (prompt_only:
    the same sampler, cleaning, de-duplication and near-copy check as any batch; the prompt is left out
    of the texts and every candidate is linked to the mention) ─▶ batch_finished: the mention's state
─▶ the queue shows the mention above its candidates ─▶ approving one (curator.decisions): reply_schedule
    (a reply Post for the next minute, within the hourly limit); the queue sets the other candidates aside
─▶ beat's post_due posts it with in_reply_to_tweet_id, exactly once.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from curator.models import Candidate
from generation import services as generation
from generation.batches import batch_run
from generation.models import Checkpoint, GenerationBatch, Status
from posting.crypto import CredentialsUnreadable
from posting.models import Account, Mention, Post
from posting.networks import length_rule
from posting.publishers import PublishError, RemoteMention, publisher_for
from posting.scheduling import OCCUPYING, SchedulingError

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# Tokens a reply may run to; the sampler stops earlier when every sample has ended.
REPLY_LENGTH = 80
REPLY_TEMPERATURE = 0.8
REPLY_TOP_P = 0.9
_LEADING_HANDLES = re.compile(r"^(?:\s*@[\w-]+)+\s*")


# --- Rules -------------------------------------------------------------------------------------


def ignored_users(account: Account) -> set[str]:
    return {name.lstrip("@").lower() for name in re.split(r"[\s,]+", account.ignore_users) if name.lstrip("@")}


def ignored_words(account: Account) -> list[str]:
    return [line.strip().lower() for line in account.ignore_words.splitlines() if line.strip()]


def skip_reason(*, account: Account, remote: RemoteMention) -> str:
    """Why this mention must not be answered, in words; empty when it may be."""
    own_ids = {account.remote_user_id} - {""}
    if remote.author_id in own_ids or (account.handle and remote.author_username.lower() == account.handle.lower()):
        return "It is the account's own post."
    if any(r.get("type") == "retweeted" for r in remote.referenced) or remote.text.startswith("RT @"):
        return "It is a retweet."
    if remote.author_username.lower() in ignored_users(account):
        return f"@{remote.author_username} is on the account's ignore list."
    if account.publisher == Account.Publisher.X and not x_reply_allowed(account=account, remote=remote):
        return "X allows replies only to posts that @mention the bot or quote one of its posts."
    text = remote.text.lower()
    for word in ignored_words(account):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text):
            return f"It contains an ignored word ({word!r})."
    return ""


def x_reply_allowed(*, account: Account, remote: RemoteMention) -> bool:
    """X's rule since 23 February 2026: the author @mentioned the bot, or quoted one of its posts.

    X's mentions also return replies in the bot's threads; a reply whose only @handle is the bot's name
    in the leading reply prefix counts as a mention here, since the text names it.
    """
    handle = account.handle or account.name
    named = re.search(rf"(?<![\w@])@{re.escape(handle)}(?![\w])", remote.text, re.IGNORECASE)
    return bool(named) or any(r.get("type") == "quoted" for r in remote.referenced)


def prompt_for(text: str) -> str:
    """The mention as the model's prompt: without the leading @handles it opens with (unless that is all it is)."""
    return (_LEADING_HANDLES.sub("", text).strip() or text.strip())[:500]


def reply_checkpoint(account: Account) -> Checkpoint | None:
    """The account's chosen model, else the newest one trained on a corpus (finetuned or Markov).

    A base model has never seen the bot's voice, so it is the last resort, not the newest default.
    """
    if account.reply_checkpoint is not None:
        return account.reply_checkpoint
    newest = Checkpoint.objects.order_by("-created_at", "-id")
    return newest.exclude(kind=Checkpoint.Kind.BASE).first() or newest.first()


# --- Storing mentions --------------------------------------------------------------------------


def mention_store(*, account: Account, remote: RemoteMention, simulated: bool = False, run_now: bool = False) -> Mention | None:
    """Keep a mention once and decide whether it is answered; None when it was seen before.

    1. Lock the account, so concurrent polls count the hourly budget and see each other's mentions.
    2. Apply the rules (skip_reason, then the budget: at most replies_per_hour mentions an hour get candidates).
    3. Create the mention and its generation batch; after commit, generate on the gpu queue
       (or here and now with `run_now`, for a simulated mention on the Markov backend).
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            account = Account.objects.select_for_update().get(pk=account.pk)
            if Mention.objects.filter(account=account, remote_id=remote.remote_id).exists():
                return None
            reason = skip_reason(account=account, remote=remote)
            used = Mention.objects.filter(account=account, fetched_at__gt=now - HOUR, batch__isnull=False).count()
            if not reason and used >= account.replies_per_hour:
                reason = f"Over the account's limit of {account.replies_per_hour} replies an hour."
            checkpoint = reply_checkpoint(account) if not reason else None
            if not reason and checkpoint is None:
                reason = "There is no model to write replies with: add a checkpoint, or pick one on the account page."
            mention = Mention.objects.create(
                account=account,
                remote_id=remote.remote_id,
                author_id=remote.author_id,
                author_username=remote.author_username,
                text=remote.text,
                created_at=remote.created_at,
                conversation_id=remote.conversation_id,
                referenced=remote.referenced,
                state=Mention.State.SKIPPED if reason else Mention.State.GENERATING,
                reason=reason[:200],
                simulated=simulated,
            )
            if checkpoint is None:
                return mention
            n = max(1, account.reply_candidates)
            mention.batch = generation.batch_start(
                checkpoint=checkpoint,
                n_candidates=n,
                batch_size=n,
                temperature=REPLY_TEMPERATURE,
                top_p=REPLY_TOP_P,
                length=REPLY_LENGTH,
                prefix=prompt_for(remote.text),
                prompt_only=True,
                enqueue=not run_now,
            )
            mention.save(update_fields=["batch"])
    except IntegrityError:
        return None  # another poll stored it first
    if run_now and mention.batch_id is not None:
        batch_run(batch_id=mention.batch_id)  # batch_finished records how it went
        mention.refresh_from_db()
    return mention


def mention_batch_finished(*, batch: GenerationBatch) -> None:
    """A reply batch ended (generation.signals.batch_finished): the mention is ready, or failed with the reason."""
    if batch.status == Status.SUCCEEDED and batch.kept_count:
        state, reason = Mention.State.READY, ""
    elif batch.status == Status.SUCCEEDED:
        state, reason = Mention.State.FAILED, f"None of the {batch.generated_count} candidates passed the checks."
    elif batch.status in (Status.FAILED, Status.CANCELLED):
        state, reason = Mention.State.FAILED, (batch.error or "The generation was cancelled.")[:200]
    else:
        return  # still running on another worker (a redelivery): that one records the outcome
    Mention.objects.filter(batch=batch, state=Mention.State.GENERATING).update(state=state, reason=reason)


# --- Fetching ----------------------------------------------------------------------------------


def _id_key(remote_id: str) -> tuple[int, str]:
    return (int(remote_id), "") if remote_id.isdigit() else (-1, remote_id)


def mentions_fetch(*, account: Account) -> list[Mention]:
    """New mentions of one account since the last one seen; returns those stored (answered or skipped)."""
    from posting.accounts import account_check

    publisher = publisher_for(account)
    if not account.remote_user_id:
        account_check(account=account)
    remote = publisher.mentions(user_id=account.remote_user_id, since_id=account.last_mention_id)
    stored = [m for r in sorted(remote, key=lambda r: _id_key(r.remote_id)) if (m := mention_store(account=account, remote=r))]
    if remote:
        newest = max((r.remote_id for r in remote), key=_id_key)
        if not account.last_mention_id or _id_key(newest) > _id_key(account.last_mention_id):
            Account.objects.filter(pk=account.pk).update(last_mention_id=newest)
    return stored


@dataclass
class PollReport:
    accounts: int = 0
    stored: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return f"{self.accounts} account(s), {self.stored} new mention(s), {self.errors} error(s)"


def mentions_poll() -> PollReport:
    """Beat, every minute: fetch for each active account with replies switched on. One account's error stops only it."""
    report = PollReport()
    for account in Account.objects.filter(replies_enabled=True, paused=False).order_by("id"):
        report.accounts += 1
        try:
            report.stored += len(mentions_fetch(account=account))
        except (PublishError, CredentialsUnreadable) as exc:  # rate limits, refusals, bad keys: the next poll tries again
            report.errors += 1
            log.warning("mentions of %s: %s", account.name, exc)
    return report


def mention_simulate(*, account: Account, text: str, author: str) -> Mention:
    """The demo's mention: stored and answered like a fetched one (Markov replies are written at once)."""
    author = author.lstrip("@").strip() or "someone"
    remote = RemoteMention(
        remote_id=f"sim-{uuid.uuid4().hex[:12]}",
        text=text.strip(),
        author_id=f"sim-{author.lower()}",
        author_username=author,
        created_at=timezone.now(),
        conversation_id="",
        referenced=[],
    )
    checkpoint = reply_checkpoint(account)
    run_now = checkpoint is not None and checkpoint.kind == Checkpoint.Kind.MARKOV
    mention = mention_store(account=account, remote=remote, simulated=True, run_now=run_now)
    assert mention is not None  # a fresh remote id is never seen before
    return mention


# --- Approving a reply -------------------------------------------------------------------------


def reply_time(*, account: Account, after: datetime) -> datetime:
    """The next minute, unless the account's hourly limit is used up: then when the oldest reply in the hour leaves it.

    Replies are kept in order (a new one never goes before one already queued), so no rolling hour ever
    holds more than replies_per_hour of them.
    """
    when = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = max(1, account.replies_per_hour)
    times = sorted(
        Post.objects.readable()
        .filter(account=account, state__in=OCCUPYING, scheduled_at__gt=when - HOUR)
        .exclude(in_reply_to_id="")
        .values_list("scheduled_at", flat=True)
    )
    if times:
        when = max(when, times[-1])
    if len(times) >= limit:
        when = max(when, times[-limit] + HOUR + timedelta(seconds=1))
    return when


def reply_text(*, account: Account, author: str, text: str) -> str:
    """The reply as it goes out. On Mastodon a reply reaches its author only by mentioning them (what Mastodon's
    own client and Mastodon.py's `status_reply` do), so "@author " goes first unless the text already names them.
    X and Bluesky thread a reply by the post's id alone: the text is left as it is."""
    if account.publisher != Account.Publisher.MASTODON or not author:
        return text
    if re.search(rf"(?<![\w@])@{re.escape(author)}(?![\w@])", text, re.IGNORECASE):
        return text
    return f"@{author} {text}"


def reply_schedule(*, candidate: Candidate, by: User | None) -> Post:
    """Schedule an approved reply candidate (inside the caller's transaction, after its approval).

    1. Lock the mention and the account; a mention with a live reply is refused (never answered twice).
    2. A reply Post for reply_time(), in reply to the mention's remote id (on Mastodon, naming its author first:
       reply_text), refused when that makes it too long for the network.
    3. The mention is answered (the queue sets its other candidates aside: curator.decisions).
    """
    now = timezone.now()
    if candidate.mention_id is None:
        raise SchedulingError("This candidate is not a reply.")
    mention = Mention.objects.select_for_update().get(pk=candidate.mention_id)
    account = Account.objects.select_for_update().get(pk=mention.account_id)
    live = Post.objects.filter(account=account, in_reply_to_id=mention.remote_id).exclude(state=Post.State.CANCELLED)
    if mention.state == Mention.State.ANSWERED or live.exists():
        raise SchedulingError(f"The mention by @{mention.author_username} already has a reply: a mention is answered only once.")
    if Post.objects.filter(candidate=candidate).exclude(state=Post.State.CANCELLED).exists():
        raise SchedulingError("This candidate is already scheduled or posted.")
    text = reply_text(account=account, author=mention.author_username, text=candidate.text)
    refusal = length_rule(account).refusal(text)
    if refusal:
        named = f" (the reply names @{mention.author_username} first)" if text != candidate.text else ""
        raise SchedulingError(f"{refusal.removesuffix('.')}{named}.")
    post = Post.objects.create(
        account=account,
        candidate=candidate,
        text=text,
        scheduled_at=reply_time(account=account, after=now),
        in_reply_to_id=mention.remote_id,
        created_by=by,
    )
    Mention.objects.filter(pk=mention.pk).update(state=Mention.State.ANSWERED)
    return post


def reply_undo(*, candidate: Candidate) -> None:
    """An approved reply was undone (its post cancelled): the mention is open again."""
    if candidate.mention_id is not None:
        Mention.objects.filter(pk=candidate.mention_id, state=Mention.State.ANSWERED).update(state=Mention.State.READY)
