"""The Ready page: each account's backlog of approved candidates waiting for a slot (curators).

Schedule one into the account's next free slot, send it to another account, or return it to the queue.
Scheduling creates a Post (posting's own row); returning changes the candidate, so it goes through
curator.decisions, the owner of the candidate's state machine.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import curator_required
from core.http import AuthedRequest
from curator.decisions import candidate_return
from curator.errors import DecisionError
from curator.models import Candidate
from posting import backlog
from posting.models import Account
from posting.scheduling import SchedulingError, local_time, post_schedule

PER_ACCOUNT = 100


@dataclass(frozen=True)
class Backlog:
    account: Account | None
    candidates: list[Candidate]
    total: int


def _backlogs() -> list[Backlog]:
    out = []
    for account in Account.objects.order_by("name"):
        qs = backlog.backlog(account=account)
        items = list(qs[:PER_ACCOUNT])
        out.append(Backlog(account=account, candidates=items, total=qs.count() if len(items) == PER_ACCOUNT else len(items)))
    unassigned = backlog.backlog_unassigned()
    items = list(unassigned[:PER_ACCOUNT])
    if items:
        out.append(Backlog(account=None, candidates=items, total=unassigned.count()))
    return out


def _page(request: AuthedRequest, *, notice: str = "", error: str = "") -> HttpResponse:
    template = "posting/ready.html#backlogs" if request.htmx else "posting/ready.html"
    context = {"backlogs": _backlogs(), "accounts": list(Account.objects.order_by("name")), "notice": notice, "error": error}
    return render(request, template, context)


@require_GET
@curator_required
def ready(request: AuthedRequest) -> HttpResponse:
    return _page(request)


@require_POST
@curator_required
def ready_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    candidate = get_object_or_404(Candidate, pk=pk)
    notice = error = ""
    try:
        if action == "schedule":
            account = None
            raw = request.POST.get("account", "")
            if raw:
                account = Account.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
                if account is None:
                    raise SchedulingError("That account no longer exists; nothing was changed.")
            if candidate.status != Candidate.Status.APPROVED:
                raise SchedulingError("Only an approved candidate can be scheduled; nothing was changed.")
            post = post_schedule(candidate=candidate, by=request.user, account=account)
            notice = f"#{pk} scheduled on {post.account.name} for {local_time(post.scheduled_at, post.account)}."
        elif action == "return":
            candidate_return(candidate_id=pk, by=request.user)
            notice = f"#{pk} is back in the queue."
        else:
            return HttpResponseBadRequest("Unknown action.")
    except (SchedulingError, DecisionError) as exc:
        error = str(exc)
    if request.htmx:
        return _page(request, notice=notice, error=error)
    (messages.success if notice else messages.error)(request, notice or error)
    return redirect("posting:ready")
