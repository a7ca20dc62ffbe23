"""Bulk decisions from the Candidates list: each item is its own decision, refused ones say why."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from curator.decisions import candidate_approve, candidate_reject
from curator.errors import DecisionError


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def candidates_decide_bulk(*, items: list[tuple[int, int]], by: User, approve: bool, override: bool = False) -> BulkResult:
    """Approve or reject many (id, version seen) pairs; each is its own decision, refused ones are listed with why."""
    result = BulkResult()
    for candidate_id, version in items:
        try:
            if approve:
                candidate_approve(candidate_id=candidate_id, version=version, by=by, override=override)
            else:
                candidate_reject(candidate_id=candidate_id, version=version, by=by)
        except DecisionError as exc:
            result.refused.append((candidate_id, str(exc)))
        else:
            result.done.append(candidate_id)
    return result
