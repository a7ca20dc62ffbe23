"""Undo: a curator takes back one of their own recent decisions, while nothing has changed since."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import tweets
from curator.claims import PENDING, free, free_for, lease_end
from curator.decisions import set_aside_undo, stale
from curator.errors import DecisionError, StaleCandidate
from curator.models import Candidate, Decision
from curator.publishing import publishing
from curator.selectors import UNDOABLE


def decision_undo(*, by: User, decision_id: int | None = None) -> Decision:
    """Take back one of this curator's recent decisions (the latest when no id is given).

    1. The candidate must be unchanged since the decision (its version) and not posted; a queued post
       of a scheduled candidate is cancelled (through curator.publishing).
    2. The candidate goes back to pending (or its old text), held by this curator, so it is the next card.
    3. The decision is marked undone and the undo itself is recorded.
    4. Undoing the card of a group reject (Shift+R: its decision names itself as `group`) also takes back the
       siblings rejected with it, in the same transaction (curator.decisions.queue_reject_siblings); a sibling's
       own decision, undone from the history page, takes back that one only.
    """
    now = timezone.now()
    undoable = Decision.objects.filter(user=by, undone=False, action__in=UNDOABLE)
    decision = undoable.filter(pk=decision_id).first() if decision_id is not None else undoable.first()
    if decision is None:
        raise DecisionError("Nothing to undo: you have no recent decision that can be taken back.")
    candidate = decision.candidate
    action = decision.action
    with transaction.atomic():
        if action == Decision.Action.SKIP:
            changed = Candidate.objects.filter(pk=candidate.pk).filter(free(now)).update(claimed_by=by, claim_expires_at=lease_end(now))
        elif action == Decision.Action.EDIT:
            before = decision.data.get("before_nearcopy", {})
            changed = (
                Candidate.objects.filter(pk=candidate.pk, version=decision.data.get("version"), status=PENDING)
                .filter(free_for(by, now))
                .update(
                    text=decision.before_text,
                    text_hash=tweets.text_hash(decision.before_text),
                    weighted_length=tweets.weighted_length(decision.before_text),
                    version=F("version") + 1,
                    claimed_by=by,
                    claim_expires_at=lease_end(now),
                    # Back in the near-duplicate group the edit took it out of (edits made before groups: none).
                    sibling_group=decision.data.get("before_sibling_group"),
                    **before,
                )
            )
        else:
            changed = _reopen(decision=decision, by=by, now=now)
        if changed != 1:
            if action == Decision.Action.SKIP:
                raise StaleCandidate("Another curator has taken this candidate since you skipped it; nothing was changed.")
            raise stale(candidate_id=candidate.pk, by=by, now=now)
        if not _mark_undone(decision):
            raise DecisionError("This decision was already undone.")
        undo = _record(decision=decision, by=by)
        if action == Decision.Action.REJECT and decision.data.get("group") == candidate.pk:
            # The card of a group reject (Shift+R): its siblings come back with it, in the same step.
            undo.data["siblings"] = _siblings_undo(group=candidate.pk, by=by, now=now)
            undo.save(update_fields=["data"])
    return undo


def _reopen(*, decision: Decision, by: User, now: datetime, hold: bool = True) -> int:
    """Back to pending, if the candidate is as the decision left it (its version): held by this curator as the
    next card, or (hold=False) free for anyone. Returns the rows changed (0 or 1)."""
    candidate = decision.candidate
    changed = Candidate.objects.filter(pk=candidate.pk, version=decision.data.get("version"), status=decision.after_status).update(
        status=PENDING,
        version=F("version") + 1,
        decided_by=None,
        decided_at=None,
        claimed_by=by if hold else None,
        claim_expires_at=lease_end(now) if hold else None,
        nearcopy_override=bool(decision.data.get("before_override", False)),
    )
    if changed == 1:
        # Cancels a queued post and reopens an answered mention; once the post is being sent it refuses,
        # and leaving this atomic block by that error keeps everything as it was.
        publishing().undo(candidate=candidate)
        if candidate.mention_id is not None and decision.after_status == Candidate.Status.APPROVED:
            set_aside_undo(candidate=candidate)
    return changed


def _mark_undone(decision: Decision) -> bool:
    return Decision.objects.filter(pk=decision.pk, undone=False).update(undone=True) == 1


def _record(*, decision: Decision, by: User) -> Decision:
    candidate = decision.candidate
    candidate.refresh_from_db()
    return Decision.objects.create(
        candidate=candidate,
        user=by,
        action=Decision.Action.UNDO,
        before_status=decision.after_status,
        after_status=candidate.status,
        before_text=decision.after_text,
        after_text=candidate.text,
        data={"undid": decision.pk, "undid_action": decision.action, "version": candidate.version},
    )


def _siblings_undo(*, group: int, by: User, now: datetime) -> int:
    """The siblings rejected with card `group` go back to pending, free for anyone (the curator holds only the
    card). One changed since (undone alone from the history page) stays as it is. Returns how many came back."""
    back = 0
    rejected = Decision.objects.filter(user=by, undone=False, action=Decision.Action.REJECT, data__group=group).exclude(candidate_id=group)
    for decision in rejected.select_related("candidate"):
        if _reopen(decision=decision, by=by, now=now, hold=False) and _mark_undone(decision):
            _record(decision=decision, by=by)
            back += 1
    return back
