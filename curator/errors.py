"""The queue's refusals: shown to the curator as they are; nothing was changed."""

from curator.publishing import DecisionError

__all__ = ["DecisionError", "NearCopyBlocked", "StaleCandidate"]


class StaleCandidate(DecisionError):
    """Someone else decided or edited the candidate since this curator saw it."""


class NearCopyBlocked(DecisionError):
    """A near copy needs an explicit, logged override."""
