"""Plain words for failures: a page or a row shows these, never an exception's text (that goes to the log)."""


def unexpected(what: str) -> str:
    """For an exception nobody planned for: what failed, and where to look, without the exception's own words."""
    return f"The {what} failed unexpectedly. The details are in the worker's log; try again, and tell the owner if it happens again."
