"""Plain words for failures: a page or a row shows these, never an exception's text (that goes to the log)."""

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


def unexpected(what: str) -> str:
    """For an exception nobody planned for: what failed, and where to look, without the exception's own words."""
    return f"The {what} failed unexpectedly. The details are in the worker's log; try again, and tell the owner if it happens again."


class SecretsAlwaysHidden(SafeExceptionReporterFilter):
    """Django hides sensitive_post_parameters/sensitive_variables only when DEBUG is off; we hide them always.

    A DEBUG error page is still a page: shown on a shared screen or in a screenshot, it must not carry
    posting credentials or passwords.
    """

    def is_active(self, request: HttpRequest | None) -> bool:
        return True
