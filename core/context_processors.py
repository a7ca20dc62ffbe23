from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core.access import request_roles

# The operator's flow, in groups: make a model, review what it writes, post it, run the place.
# Each entry is (label, url name, who sees it); a group a role has nothing in is not shown to it.
# Every entry must reverse: a broken link fails the page, not silently.
NAVIGATION: list[tuple[str, list[tuple[str, str, str]]]] = [
    ("Make", [("Corpora", "corpora:list", "owner"), ("Generation", "generation:generation", "owner")]),
    (
        "Review",
        [("Queue", "curator:queue", "curator"), ("Candidates", "curator:candidates", "curator"), ("Stats", "curator:stats", "curator")],
    ),
    (
        "Post",
        [
            ("Ready", "posting:ready", "curator"),
            ("Schedule", "posting:schedule", "curator"),
            ("Calendar", "posting:calendar", "curator"),
            ("History", "posting:post_history", "curator"),
            ("Accounts", "posting:accounts", "owner"),
        ],
    ),
    ("Run", [("People", "core:people", "owner"), ("Status", "core:status", "curator")]),
]


def nav_items() -> list[tuple[str, str, str]]:
    """Every navigation entry, in order, without the groups."""
    return [item for _group, items in NAVIGATION for item in items]


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_owner": False, "is_curator": False, "navigation": []}
    roles = request_roles(request)
    owner, curator = roles.owner, roles.curator
    allowed = {"owner": owner, "curator": curator}
    navigation = []
    for group, items in NAVIGATION:
        links = []
        for label, name, role in items:
            if allowed[role]:
                url = reverse(name)
                links.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
        if links:
            navigation.append({"label": group, "items": links, "active": any(link["active"] for link in links)})
    return {"is_owner": owner, "is_curator": curator, "navigation": navigation}


def csp_nonce(request: HttpRequest) -> dict[str, Any]:
    """The request's CSP nonce under the name django-htmx's `{% htmx_script %}` reads (Django 6's name for it).

    Lazy: only a page that renders a script tag with it puts the nonce into the header.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
