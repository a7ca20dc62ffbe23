from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import home as home_registry
from core import status as status_facts
from core.access import curator_required, request_roles
from core.http import AuthedRequest


def locked_out(request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' lockout answer: 429 with the login page's look, and how long to wait."""
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    return render(request, "registration/locked_out.html", context, status=429)


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """A starting point: the counts that say what to do next, and on a new install the steps to get going."""
    roles = request_roles(request)
    if not roles.curator:  # owners are curators too
        # Logged in but given no role: this page and nothing else (no system facts, host or vendor names).
        return render(request, "core/no_role.html")
    allowed = {"owner": roles.owner, "curator": roles.curator}
    facts = sorted((f for provider in home_registry.HOME_FACTS for f in provider() if allowed[f.role]), key=lambda f: f.order)
    steps = sorted((provider() for provider in home_registry.SETUP_STEPS), key=lambda s: s.order)
    next_step = next((s for s in steps if not s.done), None)
    context = {
        "status": status_facts.system_status(),
        "facts": facts,
        # Shown until every step is done once; each role sees all of them (so a curator knows what is missing) but
        # the links only to the pages it may open.
        "steps": steps if next_step is not None else [],
        "next_step": next_step,
        "allowed": allowed,
    }
    return render(request, "core/home.html", context)


@require_GET
@curator_required
def status(request: AuthedRequest) -> HttpResponse:
    """Database, broker, workers and beat. The part that refreshes itself is a partial."""
    st = status_facts.system_status()
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "healthy": st.healthy,
                "database": st.database,
                "broker_reachable": st.broker_reachable,
                "queues": st.queues,
                "beat_alive": bool(st.beat and st.beat.alive),
                "workers": [{"name": w.name, "queues": w.queues, "alive": w.alive} for w in st.workers],
            }
        )
    broker = str(settings.CELERY_BROKER_URL).split("://", 1)[0]
    template = "core/status.html#panel" if request.htmx else "core/status.html"
    return render(request, template, {"status": st, "broker": broker})
