"""A bot's ranker in the database: training on its curators' decisions, scoring its pending candidates.

A bot, until bots exist, is the corpus its checkpoints were finetuned on (`Candidate.corpus`). A ranker only
ever learns from and scores the candidates of its own bot.
"""

import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from curator.models import Candidate, Decision, RankerVersion
from curator.ranking.features import Item
from curator.ranking.model import Ranker, ranker_train

log = logging.getLogger(__name__)

# What teaches: approve and schedule (kept) versus reject. Skips, edits alone, set-asides and undone decisions teach nothing.
KEEP = (Decision.Action.APPROVE, Decision.Action.SCHEDULE)
TEACHING = (*KEEP, Decision.Action.REJECT)
NUMBER_FIELDS = ("logprob", "repetition", "distinct_1", "distinct_2", "nearcopy_score", "weighted_length")
PARAMS = ("temperature", "top_p", "top_k")
SCORE_CHUNK = 5000


def numbers(row: dict[str, Any], *, edited: bool = False) -> dict[str, float | None]:
    """The numbers of a candidate row (`values()` with NUMBER_FIELDS and the batch's parameters)."""
    out: dict[str, float | None] = {key: row.get(f"batch__{key}") for key in PARAMS}
    if not edited:
        # An edited text is not what the model wrote: its signals are recomputed from the text.
        out.update({key: row.get(key) for key in NUMBER_FIELDS})
    return out


def examples(*, corpus_id: int) -> tuple[list[Item], list[bool]]:
    """The bot's teaching decisions in time order: the text as decided (an edit then approve teaches the edit)."""
    rows = (
        Decision.objects.filter(action__in=TEACHING, undone=False, candidate__corpus_id=corpus_id)
        .order_by("created_at", "id")
        .values(
            "action",
            "after_text",
            "candidate__generated_text",
            *(f"candidate__{f}" for f in NUMBER_FIELDS),
            *(f"candidate__batch__{k}" for k in PARAMS),
        )
    )
    items, labels = [], []
    for row in rows.iterator(chunk_size=2000):
        plain = {key.removeprefix("candidate__"): value for key, value in row.items()}
        edited = row["after_text"] != row["candidate__generated_text"]
        items.append(Item(text=row["after_text"], numbers=numbers(plain, edited=edited)))
        labels.append(row["action"] in KEEP)
    return items, labels


_CACHE: dict[int, Ranker] = {}


def latest(*, corpus_id: int) -> tuple[RankerVersion, Ranker] | None:
    """The bot's newest ranker (kept in memory per process, by version id)."""
    version = RankerVersion.objects.filter(corpus_id=corpus_id).defer("model").order_by("-version").first()
    if version is None:
        return None
    if version.pk not in _CACHE:
        blob = RankerVersion.objects.filter(pk=version.pk).values_list("model", flat=True).get()
        _CACHE.clear()  # one bot's model at a time is plenty for a worker
        _CACHE[version.pk] = Ranker.loads(bytes(blob))
    return version, _CACHE[version.pk]


def ranker_train_bot(*, corpus_id: int) -> RankerVersion | None:
    """Train the bot's ranker on all its decisions and score its pending candidates.

    1. Read the teaching decisions; fewer than RANKING_MIN_DECISIONS, or one kind only: no ranker yet.
    2. Train (AUC on the newest 20% held out, then refit on all) and store the version with its evaluation.
    3. Score every pending candidate of this bot, and no other bot's.
    """
    items, labels = examples(corpus_id=corpus_id)
    if len(items) < settings.RANKING_MIN_DECISIONS or all(labels) or not any(labels):
        return None
    started = time.perf_counter()
    trained = ranker_train(items=items, labels=labels)
    train_s = time.perf_counter() - started
    with transaction.atomic():
        number = (RankerVersion.objects.filter(corpus_id=corpus_id).aggregate(n=Max("version"))["n"] or 0) + 1
        version = RankerVersion.objects.create(
            corpus_id=corpus_id,
            version=number,
            decisions=len(items),
            approved=sum(labels),
            auc=trained.auc,
            held_out=trained.held_out,
            train_seconds=round(train_s, 3),
            model=trained.ranker.dumps(),
        )
    _CACHE.clear()
    _CACHE[version.pk] = trained.ranker
    started = time.perf_counter()
    version.scored = pending_score(version=version, ranker=trained.ranker)
    version.score_seconds = round(time.perf_counter() - started, 3)
    version.save(update_fields=["scored", "score_seconds"])
    log.info("ranker %s v%s: %s decisions, AUC %s, %s pending scored", corpus_id, number, len(items), trained.auc, version.scored)
    return version


def pending_score(*, version: RankerVersion, ranker: Ranker) -> int:
    """Write the keep probability of every pending candidate of the version's bot, in chunks."""
    pending = Candidate.objects.filter(status=Candidate.Status.PENDING, corpus_id=version.corpus_id)
    last, count = 0, 0
    while True:
        fields = ("pk", "text", "generated_text", *NUMBER_FIELDS, *(f"batch__{k}" for k in PARAMS))
        rows = list(pending.filter(pk__gt=last).order_by("pk").values(*fields)[:SCORE_CHUNK])
        if not rows:
            return count
        items = [Item(text=r["text"], numbers=numbers(r, edited=r["text"] != r["generated_text"])) for r in rows]
        probabilities = ranker.predict(items)
        _write(version.pk, [r["pk"] for r in rows], [float(p) for p in probabilities])
        count += len(rows)
        last = rows[-1]["pk"]


def _write(version_id: int, ids: list[int], probabilities: list[float]) -> None:
    """One statement per chunk on PostgreSQL (bulk_update's CASE over 5,000 ids took ~12 s a chunk); a prepared
    statement per row elsewhere (SQLite runs those in microseconds)."""
    table = Candidate._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS c SET keep_probability = v.p, ranked_by_id = %s "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::float8[]) AS p) AS v WHERE c.id = v.id",
                [version_id, ids, probabilities],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET keep_probability = %s, ranked_by_id = %s WHERE id = %s",
                [(p, version_id, pk) for pk, p in zip(ids, probabilities, strict=True)],
            )


def items_score(*, corpus_id: int, items: list[Item]) -> tuple[int, list[float]] | None:
    """New candidates' probabilities from their bot's newest ranker (generation calls this before inserting them)."""
    found = latest(corpus_id=corpus_id)
    if found is None:
        return None
    version, ranker = found
    return version.pk, [float(p) for p in ranker.predict(items)]


def bots_due() -> list[int]:
    """Bots with teaching decisions newer than their newest ranker (beat retrains these)."""
    due = []
    newest = Decision.objects.filter(action__in=TEACHING, undone=False, candidate__corpus__isnull=False)
    for row in newest.values("candidate__corpus_id").annotate(last=Max("created_at")):
        corpus_id = row["candidate__corpus_id"]
        trained = RankerVersion.objects.filter(corpus_id=corpus_id).aggregate(at=Max("created_at"))["at"]
        if trained is None or row["last"] > trained:
            due.append(corpus_id)
    return due
