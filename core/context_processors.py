from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core.access import is_curator, is_owner

# (label, url name, who sees it). Every entry must reverse: a broken link fails the page, not silently.
NAVIGATION = [
    ("Queue", "curator:queue", "curator"),
    ("Candidates", "curator:candidates", "curator"),
    ("Ready", "posting:ready", "curator"),
    ("Schedule", "posting:schedule", "curator"),
    ("Calendar", "posting:calendar", "curator"),
    ("History", "posting:post_history", "curator"),
    ("Generation", "generation:generation", "owner"),
    ("Corpora", "corpora:list", "owner"),
    ("Stats", "curator:stats", "curator"),
    ("Accounts", "posting:accounts", "owner"),
    ("Status", "core:status", "curator"),
]


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_owner": False, "is_curator": False, "navigation": []}
    owner, curator = is_owner(user), is_curator(user)
    allowed = {"owner": owner, "curator": curator}
    navigation = []
    for label, name, role in NAVIGATION:
        if allowed[role]:
            url = reverse(name)
            navigation.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {"is_owner": owner, "is_curator": curator, "navigation": navigation}


def csp_nonce(request: HttpRequest) -> dict[str, Any]:
    """The request's CSP nonce under the name django-htmx's `{% htmx_script %}` reads (Django 6's name for it).

    Lazy: only a page that renders a script tag with it puts the nonce into the header.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
