from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from curator.access import is_curator, is_owner

# (label, url name, who sees it). Entries whose view does not exist yet are left out.
NAVIGATION = [
    ("Queue", "queue", "curator"),
    ("Candidates", "candidates", "curator"),
    ("Schedule", "schedule", "curator"),
    ("History", "history", "curator"),
    ("Generation", "generation", "owner"),
    ("Corpora", "corpora", "owner"),
    ("Stats", "stats", "curator"),
    ("Accounts", "accounts", "owner"),
    ("Status", "status", "curator"),
]


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_owner": False, "is_curator": False, "navigation": []}
    owner, curator = is_owner(user), is_curator(user)
    allowed = {"owner": owner, "curator": curator}
    navigation = []
    for label, name, role in NAVIGATION:
        if not allowed[role]:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        navigation.append({"label": label, "url": url, "active": request.path.startswith(url) and url != "/"})
    return {"is_owner": owner, "is_curator": curator, "navigation": navigation}
