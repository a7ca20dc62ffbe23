"""The curation queue: one card at a time, one key per decision, each decision an htmx swap.

Every view works without JavaScript: a plain POST redirects back to the queue with a message,
an htmx POST gets the queue panel (the `panel` partial of curator/queue.html) with the next card.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_POST

from core import tweets
from core.access import curator_required
from core.http import AuthedRequest
from curator import claims, decisions, errors, selectors, undo
from curator.forms import DecisionForm, EditForm, QueueChoiceForm, UndoForm
from curator.models import Candidate
from curator.publishing import publishing


def _about(pk: int, message: str, *, held: list[Candidate]) -> tuple[int | None, str]:
    """A message about candidate #pk names #pk; if the curator no longer holds it, it also quotes its text
    (the card beside the message is another one) and the focus moves on. Returns (focus, message)."""
    if any(c.pk == pk for c in held):
        return pk, f"#{pk}: {message}"
    text = Candidate.objects.filter(pk=pk).values_list("text", flat=True).first()
    quoted = f" \u201c{Truncator(text).chars(60)}\u201d" if text else ""
    return None, f"#{pk}{quoted}: {message} Here is your next card."


def _refused(request: AuthedRequest, *, pk: int, message: str) -> HttpResponse:
    """An action on #pk was refused: say why about #pk, never beside a card that looks like #pk."""
    held = claims.queue_claim_cards(user=request.user)
    focus, text = _about(pk, message, held=held)
    return _after_action(request, focus=focus, feedback=("error", text), held=held)


def _queue_url(focus: int | None) -> str:
    url = reverse("curator:queue")
    return f"{url}?{urlencode({'c': focus})}" if focus else url


def _panel(
    request: AuthedRequest,
    *,
    focus: int | None = None,
    feedback: tuple[str, str] | None = None,
    editing: bool = False,
    edit_text: str | None = None,
    after: int | None = None,
    held: list[Candidate] | None = None,
) -> HttpResponse:
    """Claim (renew and top up) unless done already, then render the panel (htmx) or the whole page.

    `after`: the id just decided, so the card that followed it comes next.
    """
    if held is None:
        held = claims.queue_claim_cards(user=request.user)
    if after is not None and focus is None:
        focus = selectors.next_after([c.pk for c in held], after)
    state = selectors.queue_state(user=request.user, claims=held, current_id=focus)
    current = state.current
    # Only ever the card asked for: a stale tab must not open the editor on the next one.
    editing = editing and state.current is not None and state.current.pk == focus
    text = edit_text if edit_text is not None else (state.current.text if state.current else "")
    context = {
        "state": state,
        # The card's "Schedule to…" menu: every account, the one the candidate is for first.
        "targets": publishing().targets(candidate=current) if current is not None and current.mention_id is None else [],
        "feedback": feedback,
        "editing": editing,
        "edit_text": text,
        # The counter counts what is in the box (a refused text is kept there), not the saved text.
        "length": tweets.weighted_length(decisions.edited_text(text))
        if editing
        else (state.current.weighted_length if state.current else 0),
        "max_length": tweets.MAX_WEIGHTED_LENGTH,
        "preference": claims.preference(request.user),
        "reject_reasons": [(str(i), r) for i, r in enumerate(settings.REJECT_REASONS, start=1)],
        # Each target account's network rule (posting, through the port): what "schedule" would refuse.
        "length_checks": publishing().length_checks(candidate=state.current)
        if state.current is not None and state.current.mention_id is None
        else [],
    }
    template = "curator/queue.html#panel" if request.htmx else "curator/queue.html"
    return render(request, template, context)


def _after_action(
    request: AuthedRequest,
    *,
    focus: int | None = None,
    after: int | None = None,
    feedback: tuple[str, str] | None = None,
    held: list[Candidate] | None = None,
) -> HttpResponse:
    if request.htmx:
        return _panel(request, focus=focus, after=after, feedback=feedback, held=held)
    if feedback:
        level = {"error": messages.ERROR, "warning": messages.WARNING}.get(feedback[0], messages.SUCCESS)
        messages.add_message(request, level, feedback[1])
    if focus is None:
        ids = [c.pk for c in held] if held is not None else claims.queue_claim(user=request.user)
        focus = selectors.next_after(ids, after) if after is not None else (ids[0] if ids else None)
    return HttpResponseRedirect(_queue_url(focus), status=303)


@require_GET
@curator_required
def queue(request: AuthedRequest) -> HttpResponse:
    focus = request.GET.get("c", "")
    # isdigit() alone lets "²" through, which int() refuses.
    pk = int(focus) if focus.isascii() and focus.isdigit() else None
    held = claims.queue_claim_cards(user=request.user)
    if pk is not None and not any(c.pk == pk for c in held) and claims.claim_asked(user=request.user, candidate_id=pk):
        held = claims.queue_claim_cards(user=request.user)  # a free card asked for by its number is now this curator's
    if pk is not None and not any(c.pk == pk for c in held) and Candidate.objects.filter(pk=pk).exists():
        # A stale tab's link to a card it no longer holds: say so, instead of showing another card in its place.
        reason = decisions.sentence(decisions.why_not_yours(candidate_id=pk, by=request.user, now=timezone.now()))
        _focus, text = _about(pk, f"{reason}; it is no longer yours to review.", held=held)
        return _panel(request, feedback=("warning", text), held=held)
    return _panel(request, focus=pk, held=held)


@require_POST
@curator_required
def queue_renew(request: AuthedRequest) -> HttpResponse:
    """Pinged by queue.js while the curator is active, so the leases do not run out under them."""
    claims.claims_renew(user=request.user)
    return HttpResponse(status=204)


def _decided(request: AuthedRequest, pk: int, decide: Callable[[dict[str, Any]], tuple[list[Candidate], str]]) -> HttpResponse:
    """A decision posted from a card: `decide` takes the form's data and returns the claims after it and the message."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk=pk, message="This decision did not say which version you saw: reload the page.")
    try:
        held, message = decide(form.cleaned_data)
    except errors.DecisionError as exc:
        return _refused(request, pk=pk, message=str(exc))
    return _after_action(request, after=pk, feedback=("success", message), held=held)


def _decision_view(action: str, done: str) -> Callable[[AuthedRequest, int], HttpResponse]:
    @require_POST
    @curator_required
    def view(request: AuthedRequest, pk: int) -> HttpResponse:
        def decide(data: dict[str, Any]) -> tuple[list[Candidate], str]:
            held = decisions.queue_decide(
                action=action,
                candidate_id=pk,
                version=data["version"],
                by=request.user,
                override=data["override"],
                account_id=data["account"] if action == "schedule" else None,
                reason=data["reason"] if action == "reject" else "",
            )
            made = selectors.scheduled_by(candidate_id=pk, user=request.user) if action == "schedule" else {}
            if made:
                return (
                    held,
                    f"Approved #{pk} and scheduled it on {made.get('account')} for {made.get('scheduled_local') or made.get('scheduled_at')}.",
                )
            return held, done.format(pk=pk)

        return _decided(request, pk, decide)

    return view


queue_approve = _decision_view("approve", "Approved #{pk}.")
queue_reject = _decision_view("reject", "Rejected #{pk}.")
queue_schedule = _decision_view("schedule", "Approved and scheduled #{pk}.")


@require_POST
@curator_required
def queue_reject_similar(request: AuthedRequest, pk: int) -> HttpResponse:
    """Shift+R: reject the card with its near-duplicate siblings still pending (those another curator holds are left)."""

    def decide(data: dict[str, Any]) -> tuple[list[Candidate], str]:
        done = decisions.queue_reject_siblings(candidate_id=pk, version=data["version"], by=request.user, reason=data["reason"])
        message = f"Rejected #{pk} and {done.rejected} similar." if done.rejected else f"Rejected #{pk}; no similar candidate was pending."
        if done.left:
            message += f" {_similar(done.left)} held by another curator {'was' if done.left == 1 else 'were'} left for them."
        return done.claims, message

    return _decided(request, pk, decide)


def _similar(n: int) -> str:
    return f"{n} similar candidate" if n == 1 else f"{n} similar candidates"


@require_POST
@curator_required
def queue_skip(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        decisions.candidate_skip(candidate_id=pk, by=request.user)
    except errors.DecisionError as exc:
        return _refused(request, pk=pk, message=str(exc))
    return _after_action(request, after=pk, feedback=("success", f"Skipped #{pk}: it is back in the pool for another curator."))


@curator_required
def queue_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET opens the inline editor on the card; POST saves (re-running the length and near-copy checks)."""
    if request.method == "GET":
        held = claims.queue_claim_cards(user=request.user)
        if not any(c.pk == pk for c in held):
            # A stale tab asked for a card it no longer holds: never open the editor on another one.
            reason = decisions.sentence(decisions.why_not_yours(candidate_id=pk, by=request.user, now=timezone.now()))
            _focus, text = _about(pk, f"{reason}; not opened for editing.", held=held)
            return _panel(request, feedback=("error", text), held=held)
        return _panel(request, focus=pk, editing=True, held=held)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    form = EditForm(request.POST)
    text = request.POST.get("text", "")
    if not form.is_valid():
        # Django's field refuses a NUL itself (its words say nothing about the tweet); name it as the service does.
        reason = decisions.NUL_IN_TEXT if "\x00" in text else "The text is empty: write the tweet, or press Esc."
        return _panel(request, focus=pk, editing=True, edit_text=text.replace("\x00", ""), feedback=("error", reason))
    try:
        candidate = decisions.candidate_edit(candidate_id=pk, version=form.cleaned_data["version"], by=request.user, text=text)
    except errors.StaleCandidate as exc:
        held = claims.queue_claim_cards(user=request.user)
        focus, message = _about(pk, str(exc), held=held)
        return _panel(request, focus=focus, feedback=("error", message), held=held)
    except errors.DecisionError as exc:
        # Keep what the curator typed: bad input loses nothing.
        return _panel(request, focus=pk, editing=True, edit_text=text, feedback=("error", str(exc)))
    length = f"{candidate.weighted_length}/{tweets.MAX_WEIGHTED_LENGTH}"
    if candidate.is_near_copy:
        verdict = candidate.get_nearcopy_verdict_display().lower()
        reason = f" ({candidate.nearcopy_reason})" if candidate.nearcopy_reason else ""
        message = (
            f"Saved #{pk} ({length}), but it is still a {verdict}{reason} of a training tweet: approving it needs Shift+A, which is logged."
        )
        return _after_action(request, focus=pk, feedback=("warning", message))
    checked = (
        "not checked for near copies (its corpus has no index)"
        if candidate.nearcopy_verdict == Candidate.Verdict.UNCHECKED
        else "the near-copy check finds it original"
    )
    return _after_action(request, focus=pk, feedback=("success", f"Saved #{pk} ({length}): {checked}. Press a to approve."))


@require_POST
@curator_required
def queue_length(request: AuthedRequest) -> JsonResponse:
    """The weighted length of the text being edited, by exactly the rules the save applies (queue.js asks
    as the curator types, so the counter never disagrees with the server)."""
    text = decisions.edited_text(request.POST.get("text", "")[:10_000])
    length = tweets.weighted_length(text)
    return JsonResponse({"length": length, "max": tweets.MAX_WEIGHTED_LENGTH, "over": length > tweets.MAX_WEIGHTED_LENGTH})


@require_POST
@curator_required
def queue_undo(request: AuthedRequest) -> HttpResponse:
    form = UndoForm(request.POST)
    decision_id = form.cleaned_data.get("decision") if form.is_valid() else None
    try:
        taken_back = undo.decision_undo(by=request.user, decision_id=decision_id)
    except errors.DecisionError as exc:
        return _after_action(request, feedback=("error", str(exc)))
    message = f"Undid {taken_back.data['undid_action']} of #{taken_back.candidate_id}"
    if taken_back.data.get("siblings"):
        message += f" and of the {_similar(taken_back.data['siblings'])} rejected with it (pending again)"
    return _after_action(request, focus=taken_back.candidate_id, feedback=("success", message + "."))


@curator_required
def queue_choice(request: AuthedRequest) -> HttpResponse:
    """What the curator reviews and in which order: best first (the default) or oldest first, narrowed to a bot,
    a batch or a checkpoint. Saving gives back the cards held under the old choice."""
    pref = claims.preference(request.user)
    if request.method == "POST":
        form = QueueChoiceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            claims.preference_set(
                user=request.user,
                order=data["order"],
                corpus_id=data["corpus"].pk if data["corpus"] else None,
                batch_id=data["batch"],
                checkpoint_id=data["checkpoint"].pk if data["checkpoint"] else None,
            )
            messages.success(request, "Queue choice saved: the next cards follow it.")
            return HttpResponseRedirect(reverse("curator:queue"), status=303)
        return render(request, "curator/queue_choice.html", {"form": form}, status=400)
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    initial = {"order": pref.order, "corpus": pref.corpus_id, "checkpoint": pref.checkpoint_id, "batch": pref.batch_id}
    return render(request, "curator/queue_choice.html", {"form": QueueChoiceForm(initial=initial)})
