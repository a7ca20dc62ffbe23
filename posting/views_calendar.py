"""The week calendar (curators): slots, scheduled and sent posts per account; move by dragging or with a form.

Dragging a post onto a free slot posts the same form the no-JavaScript "Move to" select posts
(static/js/calendar.js); unschedule and post now (with a confirmation box) are plain forms with hx-post.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.access import curator_required
from core.http import AuthedRequest
from posting import services
from posting.calendar import account_week, week_start
from posting.models import Account, Post
from posting.scheduling import SchedulingError, local_time

ACTIONS = {"move", "unschedule", "now"}


def _query(request: AuthedRequest) -> tuple[str, int | None]:
    week = request.GET.get("week") or request.POST.get("week") or ""
    raw = request.GET.get("account") or request.POST.get("account_filter") or ""
    account_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    return week, account_id


def _page(request: AuthedRequest, *, notice: str = "", error: str = "") -> HttpResponse:
    week, account_id = _query(request)
    accounts = Account.objects.order_by("name")
    shown = accounts.filter(pk=account_id) if account_id else accounts
    today = timezone.localdate()
    monday = week_start(week, today=today)
    context = {
        "weeks": [account_week(account=a, monday=monday) for a in shown],
        "accounts": accounts,
        "account_id": account_id,
        "monday": monday,
        "previous_week": (monday - timedelta(days=7)).isoformat(),
        "next_week": (monday + timedelta(days=7)).isoformat(),
        "this_week": week_start(None, today=today) == monday,
        "notice": notice,
        "error": error,
    }
    template = "posting/calendar.html#calendar" if request.htmx else "posting/calendar.html"
    return render(request, template, context)


@require_GET
@curator_required
def calendar(request: AuthedRequest) -> HttpResponse:
    return _page(request)


def _when(raw: str, account: Account) -> datetime:
    """A time from the form, in the account's time zone ("2026-12-03T09:00"); unreadable input is refused."""
    try:
        naive = datetime.strptime(raw.strip()[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        raise SchedulingError("Choose a slot or a time (year-month-day and hour:minute).") from None
    return naive.replace(tzinfo=ZoneInfo(account.timezone))


@require_POST
@curator_required
def calendar_move(request: AuthedRequest, pk: int) -> HttpResponse:
    return calendar_action(request, pk, "move")


@require_POST
@curator_required
def calendar_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        return HttpResponseBadRequest("Unknown action.")
    post = get_object_or_404(Post.objects.readable().select_related("account"), pk=pk)
    notice = error = ""
    try:
        if action == "move":
            moved = services.post_move(post=post, when=_when(request.POST.get("when", ""), post.account), by=request.user)
            notice = f"Moved to {local_time(moved.scheduled_at, post.account)}."
        elif action == "unschedule":
            services.post_unschedule(post=post, by=request.user)
            notice = "Unscheduled: its candidate is back in the account's Ready list."
        else:
            if request.POST.get("confirm") != "yes":
                raise SchedulingError("Tick “yes, post it now” to confirm: nothing was sent.")
            services.post_send_now(post=post, by=request.user)
            notice = "Posting now."
    except SchedulingError as exc:
        error = str(exc)
    if request.htmx:
        return _page(request, notice=notice, error=error)
    (messages.success if notice else messages.error)(request, notice or error)
    week, account_id = _query(request)
    query = "&".join(p for p in (f"week={week}" if week else "", f"account={account_id}" if account_id else "") if p)
    return redirect(reverse("posting:calendar") + (f"?{query}" if query else ""))
