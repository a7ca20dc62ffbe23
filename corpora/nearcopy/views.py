"""The corpus page's near-copy panel: thresholds, index state, and a text to try (owners only)."""

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from core.access import owner_required
from core.http import AuthedRequest
from corpora.models import Corpus
from corpora.nearcopy.highlight import candidate_segments, training_segments
from corpora.nearcopy.services import index_state, nearcopy_check

MAX_TRY_CHARS = 2000


class TryForm(forms.Form):
    text = forms.CharField(
        max_length=MAX_TRY_CHARS,
        strip=True,
        error_messages={"required": "Enter a text to check.", "max_length": f"Keep the text under {MAX_TRY_CHARS} characters."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _context(corpus: Corpus, form: TryForm, result: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "corpus": corpus,
        "form": form,
        "result": result,
        "nearcopy": {
            "edit_ratio": settings.NEARCOPY_EDIT_RATIO,
            "span_words": settings.NEARCOPY_SPAN_WORDS,
            "min_words": settings.NEARCOPY_MIN_WORDS,
            "span_share": round(settings.NEARCOPY_SPAN_SHARE * 100),
            "stitch_share": round(settings.NEARCOPY_STITCH_SHARE * 100),
            "index": index_state(corpus=corpus),
        },
    }


@require_GET
@owner_required
def nearcopy_panel(request: AuthedRequest, corpus_id: int) -> HttpResponse:
    corpus = get_object_or_404(Corpus, pk=corpus_id)
    template = "corpora/nearcopy_panel.html#panel" if request.htmx else "corpora/nearcopy_page.html"
    return render(request, template, _context(corpus, TryForm(), None))


@require_POST
@owner_required
def nearcopy_try(request: AuthedRequest, corpus_id: int) -> HttpResponse:
    corpus = get_object_or_404(Corpus, pk=corpus_id)
    form = TryForm(request.POST)
    result = None
    if form.is_valid():
        text = form.cleaned_data["text"]
        verdict = nearcopy_check(corpus=corpus, texts=[text])[0]
        result = {
            "verdict": verdict,
            "candidate": candidate_segments(text, verdict.spans),
            "closest": training_segments(verdict.closest, verdict.spans, verdict.closest_id),
        }
    template = "corpora/nearcopy_panel.html#result" if request.htmx else "corpora/nearcopy_page.html"
    # Invalid input re-renders with its message and the text kept (200, so htmx swaps it in).
    return render(request, template, _context(corpus, form, result))
