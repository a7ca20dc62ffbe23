"""Shared set-up for the mentions tests (no tests here): accounts, remote mentions, reply candidates."""

import itertools
from datetime import datetime

from django.utils import timezone

from core import tweets
from curator.models import Candidate
from generation import checkpoints
from generation.models import Checkpoint
from posting.models import Account, Mention
from posting.publishers import RemoteMention
from tests.support.generation import corpus_make

_ids = itertools.count(1_900_000_000_000_000_000)


def dry_account(**fields: object) -> Account:
    defaults: dict[str, object] = {"name": "bot", "handle": "thebot", "remote_user_id": "42", "replies_enabled": True}
    return Account.objects.create(**(defaults | fields))


def remote(
    text: str = "@thebot what do you think?", *, author: str = "alice", author_id: str = "7", referenced: list[dict[str, str]] | None = None
) -> RemoteMention:
    return RemoteMention(
        remote_id=str(next(_ids)),
        text=text,
        author_id=author_id,
        author_username=author,
        created_at=timezone.now(),
        conversation_id="",
        referenced=referenced or [],
    )


def markov_checkpoint() -> Checkpoint:
    """A real Markov chain of a small corpus (MODELS_DIR must point somewhere writable)."""
    corpus = corpus_make(name="replies-corpus")
    return checkpoints.markov_checkpoint_create(corpus=corpus, name="markov-replies")


def mention_with_candidates(account: Account, n: int = 3, *, remote_id: str | None = None) -> tuple[Mention, list[Candidate]]:
    mention = Mention.objects.create(
        account=account,
        remote_id=remote_id or str(next(_ids)),
        author_id="7",
        author_username="alice",
        text="@thebot is it true?",
        state=Mention.State.READY,
    )
    rows = []
    for i in range(n):
        text = f"Reply number {i} to mention {mention.pk}, believe me"
        rows.append(
            Candidate.objects.create(
                mention=mention,
                text=text,
                generated_text=text,
                text_hash=tweets.text_hash(text),
                weighted_length=tweets.weighted_length(text),
                nearcopy_verdict=Candidate.Verdict.OK,
            )
        )
    return mention, rows


def next_minute(now: datetime) -> datetime:
    from datetime import timedelta

    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)
