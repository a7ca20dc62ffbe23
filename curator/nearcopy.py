"""A near-copy verdict (corpora.nearcopy) as the candidate's fields: the one place that maps one to the other."""

from dataclasses import asdict
from typing import Any

from corpora.nearcopy import Verdict


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    """The Candidate fields a verdict sets (for a new row, an update, or an edit's re-check)."""
    return {
        "nearcopy_verdict": verdict.verdict,
        "nearcopy_reason": verdict.reason,
        "nearcopy_score": verdict.score if verdict.verdict != "unchecked" else None,
        "nearcopy_closest_id": verdict.closest_id,
        "nearcopy_spans": [asdict(span) for span in verdict.spans],
    }
