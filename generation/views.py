"""The Generation page: start finetunes and batches, watch their progress."""

import logging
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import owner_required
from core.http import AuthedRequest
from corpora.models import Corpus
from generation import checkpoints, jobs, selectors, services
from generation.forms import BatchForm, FinetuneForm, MarkovForm, run_name_suggest
from generation.gpt2 import files
from generation.models import FinetuneRun, GenerationBatch, Status

log = logging.getLogger(__name__)

TEMPLATE = "generation/generation.html"


def _finetune_form() -> FinetuneForm:
    # The run name starts as the first corpus' suggestion; generation.js swaps in the suggestion of whichever
    # corpus is picked (each option carries it), and an empty name is named after the chosen corpus anyway.
    corpus = Corpus.objects.first()
    return FinetuneForm(initial={"corpus": corpus, "run_name": run_name_suggest(corpus)} if corpus else {})


def _markov_form() -> MarkovForm:
    corpus = Corpus.objects.first()
    return MarkovForm(initial={"corpus": corpus, "name": run_name_suggest(corpus, prefix="markov-")} if corpus else {})


def _batch_form() -> BatchForm:
    # A model that learned the corpus first: an untrained base model is the last choice, never the default.
    usable = selectors.checkpoints_usable()
    checkpoint = usable.filter(kind="finetuned").first() or usable.filter(kind="markov").first() or usable.first()
    return BatchForm(initial={"checkpoint": checkpoint} if checkpoint else {})


def _context(
    *, finetune_form: FinetuneForm | None = None, batch_form: BatchForm | None = None, markov_form: MarkovForm | None = None
) -> dict[str, Any]:
    # The page is also the watchdog of last resort: a batch whose worker died is shown failed.
    jobs.batches_reap_stale()
    jobs.runs_reap_stale()
    form = batch_form or _batch_form()
    picked = form["checkpoint"].value()
    return {
        "base_selected": selectors.checkpoints_usable().filter(pk=getattr(picked, "pk", picked) or 0, kind="base").exists(),
        "runs": selectors.runs_recent(),
        "batches": selectors.batches_recent(),
        "active": selectors.anything_active(),
        "finetune_form": finetune_form or _finetune_form(),
        "batch_form": form,
        "markov_form": markov_form or _markov_form(),
        "has_corpus": Corpus.objects.exists(),
    }


def _activity(request: AuthedRequest) -> HttpResponse:
    if request.htmx:
        return render(request, f"{TEMPLATE}#activity", _context())
    return redirect("generation:generation")


@require_GET
@owner_required
def generation(request: AuthedRequest) -> HttpResponse:
    template = f"{TEMPLATE}#activity" if request.htmx else TEMPLATE
    return render(request, template, _context())


@require_POST
@owner_required
def finetune_start(request: AuthedRequest) -> HttpResponse:
    form = FinetuneForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(finetune_form=form), status=400)
    run = services.finetune_start(**form.cleaned_data, by=request.user)
    if run.status == Status.FAILED:
        messages.error(request, f"Finetune {run.run_name}: {run.error}")
    else:
        messages.success(request, f"Finetune {run.run_name} queued on the gpu queue.")
    return redirect("generation:generation")


@require_POST
@owner_required
def markov_create(request: AuthedRequest) -> HttpResponse:
    form = MarkovForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(markov_form=form), status=400)
    corpus, name = form.cleaned_data["corpus"], form.cleaned_data["name"]
    try:
        checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus, name=name)
    except (ValueError, files.ModelMissing):
        log.exception("building the Markov chain %s failed", name)
        form.add_error(None, f"The Markov chain of {corpus.name} could not be built; the details are in the web server's log.")
        return render(request, TEMPLATE, _context(markov_form=form), status=400)
    messages.success(
        request,
        f"Markov chain {checkpoint.name} built from {checkpoint.hparams.get('texts', 0)} texts of {corpus.name}: pick it under Generate candidates.",
    )
    return redirect("generation:generation")


@require_POST
@owner_required
def batch_start(request: AuthedRequest) -> HttpResponse:
    form = BatchForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(batch_form=form), status=400)
    batch = services.batch_start(**form.batch_fields(), by=request.user)
    checkpoint = form.cleaned_data["checkpoint"]
    if batch.status == Status.FAILED:
        messages.error(request, f"Batch {batch.pk}: {batch.error}")
    elif checkpoint.kind == checkpoint.Kind.BASE:
        messages.warning(
            request,
            f"Batch {batch.pk} of {batch.n_candidates} candidates queued from {checkpoint.name}, an untrained base model: "
            "expect noise in the queue. Finetune it on your corpus for texts in its voice.",
        )
    else:
        messages.success(request, f"Batch {batch.pk} of {batch.n_candidates} candidates queued.")
    return redirect("generation:generation")


@require_POST
@owner_required
def finetune_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(FinetuneRun, pk=pk)
    if not services.finetune_cancel(run=run):
        messages.warning(request, f"{run.run_name} is not running any more.")
    return _activity(request)


@require_POST
@owner_required
def finetune_resume(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(FinetuneRun, pk=pk)
    if not services.finetune_resume(run=run):
        messages.warning(request, f"Only a cancelled or failed run can be resumed; {run.run_name} is {run.get_status_display().lower()}.")
    else:
        run.refresh_from_db()
        if run.status == Status.FAILED:
            messages.error(request, f"{run.run_name} (resume): {run.error}")
    return _activity(request)


@require_POST
@owner_required
def batch_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(GenerationBatch, pk=pk)
    if not services.batch_cancel(batch=batch):
        messages.warning(request, f"Batch {batch.pk} is not running any more.")
    return _activity(request)
