"""Pages of the posting app: the schedule and history (curators), accounts (owners).

Each page is one template; an htmx request gets the named partial that changed, a plain request
the whole page (or a redirect after a post), so every page works without JavaScript.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import curator_required, owner_required
from core.http import AuthedRequest
from posting import accounts as account_services
from posting import mentions as mention_services
from posting import scheduling, selectors, services
from posting.costs import x_cost_meter
from posting.forms import AccountForm, CredentialsForm, MoveForm, ReplySettingsForm, SimulateMentionForm, SlotForm
from posting.models import Account, Post, Slot
from posting.networks import length_rule

SCHEDULE_ACTIONS = {"up", "down", "unschedule", "now", "move"}


# --- Schedule (curators)


def _schedule_page(request: AuthedRequest, *, notice: str = "", error: str = "", status: int = 200) -> HttpResponse:
    template = "posting/schedule.html#queues" if request.htmx else "posting/schedule.html"
    context = {"queues": selectors.schedule_by_account(), "unreadable": selectors.unreadable_posts(), "notice": notice, "error": error}
    return render(request, template, context, status=status)


@require_GET
@curator_required
def schedule(request: AuthedRequest) -> HttpResponse:
    return _schedule_page(request)


@require_POST
@curator_required
def schedule_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    post = get_object_or_404(Post.objects.readable().select_related("account"), pk=pk)
    if action not in SCHEDULE_ACTIONS:
        return HttpResponseBadRequest(f"Unknown action {action!r}.", content_type="text/plain; charset=utf-8")  # never echoed as HTML
    try:
        if action in ("up", "down"):
            services.post_swap(post=post, direction=action, by=request.user)
            notice = "Swapped with the " + ("post before it." if action == "up" else "post after it.")
        elif action == "unschedule":
            services.post_unschedule(post=post, by=request.user)
            notice = "Unscheduled: its candidate is back in the account's Ready list."
        elif action == "now":
            services.post_send_now(post=post, by=request.user)
            notice = "Posting now."
        else:
            form = MoveForm(request.POST, account=post.account)
            if not form.is_valid():
                raise scheduling.SchedulingError(" ".join(str(e) for errors in form.errors.values() for e in errors))
            moved = services.post_move(post=post, when=form.cleaned_data["when"], by=request.user)
            notice = f"Moved to {scheduling.local_time(moved.scheduled_at, post.account)}."
    except scheduling.SchedulingError as exc:
        if request.htmx:
            return _schedule_page(request, error=str(exc))
        messages.error(request, str(exc))
        return redirect("posting:schedule")
    if request.htmx:
        return _schedule_page(request, notice=notice)
    messages.success(request, notice)
    return redirect("posting:schedule")


@require_POST
@curator_required
def schedule_unreadable(request: AuthedRequest, pk: int) -> HttpResponse:
    """Cancel a post whose stored time cannot be read (the warning on the Schedule page)."""
    if services.post_unschedule_unreadable(post_id=pk, by=request.user):
        notice, error = f"Post {pk} was unscheduled; its candidate can be scheduled again.", ""
    else:
        notice, error = "", f"Post {pk} is no longer waiting with an unreadable time: nothing was changed."
    if request.htmx:
        return _schedule_page(request, notice=notice, error=error)
    (messages.success if notice else messages.error)(request, notice or error)
    return redirect("posting:schedule")


# --- History (curators)


@require_GET
@curator_required
def post_history(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "all")
    if state not in selectors.HISTORY_STATES:
        state = "all"
    try:
        account_id = int(request.GET.get("account") or 0) or None
    except ValueError:
        account_id = None
    if account_id is not None and not 0 < account_id < 2**63:
        account_id = None  # no such account, and a bigger number would overflow SQLite's INTEGER in the query
    page = Paginator(selectors.history(state=state, account_id=account_id), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "account_id": account_id,
        "accounts": Account.objects.order_by("name"),
        "states": list(selectors.HISTORY_STATES),
    }
    template = "posting/history.html#table" if request.htmx else "posting/history.html"
    return render(request, template, context)


@require_POST
@curator_required
def history_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    try:
        services.post_retry(post=post, by=request.user)
        messages.success(request, "Queued again: it goes out with the next posting run.")
    except scheduling.SchedulingError as exc:
        messages.error(request, str(exc))
    if request.htmx:
        return render(request, "posting/history.html#row", {"post": Post.objects.select_related("account").get(pk=pk), "retried": True})
    return redirect("posting:post_history")


# --- Accounts (owners)


@require_http_methods(["GET", "POST"])
@owner_required
def accounts(request: AuthedRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = form.save()
        messages.success(request, f"Account {account.name} created: add its credentials and posting slots.")
        return redirect("posting:account", pk=account.pk)
    return render(request, "posting/accounts.html", {"accounts": selectors.accounts_overview(), "form": form})


def _account_context(account: Account, **extra: Any) -> dict[str, Any]:
    return {
        "account": account,
        "form": extra.pop("form", None) or AccountForm(instance=account),
        "credentials_form": extra.pop("credentials_form", None)
        or CredentialsForm(publisher=account.publisher, server_url=account.server_url),
        "length_rule": length_rule(account),
        "cost_meter": x_cost_meter(account=account) if account.publisher == Account.Publisher.X else None,
        "slot_form": extra.pop("slot_form", None) or SlotForm(),
        "slots": account.slots.order_by("time_of_day"),
        "has_credentials": bool(account.credentials_encrypted),
        "replies_form": extra.pop("replies_form", None) or ReplySettingsForm(instance=account),
        "simulate_form": extra.pop("simulate_form", None)
        or SimulateMentionForm(initial={"text": f"@{account.handle or account.name} what do you make of the news today?"}),
        "mentions": selectors.recent_mentions(account=account),
        **extra,
    }


def _account_part(request: AuthedRequest, account: Account, part: str, **extra: Any) -> HttpResponse:
    account.refresh_from_db()
    template = f"posting/account.html#{part}" if request.htmx else "posting/account.html"
    return render(request, template, _account_context(account, **extra))


@require_http_methods(["GET", "POST"])
@owner_required
def account(request: AuthedRequest, pk: int) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    form = AccountForm(request.POST or None, instance=acct)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            if not request.htmx:
                messages.success(request, "Saved.")
                return redirect("posting:account", pk=pk)
            return _account_part(request, acct, "settings", saved=True)
        acct = get_object_or_404(Account, pk=pk)  # the form changed its instance in place
        return render(
            request, "posting/account.html#settings" if request.htmx else "posting/account.html", _account_context(acct, form=form)
        )
    return render(request, "posting/account.html", _account_context(acct))


@sensitive_post_parameters()  # every field is a secret: error reports (the DEBUG page, mailed 500s) show none of them
@require_POST
@owner_required
def account_credentials(request: AuthedRequest, pk: int) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    form = CredentialsForm(request.POST, publisher=acct.publisher, server_url=acct.server_url)
    if not form.is_valid():
        return _account_part(request, acct, "credentials", credentials_form=form)
    account_services.account_credentials_set(account=acct, values=form.values(), server_url=form.server())
    if not request.htmx:
        messages.success(request, "Credentials saved (encrypted). Use “Check credentials” to try them.")
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "credentials", credentials_saved=True)


@require_POST
@owner_required
def account_check(request: AuthedRequest, pk: int) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    try:
        identity = account_services.account_check(account=acct)
        result, ok = f"The credentials work: posting as @{identity.handle}.", True
    except account_services.CheckFailed as exc:
        result, ok = f"Check failed: {exc}", False
    if not request.htmx:
        (messages.success if ok else messages.error)(request, result)
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "state", check_result=result, check_ok=ok)


@require_POST
@owner_required
def account_pause(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    if action == "pause":
        account_services.account_pause(account=acct, reason=f"Paused by {request.user.get_username()}.")
        notice = "Paused: its posts wait until you resume."
    else:
        moved = account_services.account_resume(account=acct)
        notice = "Resumed." + (f" {moved} overdue post(s) moved to the next free slots." if moved else "")
    if not request.htmx:
        messages.success(request, notice)
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "state", notice=notice)


@require_POST
@owner_required
def slot_add(request: AuthedRequest, pk: int) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    form = SlotForm(request.POST)
    if not form.is_valid():
        return _account_part(request, acct, "slots", slot_form=form)
    account_services.slot_add(account=acct, time_of_day=form.cleaned_data["time_of_day"], weekdays=form.cleaned_data["weekdays"])
    if not request.htmx:
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "slots")


@require_POST
@owner_required
def slot_delete(request: AuthedRequest, pk: int, slot_pk: int) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    account_services.slot_remove(slot=get_object_or_404(Slot, pk=slot_pk, account=acct))
    if not request.htmx:
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "slots")


# --- Replies to mentions (owners)


@require_POST
@owner_required
def account_replies(request: AuthedRequest, pk: int) -> HttpResponse:
    acct = get_object_or_404(Account, pk=pk)
    form = ReplySettingsForm(request.POST, instance=acct)
    if not form.is_valid():
        acct = get_object_or_404(Account, pk=pk)  # the form changed its instance in place
        return _account_part(request, acct, "replies", replies_form=form)
    form.save()
    if not request.htmx:
        messages.success(request, "Reply settings saved.")
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "replies", replies_saved=True)


@require_POST
@owner_required
def mention_simulate(request: AuthedRequest, pk: int) -> HttpResponse:
    """The demo's stand-in for someone mentioning the account: stored and answered like a fetched mention."""
    acct = get_object_or_404(Account, pk=pk)
    form = SimulateMentionForm(request.POST)
    if not form.is_valid():
        return _account_part(request, acct, "replies", simulate_form=form)
    mention = mention_services.mention_simulate(account=acct, text=form.cleaned_data["text"], author=form.cleaned_data["author"])
    if mention.state == mention.State.READY:
        notice = f"Mention from @{mention.author_username} stored: its reply candidates are in the queue."
    elif mention.state == mention.State.GENERATING:
        notice = f"Mention from @{mention.author_username} stored: a gpu worker is writing its reply candidates."
    else:
        notice = f"Mention from @{mention.author_username} stored, not answered: {mention.reason}"
    if not request.htmx:
        messages.success(request, notice)
        return redirect("posting:account", pk=pk)
    return _account_part(request, acct, "replies", notice=notice, simulate_form=SimulateMentionForm(initial=form.cleaned_data))
