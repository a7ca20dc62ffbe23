"""Decisions on a candidate: approve, reject, schedule, edit, skip. The candidate's state machine lives here.

Every decision is a conditional update carrying the version the curator saw, and is recorded as a
Decision event (the audit log, the undo stack and the statistics).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.timesince import timesince

from core import tweets
from curator import publication, siblings
from curator.claims import PENDING, free_for, lease_end, queue_claim_cards
from curator.errors import DecisionError, NearCopyBlocked, StaleCandidate
from curator.models import Candidate, Decision
from curator.nearcopy import verdict_fields
from curator.publishing import Scheduled, publishing
from curator.ranking import triggers


def why_not_yours(*, candidate_id: int, by: User, now: datetime) -> str:
    """Why this curator cannot act on the candidate now, naming who changed it (no trailing full stop)."""
    candidate = Candidate.objects.filter(pk=candidate_id).select_related("claimed_by").first()
    if candidate is None:
        return "this candidate no longer exists"
    holder = candidate.claimed_by
    if (
        candidate.status == PENDING
        and holder is not None
        and holder != by
        and candidate.claim_expires_at is not None
        and candidate.claim_expires_at > now
    ):
        return f"{holder.get_username()} is reviewing this candidate right now"
    last = Decision.objects.filter(candidate_id=candidate_id).select_related("user").first()
    if last is not None and last.action == Decision.Action.SKIP and last.user_id == by.pk and candidate.status == PENDING:
        return "you skipped this candidate (in another tab): it went back to the pool for the others"
    last = Decision.objects.filter(candidate_id=candidate_id).exclude(action=Decision.Action.SKIP).select_related("user").first()
    if last is None:
        return "this candidate changed since you opened it"
    who = "you" if last.user_id == by.pk else (last.user.get_username() if last.user else "someone")
    what = last.get_action_display().lower()
    ago = timesince(last.created_at, now)
    where = " (in another tab)" if who == "you" else ""
    return f"{who} {what} this candidate {ago} ago{where}"


def stale(*, candidate_id: int, by: User, now: datetime) -> StaleCandidate:
    """Name who changed the candidate, so the curator understands why nothing was saved."""
    return StaleCandidate(f"{sentence(why_not_yours(candidate_id=candidate_id, by=by, now=now))}; nothing was saved.")


def sentence(reason: str) -> str:
    """Our own words start a sentence with a capital; a username stays as it is spelled."""
    return reason[:1].upper() + reason[1:] if reason.startswith(("you ", "this ", "someone ")) else reason


def record(
    *, candidate: Candidate, by: User, action: str, before_status: str, after_status: str, after_text: str | None = None, **data: Any
) -> Decision:
    return Decision.objects.create(
        candidate=candidate,
        user=by,
        action=action,
        before_status=before_status,
        after_status=after_status,
        before_text=candidate.text,
        after_text=candidate.text if after_text is None else after_text,
        data=data,
    )


def _decide(
    *, candidate_id: int, version: int, by: User, status: str, action: str, override: bool, reason: str = "", **data: Any
) -> Candidate:
    """Approve or reject, inside the caller's transaction.

    1. Refuse a near copy without an override (the override is logged as its own event).
    2. Conditional update on (id, the version the curator saw, pending, not held by another):
       anything but one changed row means somebody else got there first.
    3. Record the decision with the version it produced (undo checks nothing changed since).
    """
    now = timezone.now()
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None or candidate.version != version or candidate.status != PENDING:
        raise stale(candidate_id=candidate_id, by=by, now=now)
    near = candidate.is_near_copy
    if near and status == Candidate.Status.APPROVED and not override:
        label = candidate.get_nearcopy_verdict_display().lower()
        raise NearCopyBlocked(
            f"This is a {label} of a training tweet: it can only be approved with an override (Shift+A, or Shift+S to schedule), which is logged."
        )
    overriding = near and status == Candidate.Status.APPROVED
    changed = (
        Candidate.objects.filter(pk=candidate_id, version=version)
        .filter(free_for(by, now))
        .update(
            status=status,
            version=F("version") + 1,
            decided_by=by,
            decided_at=now,
            claimed_by=None,
            claim_expires_at=None,
            nearcopy_override=overriding or candidate.nearcopy_override,
        )
    )
    if changed != 1:
        raise stale(candidate_id=candidate_id, by=by, now=now)
    if overriding:
        record(
            candidate=candidate,
            by=by,
            action=Decision.Action.OVERRIDE,
            before_status=PENDING,
            after_status=status,
            verdict=candidate.nearcopy_verdict,
            score=candidate.nearcopy_score,
            closest_id=candidate.nearcopy_closest_id,
        )
    record(
        candidate=candidate,
        by=by,
        action=action,
        before_status=PENDING,
        after_status=status,
        version=version + 1,
        before_override=candidate.nearcopy_override,
        # What the ranker said, and whether the card was served at random: the stats' calibration and
        # the unbiased approval rate read these.
        probability=candidate.keep_probability,
        ranked_by=candidate.ranked_by_id,
        random=candidate.picked_at_random,
        **({"reason": reason} if reason else {}),
        **data,
    )
    triggers.decision_counted(corpus_id=candidate.corpus_id)
    # What the update wrote, without reading the row back.
    candidate.status, candidate.version, candidate.decided_by, candidate.decided_at = status, version + 1, by, now
    candidate.claimed_by, candidate.claim_expires_at = None, None
    candidate.nearcopy_override = overriding or candidate.nearcopy_override
    return candidate


def _approve(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    candidate = _decide(
        candidate_id=candidate_id,
        version=version,
        by=by,
        status=Candidate.Status.APPROVED,
        action=Decision.Action.APPROVE,
        override=override,
    )
    if candidate.mention_id is not None:
        # A reply has no slot to wait for: approving it is scheduling it.
        _reply(candidate=candidate, by=by, action=Decision.Action.APPROVE)
    return candidate


def _note_post(*, candidate: Candidate, by: User, action: str, scheduled: Scheduled) -> None:
    """The decision records the post it made (undo and the candidate's history read it)."""
    decision = Decision.objects.filter(candidate=candidate, user=by, action=action).first()
    assert decision is not None
    data = {
        "post_id": scheduled.post_id,
        "scheduled_at": scheduled.scheduled_at,
        "scheduled_local": scheduled.scheduled_local,
        "account": scheduled.account,
    }
    if scheduled.reply_to:
        data["reply_to"] = scheduled.reply_to
    decision.data = {**decision.data, **data}
    decision.save(update_fields=["data"])


def _reply(*, candidate: Candidate, by: User, action: str) -> None:
    """Post the reply (posting refuses a mention answered already: leaving the caller's atomic block by that
    DecisionError rolls the approval back too), then set the mention's other candidates aside."""
    scheduled = publishing().reply(candidate=candidate, by=by)
    _note_post(candidate=candidate, by=by, action=action, scheduled=scheduled)
    set_aside_siblings(candidate=candidate, by=by)


def set_aside_siblings(*, candidate: Candidate, by: User | None) -> int:
    """The mention is answered by `candidate`: its other pending candidates are set aside, each with a logged
    decision (a curator holding one is told who answered). Returns how many."""
    now = timezone.now()
    count = 0
    if candidate.mention_id is None:
        return 0
    for other in Candidate.objects.filter(mention_id=candidate.mention_id, status=PENDING).exclude(pk=candidate.pk):
        changed = Candidate.objects.filter(pk=other.pk, version=other.version, status=PENDING).update(
            status=Candidate.Status.SET_ASIDE,
            version=F("version") + 1,
            decided_by=by,
            decided_at=now,
            claimed_by=None,
            claim_expires_at=None,
        )
        if changed:
            Decision.objects.create(
                candidate=other,
                user=by,
                action=Decision.Action.SET_ASIDE,
                before_status=PENDING,
                after_status=Candidate.Status.SET_ASIDE,
                before_text=other.text,
                after_text=other.text,
                data={"reply": candidate.pk, "mention_id": candidate.mention_id, "version": other.version + 1},
            )
            count += 1
    return count


def set_aside_undo(*, candidate: Candidate) -> int:
    """The approved reply `candidate` was undone: the candidates set aside for it come back to the queue."""
    back = 0
    set_aside = Decision.objects.filter(action=Decision.Action.SET_ASIDE, undone=False, data__reply=candidate.pk)
    for decision in set_aside.select_related("candidate"):
        changed = Candidate.objects.filter(
            pk=decision.candidate_id, status=Candidate.Status.SET_ASIDE, version=decision.data.get("version")
        ).update(status=PENDING, version=F("version") + 1, decided_by=None, decided_at=None)
        if changed:
            Decision.objects.filter(pk=decision.pk).update(undone=True)
            back += 1
    return back


def _reject(*, candidate_id: int, version: int, by: User, reason: str = "", **data: Any) -> Candidate:
    if reason and reason not in settings.REJECT_REASONS:
        raise DecisionError(f"{reason!r} is not one of the reject reasons ({', '.join(settings.REJECT_REASONS)}); nothing was saved.")
    return _decide(
        candidate_id=candidate_id,
        version=version,
        by=by,
        status=Candidate.Status.REJECTED,
        action=Decision.Action.REJECT,
        override=False,
        reason=reason,
        **data,
    )


def _schedule(*, candidate_id: int, version: int, by: User, override: bool = False, account_id: int | None = None) -> Candidate:
    candidate = _decide(
        candidate_id=candidate_id,
        version=version,
        by=by,
        status=Candidate.Status.APPROVED,
        action=Decision.Action.SCHEDULE,
        override=override,
    )
    if candidate.mention_id is not None:
        _reply(candidate=candidate, by=by, action=Decision.Action.SCHEDULE)
        return candidate
    scheduled = publishing().schedule(candidate=candidate, by=by, account_id=account_id)
    _note_post(candidate=candidate, by=by, action=Decision.Action.SCHEDULE, scheduled=scheduled)
    return candidate


def candidate_approve(*, candidate_id: int, version: int, by: User, override: bool = False) -> Candidate:
    with transaction.atomic():
        return _approve(candidate_id=candidate_id, version=version, by=by, override=override)


def candidate_reject(*, candidate_id: int, version: int, by: User, reason: str = "") -> Candidate:
    with transaction.atomic():
        return _reject(candidate_id=candidate_id, version=version, by=by, reason=reason)


def candidate_schedule(*, candidate_id: int, version: int, by: User, override: bool = False, account_id: int | None = None) -> Candidate:
    """Approve and put into the next free posting slot of its account (or the one chosen), or change nothing."""
    with transaction.atomic():
        return _schedule(candidate_id=candidate_id, version=version, by=by, override=override, account_id=account_id)


# The queue's keys that approve; both take a near-copy override. Reject needs none.
APPROVING: dict[str, Callable[..., Candidate]] = {"approve": _approve, "schedule": _schedule}


def queue_decide(
    *,
    action: str,
    candidate_id: int,
    version: int,
    by: User,
    override: bool = False,
    account_id: int | None = None,
    reason: str = "",
) -> list[Candidate]:
    """One decision from the queue and the refill of the curator's claims, in one transaction.

    One commit per card (no savepoint either); if the decision is refused, nothing is claimed.
    Returns the claims after the decision, as queue_claim_cards does.
    """
    with transaction.atomic():
        if action == "reject":
            _reject(candidate_id=candidate_id, version=version, by=by, reason=reason)
        elif action == "schedule":
            _schedule(candidate_id=candidate_id, version=version, by=by, override=override, account_id=account_id)
        else:
            APPROVING[action](candidate_id=candidate_id, version=version, by=by, override=override)
        return queue_claim_cards(user=by)


@dataclass(frozen=True)
class SiblingsRejected:
    rejected: int  # the card's similar candidates rejected with it
    left: int  # those another curator holds (or changed meanwhile): left as they are
    claims: list[Candidate]  # the curator's claims afterwards, as queue_claim_cards returns them


def queue_reject_siblings(*, candidate_id: int, version: int, by: User, reason: str = "") -> SiblingsRejected:
    """Shift+R: reject the card and every pending candidate near-identical to it (its sibling group), then refill
    the curator's claims, in one transaction.

    1. The card must still be as the curator saw it (its version, pending, not held by another): otherwise the
       curator is told who changed it and nothing happens, as with r.
    2. Each pending sibling that nobody else holds is rejected as r would (its own Decision with the reason; the
       ranker and the stats count it); one held by another curator, or changed meanwhile, is left and counted.
    3. The card is rejected last, so its decision is the curator's latest: it carries `group` (the card) and
       `siblings` (how many), and undo (u) takes the whole group back in one step. Each sibling's decision
       carries `group` too.
    """
    now = timezone.now()
    with transaction.atomic():
        card = Candidate.objects.filter(pk=candidate_id).filter(free_for(by, now)).first()
        if card is None or card.version != version:
            raise stale(candidate_id=candidate_id, by=by, now=now)
        rejected = left = 0
        others = siblings.siblings_pending(candidate=card)
        left += others.exclude(free_for(by, now)).count()
        for pk, seen in others.filter(free_for(by, now)).values_list("pk", "version"):
            try:
                _reject(candidate_id=pk, version=seen, by=by, reason=reason, group=card.pk)
            except StaleCandidate:
                left += 1  # taken or decided since the query above
            else:
                rejected += 1
        _reject(candidate_id=card.pk, version=version, by=by, reason=reason, group=card.pk, siblings=rejected)
        return SiblingsRejected(rejected=rejected, left=left, claims=queue_claim_cards(user=by))


def _nearcopy_fields(candidate: Candidate) -> dict[str, Any]:
    return {
        "nearcopy_verdict": candidate.nearcopy_verdict,
        "nearcopy_reason": candidate.nearcopy_reason,
        "nearcopy_score": candidate.nearcopy_score,
        "nearcopy_closest_id": candidate.nearcopy_closest_id,
        "nearcopy_spans": candidate.nearcopy_spans,
        "nearcopy_override": candidate.nearcopy_override,
    }


NUL_IN_TEXT = "The text holds a NUL character (\\0), which no post can carry: remove it and save again."


def edited_text(text: str) -> str:
    """The text an edit saves, as the curator typed it (the browser sends CRLF line breaks)."""
    return text.replace("\r\n", "\n").strip()


def candidate_edit(*, candidate_id: int, version: int, by: User, text: str) -> Candidate:
    """Change a pending candidate's text, re-running the length and near-copy checks.

    1. Validate the length (a too-long text is refused with its length; the curator keeps their text).
    2. Check the new text against the corpus (outside the transaction: it may take a moment).
    3. Conditional update on the version seen, writing the new verdict and leaving its sibling group; record the
       edit with what it replaced.
    """
    from corpora import nearcopy

    if "\x00" in text:
        raise DecisionError(NUL_IN_TEXT)
    text = edited_text(text)
    if not text:
        raise DecisionError("The text is empty: write the tweet, or press Esc to keep the original.")
    if not tweets.visible(text):
        raise DecisionError(
            "The text shows nothing: it holds only invisible characters (zero-width spaces, joiners or the like). "
            "Write the tweet, or press Esc to keep the original."
        )
    length = tweets.weighted_length(text)
    if length > tweets.MAX_WEIGHTED_LENGTH:
        raise DecisionError(f"The text is {length} of {tweets.MAX_WEIGHTED_LENGTH} characters (weighted): shorten it to save.")
    now = timezone.now()
    candidate = Candidate.objects.filter(pk=candidate_id).select_related("batch").first()
    if candidate is None or candidate.version != version or candidate.status != PENDING:
        raise stale(candidate_id=candidate_id, by=by, now=now)
    if text == candidate.text:
        return candidate
    corpus_id = candidate.corpus_id or (candidate.batch.corpus_id if candidate.batch else None)
    verdict = nearcopy.check_texts(corpus_id=corpus_id, texts=[text])[0] if corpus_id is not None else nearcopy.Verdict(verdict="unchecked")
    # An override was given for the old text; the new text must earn its own.
    new_fields = {**verdict_fields(verdict), "nearcopy_override": False}
    with transaction.atomic():
        changed = (
            Candidate.objects.filter(pk=candidate_id, version=version)
            .filter(free_for(by, now))
            .update(
                text=text,
                text_hash=tweets.text_hash(text),
                weighted_length=length,
                version=F("version") + 1,
                claimed_by=by,
                claim_expires_at=lease_end(now),
                # The curator made the text their own: it leaves its near-duplicate group, so that Shift+R on a
                # sibling never rejects it (undoing the edit puts it back).
                sibling_group=None,
                **new_fields,
            )
        )
        if changed != 1:
            raise stale(candidate_id=candidate_id, by=by, now=now)
        record(
            candidate=candidate,
            by=by,
            action=Decision.Action.EDIT,
            before_status=PENDING,
            after_status=PENDING,
            after_text=text,
            version=version + 1,
            before_nearcopy=_nearcopy_fields(candidate),
            before_sibling_group=candidate.sibling_group,
            verdict=verdict.verdict,
        )
    candidate.refresh_from_db()
    return candidate


def candidate_skip(*, candidate_id: int, by: User) -> None:
    """Leave a candidate for another curator: release the claim; this curator is not given it again."""
    now = timezone.now()
    with transaction.atomic():
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        changed = Candidate.objects.filter(pk=candidate_id).filter(free_for(by, now)).update(claimed_by=None, claim_expires_at=None)
        if candidate is None or changed != 1:
            raise stale(candidate_id=candidate_id, by=by, now=now)
        record(candidate=candidate, by=by, action=Decision.Action.SKIP, before_status=PENDING, after_status=PENDING)


def candidate_return(*, candidate_id: int, by: User) -> Candidate:
    """An approved candidate that waits in a backlog (no live post) goes back to the queue as pending, held by no one."""
    with transaction.atomic():
        candidate = Candidate.objects.filter(pk=candidate_id).first()
        changed = (
            Candidate.objects.filter(pk=candidate_id, status=Candidate.Status.APPROVED, mention__isnull=True)
            .exclude(posts__state__in=publication.LIVE)
            .update(status=PENDING, version=F("version") + 1, decided_by=None, decided_at=None, claimed_by=None, claim_expires_at=None)
        )
        if candidate is None or changed != 1:
            raise DecisionError("Only an approved candidate that is not scheduled or posted can go back to the queue; nothing was changed.")
        record(
            candidate=candidate,
            by=by,
            action=Decision.Action.RETURN,
            before_status=Candidate.Status.APPROVED,
            after_status=PENDING,
            version=candidate.version + 1,
        )
        candidate.refresh_from_db()
        return candidate
