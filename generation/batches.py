"""The generation job (the gpu task's body): sample texts, clean and check them, store the candidates.

TensorFlow is imported only inside the sampling step, never at module level, so the web process stays light.
"""

import logging
import re
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.tweets import MAX_WEIGHTED_LENGTH, normalise, text_hash, weighted_length
from corpora import nearcopy
from curator import siblings
from curator.models import Candidate
from curator.nearcopy import verdict_fields
from curator.ranking import services as ranking
from curator.ranking.features import Item
from curator.ranking.signals import text_signals
from generation.gpt2 import files
from generation.jobs import Stop, batches_reap_stale, heartbeat, job_claim, job_error
from generation.models import WORKING, GenerationBatch, Status
from generation.signals import batch_finished

log = logging.getLogger(__name__)


_BLANK_LINES = re.compile(r"\n{3,}")
# Control characters a byte-level model can emit (NUL cannot even be stored by PostgreSQL); tabs become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")


def text_clean(text: str) -> str:
    """What the model wrote, minus leftover markers, undecodable bytes, control characters and stray whitespace."""
    for marker in (files.START_TOKEN, files.END_TOKEN):
        text = text.replace(marker, " ")
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip()


def _generate_texts(batch: GenerationBatch, on_chunk: Any, logprobs: list[float]) -> tuple[list[str], dict[str, Any]]:
    """The texts and timings; `logprobs` receives each GPT-2 text's mean log-probability per token (none for Markov)."""
    prefix_in_text = not batch.prompt_only
    path = files.resolve(batch.checkpoint.path)
    if batch.backend == GenerationBatch.Backend.MARKOV:
        from generation import markov

        return markov.markov_generate(
            path=path,
            nsamples=batch.n_candidates,
            batch_size=batch.batch_size,
            seed=batch.seed,
            on_chunk=on_chunk,
            prompt="" if prefix_in_text else batch.prefix,
        )
    files.model_check(path)  # a plain message before TensorFlow is even imported
    from generation.gpt2 import sampler

    texts, timings = sampler.generate(
        path=path,
        nsamples=batch.n_candidates,
        batch_size=batch.batch_size,
        length=batch.length,
        temperature=batch.temperature,
        top_k=batch.top_k,
        top_p=batch.top_p,
        # gpt-2-simple's recipe for short texts; the owner's own words follow the start marker.
        prefix=files.START_TOKEN + batch.prefix,
        truncate=files.END_TOKEN,
        include_prefix=False,
        seed=batch.seed,
        on_chunk=on_chunk,
        logprobs=logprobs,
    )
    # A sample that never wrote the end marker comes back whole, its context included (gpt-2-simple's
    # truncation only matches up to the marker): cut the context, so the prefix is neither doubled nor kept.
    context = files.START_TOKEN + batch.prefix
    texts = [t[len(context) :] if t.startswith(context) else t for t in texts]
    # A prompt (a mention being answered) conditions the model but is not part of the candidate.
    return [batch.prefix + t if prefix_in_text else t for t in texts], timings


def _existing_hashes(hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(hashes), 500):  # SQLite limits the parameters of one query
        found.update(Candidate.objects.filter(text_hash__in=hashes[i : i + 500]).values_list("text_hash", flat=True))
    return found


def _rank(batch: GenerationBatch, rows: list[Candidate]) -> None:
    """New candidates get their bot's keep probability at once (none while the bot has no ranker)."""
    if not batch.corpus_id or not rows:
        return
    # The same numbers as curator.ranking.services.numbers reads back from the rows (the batch's stored settings).
    params = {"temperature": batch.temperature, "top_p": batch.top_p, "top_k": batch.top_k}
    numbers = [
        {**params, "weighted_length": r.weighted_length, "nearcopy_score": r.nearcopy_score, "logprob": r.logprob, **r.signals()}
        for r in rows
    ]
    scored = ranking.items_score(
        corpus_id=batch.corpus_id, items=[Item(text=r.text, numbers=n) for r, n in zip(rows, numbers, strict=True)]
    )
    if scored is not None:
        version_id, probabilities = scored
        for row, p in zip(rows, probabilities, strict=True):
            row.keep_probability, row.ranked_by_id = p, version_id


def candidates_store(*, batch_id: int, texts: list[str], timings: dict[str, Any], logprobs: list[float] | None = None) -> GenerationBatch:
    """Clean, measure, de-duplicate, near-copy check, find near-duplicate siblings among the bot's pending candidates,
    then insert the rows (joining their sibling groups) and the counts in one transaction.

    The candidates of a reply batch (one a posting.Mention points at) are linked to that mention.

    Only a batch still running is written: one cancelled or reaped meanwhile gets nothing, so a batch
    is never half-counted.
    """
    started = time.monotonic()
    batch = GenerationBatch.objects.get(pk=batch_id)
    # A reply batch answers one mention (posting.Mention.batch); its candidates show under it in the queue.
    mention_id = batch.mentions.values_list("pk", flat=True).first()
    counts = {"generated": len(texts), "empty": 0, "too_long": 0, "duplicate": 0, "near_copy": 0, "filtered": 0}
    seen: set[str] = set()
    kept: list[tuple[str, str, str, int]] = []
    signals: dict[str, dict[str, float | None]] = {}
    for i, raw in enumerate(texts):
        text = text_clean(raw)
        if not normalise(text):
            counts["empty"] += 1
            continue
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            counts["too_long"] += 1
            continue
        digest = text_hash(text)
        if digest in seen:
            counts["duplicate"] += 1
            continue
        measured = text_signals(text)
        if batch.max_repetition is not None and measured["repetition"] > batch.max_repetition:
            counts["filtered"] += 1  # a loop: the owner's threshold drops it, like an over-long text
            continue
        seen.add(digest)
        signals[digest] = {**measured, "logprob": logprobs[i] if logprobs and i < len(logprobs) else None}
        kept.append((raw, text, digest, length))
    existing = _existing_hashes([k[2] for k in kept])
    counts["duplicate"] += sum(1 for k in kept if k[2] in existing)
    kept = [k for k in kept if k[2] not in existing]
    checked = time.monotonic()
    if batch.corpus_id:
        verdicts = nearcopy.check_texts(corpus_id=batch.corpus_id, texts=[k[1] for k in kept])
    else:
        verdicts = [nearcopy.Verdict(verdict="unchecked") for _ in kept]
    nearcopy_s = time.monotonic() - checked
    rows = [
        Candidate(
            batch_id=batch.pk,
            corpus_id=batch.corpus_id,
            text=text,
            generated_text=raw.replace("\x00", ""),  # PostgreSQL text cannot hold NUL
            text_hash=digest,
            weighted_length=length,
            status=Candidate.Status.PENDING,
            mention_id=mention_id,
            **signals[digest],
            **verdict_fields(v),
        )
        for (raw, text, digest, length), v in zip(kept, verdicts, strict=True)
    ]
    _rank(batch, rows)
    counts["near_copy"] = sum(1 for v in verdicts if v.is_near_copy)
    grouping = time.monotonic()
    # Near-duplicates among the bot's pending candidates, found before the transaction (it reads them all).
    links = siblings.siblings_find(corpus_id=batch.corpus_id, rows=rows, prefix="" if batch.prompt_only else batch.prefix)
    siblings_s = time.monotonic() - grouping
    with transaction.atomic():
        locked = GenerationBatch.objects.select_for_update().get(pk=batch_id)
        if locked.status != Status.RUNNING:
            raise Stop(locked.status)
        # Another batch may have inserted the same text since we looked.
        late = _existing_hashes([r.text_hash for r in rows])
        if late:
            counts["duplicate"] += sum(1 for r in rows if r.text_hash in late)
            counts["near_copy"] -= sum(1 for r in rows if r.text_hash in late and r.is_near_copy)
            rows = [r for r in rows if r.text_hash not in late]
        Candidate.objects.bulk_create(rows, batch_size=500)
        siblings.siblings_join(links=links, rows=rows)
        locked.generated_count = counts["generated"]
        locked.kept_count = len(rows)
        locked.duplicate_count = counts["duplicate"]
        locked.too_long_count = counts["too_long"]
        locked.near_copy_count = counts["near_copy"]
        locked.empty_count = counts["empty"]
        locked.filtered_count = counts["filtered"]
        locked.progress = counts["generated"]
        locked.timings = {
            **timings,
            "nearcopy_s": round(nearcopy_s, 3),
            "siblings_s": round(siblings_s, 3),
            "store_s": round(time.monotonic() - started, 3),
        }
        locked.status = Status.SUCCEEDED
        locked.finished_at = timezone.now()
        locked.save()
    return locked


def batch_run(*, batch_id: int) -> None:
    """1. claim the batch; 2. generate, reporting progress after each chunk; 3. store candidates and counts at once;
    4. tell whoever listens (batch_finished) how it ended.
    """
    batches_reap_stale()  # first: a batch left running by a dead worker is failed, never restarted by its redelivery
    claimed = job_claim(GenerationBatch, batch_id)
    if not claimed:
        log.info("batch %s: not queued (already done, cancelled, or running elsewhere)", batch_id)
        return
    batch = GenerationBatch.objects.select_related("checkpoint").get(pk=batch_id)
    GenerationBatch.objects.filter(pk=batch_id).update(progress=0)
    started = time.monotonic()

    def on_chunk(done: int, steps: int) -> None:
        if not GenerationBatch.objects.filter(pk=batch_id, status=Status.RUNNING).update(progress=done, heartbeat_at=timezone.now()):
            raise Stop("no longer running")

    try:
        logprobs: list[float] = []
        with heartbeat(GenerationBatch, batch_id):
            texts, timings = _generate_texts(batch, on_chunk, logprobs)
        timings["generate_s"] = round(time.monotonic() - started, 3)
        timings["candidates_per_s"] = round(len(texts) / max(timings["generate_s"], 1e-6), 2)
        candidates_store(batch_id=batch_id, texts=texts, timings=timings, logprobs=logprobs or None)
    except Stop:
        GenerationBatch.objects.filter(pk=batch_id, status=Status.CANCELLING).update(status=Status.CANCELLED, finished_at=timezone.now())
    except Exception as exc:
        log.exception("batch %s failed", batch_id)
        GenerationBatch.objects.filter(pk=batch_id, status__in=WORKING).update(
            status=Status.FAILED, error=job_error(exc, what="generation", batch_size=batch.batch_size), finished_at=timezone.now()
        )
    batch_finished.send(sender=GenerationBatch, batch=GenerationBatch.objects.get(pk=batch_id))
