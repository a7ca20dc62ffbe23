"""Requests refused before any view sees them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

NUL_IN_QUERY = "This address has a NUL character (%00) in its query string, and no page accepts one. Remove it and try again."


def nul_in_query_refused(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Answer 400 to a query string holding NUL, whatever the page: once for every filter, the admin's included.

    PostgreSQL cannot store or compare a string with NUL in it, so any parameter that reached a query answered
    500 there (`/decisions/?curator=%00`); no field has a use for it. Other control characters are left to the
    forms: PostgreSQL takes them.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return render(request, "core/bad_request.html", {"reason": NUL_IN_QUERY}, status=400)
        return get_response(request)

    return middleware
