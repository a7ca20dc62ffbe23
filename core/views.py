from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import status as status_facts
from core.http import AuthedRequest


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/home.html", {"status": status_facts.system_status()})


@require_GET
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
