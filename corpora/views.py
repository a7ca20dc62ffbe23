"""Corpus pages: list, upload (with its report), detail (report, texts, export links), export downloads. Owners only."""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.access import owner_required
from core.http import AuthedRequest
from corpora import selectors, services
from corpora.formats import FORMATS
from corpora.forms import CorpusUploadForm


@owner_required
@require_GET
def corpora(request: AuthedRequest) -> HttpResponse:
    return render(request, "corpora/corpora.html", {"corpora": selectors.corpus_list(), "formats": FORMATS})


@owner_required
@require_http_methods(["GET", "POST"])
def corpus_upload(request: AuthedRequest) -> HttpResponse:
    """The form; on a good import, go to the corpus page (its report); on bad input, the form again with one message."""
    form = CorpusUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.corpus_import(
                name=form.cleaned_data["name"],
                path_or_file=form.cleaned_data["file"],
                format=form.cleaned_data["format"] or None,
                options=form.import_options(),
                by=request.user,
            )
        except services.CorpusImportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f'Imported "{summary.corpus.name}": kept {summary.kept} of {summary.read} texts.')
            url = reverse("corpora:detail", args=[summary.corpus.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "corpora/corpora_upload.html#form" if request.htmx else "corpora/corpora_upload.html"
    return render(request, template, {"form": form})


@owner_required
@require_GET
def corpus_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    corpus = selectors.corpus_get(pk=pk)
    context = {
        "corpus": corpus,
        "dependents": selectors.corpus_dependents(corpus=corpus),
        "format_label": FORMATS.get(corpus.format, corpus.format),
        "report": selectors.corpus_report(corpus=corpus),
        "texts": selectors.corpus_texts_page(corpus=corpus, page=request.GET.get("page")),
    }
    template = "corpora/corpora_detail.html#texts" if request.htmx else "corpora/corpora_detail.html"
    return render(request, template, context)


@owner_required
@require_POST
def corpus_rename(request: AuthedRequest, pk: int) -> HttpResponse:
    corpus = selectors.corpus_get(pk=pk)
    old = corpus.name
    try:
        services.corpus_rename(corpus=corpus, name=request.POST.get("name", ""))
    except services.CorpusImportError as exc:
        messages.error(request, f"Not renamed: {exc}")
    else:
        messages.success(request, f"Renamed {old!r} to {corpus.name!r}; its checkpoints, batches and candidates follow it.")
    return redirect("corpora:detail", pk=pk)


@owner_required
@require_POST
def corpus_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    corpus = selectors.corpus_get(pk=pk)
    try:
        texts = services.corpus_delete(corpus=corpus)
    except services.CorpusImportError as exc:
        messages.error(request, str(exc))
        return redirect("corpora:detail", pk=pk)
    messages.success(request, f"Deleted {corpus.name!r} and its {texts} texts.")
    return redirect("corpora:list")


class _Echo:
    def write(self, value: str) -> str:
        return value


@owner_required
@require_GET
def corpus_export(request: AuthedRequest, pk: int, as_: str) -> StreamingHttpResponse:
    """A download, streamed row by row: gpt-2-simple's training CSV or delimited plain text."""
    corpus = selectors.corpus_get(pk=pk)
    chunks: Iterator[str]
    if as_ == "csv":
        writer = csv.writer(_Echo(), lineterminator="\n")
        chunks = (writer.writerow(row) for row in services.corpus_csv_rows(corpus=corpus))
        content_type = "text/csv; charset=utf-8"
    else:
        chunks = services.corpus_txt_chunks(corpus=corpus)
        content_type = "text/plain; charset=utf-8"
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(corpus.name) or "corpus"}.{as_}"'
    return response
