"""Who may see what: owners run corpora, models, accounts and settings; curators work the queue."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

OWNER = "owner"
CURATOR = "curator"


def _in_group(user: AbstractBaseUser | AnonymousUser, group: str) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(user.groups.filter(name=group).exists())  # type: ignore[attr-defined]


def is_owner(user: AbstractBaseUser | AnonymousUser) -> bool:
    return _in_group(user, OWNER)


def is_curator(user: AbstractBaseUser | AnonymousUser) -> bool:
    # Owners may always curate their own bot's queue.
    return _in_group(user, CURATOR) or _in_group(user, OWNER)


@dataclass(frozen=True)
class Roles:
    owner: bool
    curator: bool


def request_roles(request: HttpRequest) -> Roles:
    """The user's roles, read with one query and kept for the rest of the request: the access check, the
    navigation and the page all ask (three to four group queries per card before; see docs/benchmarks.md)."""
    cached = getattr(request, "_roles", None)
    if cached is None:
        user = request.user
        if not user.is_authenticated:
            cached = Roles(owner=False, curator=False)
        elif getattr(user, "is_superuser", False):
            cached = Roles(owner=True, curator=True)
        else:
            names = set(user.groups.values_list("name", flat=True))
            cached = Roles(owner=OWNER in names, curator=bool(names & {OWNER, CURATOR}))
        request._roles = cached  # type: ignore[attr-defined]
    return cached


def _require(check: Callable[[Roles], bool]) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request_roles(request)):
                raise PermissionDenied("Your account does not have access to this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


owner_required = _require(lambda roles: roles.owner)
curator_required = _require(lambda roles: roles.curator)


def client_ip(request: HttpRequest) -> str:
    """The address login throttling counts: the peer, or behind our TLS proxy the one the proxy appended.

    Only the last X-Forwarded-For entry is the proxy's own; earlier ones are whatever the client sent.
    """
    from django.conf import settings

    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
