"""Candidates beyond the queue: search and bulk decisions, a candidate's history, a curator's history, stats."""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import tweets
from core.access import curator_required
from core.http import AuthedRequest
from curator import bulk, selectors
from curator.forms import BulkForm, CandidateFilterForm
from curator.models import Candidate
from curator.ranking.stats import ranking_stats

PAGE_SIZE = 50


def _list_context(request: AuthedRequest, data: dict[str, str]) -> dict[str, object]:
    form = CandidateFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.candidates_search(
        batch=filters.get("batch"),
        status=filters.get("status", ""),
        verdict=filters.get("verdict", ""),
        curator=filters.get("curator", "").strip(),
        q=filters.get("q", "").strip(),
        sort=filters.get("sort") or "oldest",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(data.get("page"))
    query = urlencode({k: v for k, v in data.items() if k != "page" and v})
    return {"form": form, "page": page, "query": query}


@require_GET
@curator_required
def candidates(request: AuthedRequest) -> HttpResponse:
    """Filter, sort, select many; the results table is the `results` partial."""
    context = _list_context(request, request.GET.dict())
    template = "curator/candidates.html#results" if request.htmx else "curator/candidates.html"
    return render(request, template, context)


@require_POST
@curator_required
def candidates_bulk(request: AuthedRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = request.POST.get("query", "")
    feedback: list[tuple[str, str]] = []
    if not form.is_valid():
        feedback = [("error", " ".join(str(e) for errors in form.errors.values() for e in errors))]
    else:
        approve = form.cleaned_data["action"] == "approve"
        result = bulk.candidates_decide_bulk(
            items=form.cleaned_data["selected"], by=request.user, approve=approve, override=form.cleaned_data["override"]
        )
        verb = "Approved" if approve else "Rejected"
        if result.done:
            feedback.append(("success", f"{verb} {len(result.done)} candidate{'s' if len(result.done) != 1 else ''}."))
        for pk, why in result.refused:
            feedback.append(("error", f"#{pk} not changed: {why}"))
    if request.htmx:
        data = dict(parse_qsl(back))
        context = {**_list_context(request, data), "feedback": feedback}
        return render(request, "curator/candidates.html#results", context)
    for level, text in feedback:
        messages.add_message(request, messages.ERROR if level == "error" else messages.SUCCESS, text)
    return HttpResponseRedirect(reverse("curator:candidates") + (f"?{back}" if back else ""), status=303)


@require_GET
@curator_required
def candidate_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    candidate = get_object_or_404(Candidate.objects.select_related("batch", "nearcopy_closest", "decided_by", "claimed_by"), pk=pk)
    context = {
        "c": candidate,
        "history": selectors.candidate_history(candidate=candidate),
        "sources": selectors.nearcopy_sources(candidate=candidate),
        "max_length": tweets.MAX_WEIGHTED_LENGTH,
        **selectors.similar_of(candidate, user=request.user),
    }
    return render(request, "curator/candidate.html", context)


@require_GET
@curator_required
def decision_history(request: AuthedRequest) -> HttpResponse:
    """A curator's recent decisions (your own by default), with undo for those that can still be taken back."""
    username = request.GET.get("curator", "").strip()
    who = get_object_or_404(User, username=username) if username else request.user
    decisions = selectors.curator_recent_decisions(user=who)
    return render(
        request,
        "curator/history.html",
        {"who": who, "decisions": decisions, "own": who == request.user, "undoable": set(selectors.UNDOABLE)},
    )


@require_GET
@curator_required
def stats(request: AuthedRequest) -> HttpResponse:
    template = "curator/stats.html#figures" if request.htmx else "curator/stats.html"
    return render(request, template, {"stats": selectors.queue_stats(), "ranking": ranking_stats()})
