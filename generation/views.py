"""The Generation page: start finetunes and batches, watch their progress."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from core.access import owner_required
from core.http import AuthedRequest
from corpora.models import Corpus
from generation import jobs, selectors, services
from generation.forms import BatchForm, FinetuneForm
from generation.models import FinetuneRun, GenerationBatch, Status

TEMPLATE = "generation/generation.html"


def _finetune_form() -> FinetuneForm:
    corpus = Corpus.objects.first()
    initial: dict[str, Any] = {}
    if corpus is not None:
        base = slugify(corpus.name) or "run"
        n = FinetuneRun.objects.filter(run_name__startswith=base).count() + 1
        initial = {"corpus": corpus, "run_name": f"{base}-{n}"}
    return FinetuneForm(initial=initial)


def _batch_form() -> BatchForm:
    checkpoint = selectors.checkpoints_usable().filter(kind="finetuned").first() or selectors.checkpoints_usable().first()
    return BatchForm(initial={"checkpoint": checkpoint} if checkpoint else {})


def _context(*, finetune_form: FinetuneForm | None = None, batch_form: BatchForm | None = None) -> dict[str, Any]:
    # The page is also the watchdog of last resort: a batch whose worker died is shown failed.
    jobs.batches_reap_stale()
    jobs.runs_reap_stale()
    return {
        "runs": selectors.runs_recent(),
        "batches": selectors.batches_recent(),
        "active": selectors.anything_active(),
        "finetune_form": finetune_form or _finetune_form(),
        "batch_form": batch_form or _batch_form(),
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
def batch_start(request: AuthedRequest) -> HttpResponse:
    form = BatchForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(batch_form=form), status=400)
    batch = services.batch_start(**form.batch_fields(), by=request.user)
    if batch.status == Status.FAILED:
        messages.error(request, f"Batch {batch.pk}: {batch.error}")
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
