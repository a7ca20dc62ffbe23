"""What the queue needs from posting, without importing it.

Calls between apps run one way (docs/architecture.md): posting sits above curator, since it reads
approved candidates and starts reply batches. But two queue decisions reach into posting: `s`
schedules, and approving a reply candidate posts the reply; undoing either cancels the post. The
queue declares here what it needs; posting registers the implementation in PostingConfig.ready().
Every call runs inside the decision's transaction: a DecisionError rolls the decision back too.
"""

from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth.models import User

from curator.models import Candidate


class DecisionError(Exception):
    """Shown to the curator as is; nothing was changed."""


@dataclass(frozen=True)
class Scheduled:
    """What the decision log records about the post a decision made."""

    post_id: int
    scheduled_at: str
    account: str
    reply_to: str = ""
    # The time as people read it, in the account's time zone ("Wed 2 Dec 2026 15:00 CET").
    scheduled_local: str = ""


@dataclass(frozen=True)
class Target:
    """An account a candidate can be sent to (the card's "Schedule to…" menu)."""

    account_id: int
    name: str
    network: str
    default: bool


@dataclass(frozen=True)
class LengthCheck:
    """A text's length by one target account's network rule (X weighted, Bluesky graphemes, Mastodon characters)."""

    account: str
    network: str
    length: int
    limit: int
    unit: str
    # A warning that does not refuse (X: a link makes the post cost more).
    note: str = ""

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


class Publishing(Protocol):
    def schedule(self, *, candidate: Candidate, by: User, account_id: int | None = None) -> Scheduled:
        """Put an approved candidate into the next free slot of an account (by default the one it is for);
        DecisionError if there is none, or it is already live there."""
        ...

    def targets(self, *, candidate: Candidate) -> list[Target]:
        """The accounts the candidate can be scheduled to, the one it is for first."""
        ...

    def reply(self, *, candidate: Candidate, by: User) -> Scheduled:
        """Post an approved reply candidate as the answer to its mention; DecisionError if it was answered already."""
        ...

    def length_checks(self, *, candidate: Candidate) -> list[LengthCheck]:
        """The candidate's length against each account the queue's schedule would post it to."""
        ...

    def undo(self, *, candidate: Candidate) -> None:
        """Take back what schedule or reply did (cancel the queued post, reopen the mention);
        DecisionError if the post is being sent or was sent."""
        ...


class _Unavailable:
    def _refuse(self) -> Scheduled:
        raise DecisionError("Posting is not set up in this installation, so nothing can be scheduled.")

    def schedule(self, *, candidate: Candidate, by: User, account_id: int | None = None) -> Scheduled:
        return self._refuse()

    def targets(self, *, candidate: Candidate) -> list[Target]:
        return []

    def reply(self, *, candidate: Candidate, by: User) -> Scheduled:
        return self._refuse()

    def length_checks(self, *, candidate: Candidate) -> list[LengthCheck]:
        return []

    def undo(self, *, candidate: Candidate) -> None:
        return None


_publishing: Publishing = _Unavailable()


def publishing_register(implementation: Publishing) -> None:
    global _publishing
    _publishing = implementation


def publishing() -> Publishing:
    return _publishing
