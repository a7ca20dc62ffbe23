"""Reads for the corpora pages."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.functions import Length, Substr
from django.http import Http404

from corpora.cleaning import RULES
from corpora.models import Corpus, TrainingText

TEXTS_PER_PAGE = 50


def corpus_list() -> QuerySet[Corpus]:
    return Corpus.objects.select_related("created_by").order_by("-created_at", "-id")


def corpus_get(*, pk: int) -> Corpus:
    try:
        return Corpus.objects.select_related("created_by").get(pk=pk)
    except Corpus.DoesNotExist:
        raise Http404("No such corpus.") from None


def corpus_texts_page(*, corpus: Corpus, page: str | int | None) -> Page[Any]:  # TrainingText with shown, chars
    """A page of texts, each cut to CORPUS_MAX_TEXT_CHARS in the database (`shown`, with its length `chars`).

    A text is longer only when the too_long rule was switched off (or the corpus predates it); cut here, one
    such text cannot make the page megabytes long. The downloads hold it whole.
    """
    texts = (
        TrainingText.objects.filter(corpus=corpus)
        .order_by("position")
        .only("position", "external_id", "posted_at")
        .annotate(shown=Substr("text", 1, settings.CORPUS_MAX_TEXT_CHARS), chars=Length("text"))
    )
    return Paginator(texts, TEXTS_PER_PAGE).get_page(page)


@dataclass(frozen=True)
class RuleReport:
    key: str
    label: str
    kind: str
    help: str
    on: bool
    count: int
    examples: list[dict[str, str]]


def corpus_report(*, corpus: Corpus) -> list[RuleReport]:
    """Per rule, in the order they run: on or off, how many texts it removed or changed, and the first examples."""
    examples: dict[str, Any] = (corpus.preview or {}).get("rules", {})
    return [
        RuleReport(
            key=rule.key,
            label=rule.label,
            kind=rule.kind,
            help=rule.help,
            on=bool(corpus.options.get(rule.option, rule.default)),
            count=int(corpus.counts.get(rule.key, 0)),
            examples=list(examples.get(rule.key, [])),
        )
        for rule in RULES
    ]


@dataclass(frozen=True)
class Dependents:
    """What uses a corpus, read through the reverse relations the higher apps attach (no import of them)."""

    texts: int
    checkpoints: list[str]
    finetune_runs: list[str]
    batches: int
    candidates: int

    @property
    def blocks_delete(self) -> bool:
        # A finetune run keeps its corpus (PROTECT): it is how a checkpoint says what it learned.
        return bool(self.finetune_runs)


def corpus_dependents(*, corpus: Corpus) -> Dependents:
    return Dependents(
        texts=corpus.texts.count(),
        checkpoints=list(corpus.checkpoints.order_by("name").values_list("name", flat=True)),
        finetune_runs=list(corpus.finetune_runs.order_by("run_name").values_list("run_name", flat=True)),
        batches=corpus.batches.count(),
        candidates=corpus.candidates.count(),
    )
