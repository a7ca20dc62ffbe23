"""Writes of the generation area: models, finetune runs and generation batches.

Tasks are thin: they call finetune_run / batch_run here. TensorFlow is imported only inside those
(and the model commands), never at module level, so the web process stays light.
"""

import csv
import importlib
import logging
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.tweets import MAX_WEIGHTED_LENGTH, normalise, text_hash, weighted_length
from corpora import nearcopy
from corpora.models import Corpus, TrainingText
from curator.models import Candidate
from generation.gpt2 import files
from generation.models import Checkpoint, FinetuneRun, GenerationBatch, Status

log = logging.getLogger(__name__)

# While a task runs, a thread beside it stamps heartbeat_at this often (also through slow phases:
# tokenising a big corpus, one chunk of a large model on CPU); a running row not stamped for
# STALE_AFTER belongs to a worker that died.
HEARTBEAT_EVERY = 20.0
STALE_AFTER = timedelta(minutes=2)
LOSS_HISTORY_POINTS = 400
ACTIVE = (Status.QUEUED, Status.RUNNING, Status.CANCELLING)


@contextmanager
def _heartbeat(model: type[FinetuneRun] | type[GenerationBatch], pk: int) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_EVERY):
                model.objects.filter(pk=pk, status__in=[Status.RUNNING, Status.CANCELLING]).update(heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_EVERY + 5)


class Stop(Exception):
    """The row left the running state under us (cancelled, or reaped as stale): stop without writing."""


# --- Models on disk -----------------------------------------------------------------------------


def checkpoint_register(
    *, name: str, kind: str, path: str, base_model: str = "", corpus: Corpus | None = None, hparams: dict[str, Any] | None = None
) -> Checkpoint:
    checkpoint, _ = Checkpoint.objects.update_or_create(
        name=name, defaults={"kind": kind, "path": path, "base_model": base_model, "corpus": corpus, "hparams": hparams or {}}
    )
    return checkpoint


def tiny_model_create(*, name: str, vocab_dir: Path | None = None, hparams: dict[str, int] | None = None) -> Checkpoint:
    path = files.base_path(name)
    hp = files.tiny_model_write(path=path, vocab_dir=vocab_dir, hparams=hparams)
    return checkpoint_register(name=name, kind=Checkpoint.Kind.BASE, path=f"models/{name}", base_model=name, hparams=hp)


class DownloadFailed(Exception):
    pass


# Where gpt_2_simple.download_gpt2 fetches from (hard-coded there); checked first because it has no timeout.
DOWNLOAD_HOST = "https://openaipublic.blob.core.windows.net/gpt-2"


def model_download(*, name: str) -> Checkpoint:
    """gpt_2_simple.download_gpt2 into MODELS_DIR/models/<name>; a failed download leaves nothing behind."""
    import requests

    path = files.base_path(name)
    existed = path.exists()
    try:
        # gpt-2-simple's download has no timeout: find out first, quickly, whether the host answers at all.
        requests.head(f"{DOWNLOAD_HOST}/models/{name}/hparams.json", timeout=15)
        import gpt_2_simple

        gpt_2_simple.download_gpt2(model_dir=str(files.models_dir() / "models"), model_name=name)
        files.model_check(path)
    except requests.RequestException as exc:
        if not existed:
            shutil.rmtree(path, ignore_errors=True)
        raise DownloadFailed(
            f"Could not download GPT-2 {name} from {DOWNLOAD_HOST.split('/')[2]} ({exc.__class__.__name__}). "
            "Is this machine online? Offline, copy a model folder into "
            f"{files.models_dir() / 'models'} or build a random one with `manage.py make_tiny_model`."
        ) from None
    except (KeyError, files.ModelMissing) as exc:
        if not existed:
            shutil.rmtree(path, ignore_errors=True)
        raise DownloadFailed(
            f"GPT-2 {name} could not be downloaded completely ({exc}). Check the model name (124M, 355M, 774M, 1558M)."
        ) from None
    return checkpoint_register(
        name=name, kind=Checkpoint.Kind.BASE, path=f"models/{name}", base_model=name, hparams=files.read_hparams(path)
    )


def markov_checkpoint_create(*, corpus: Corpus, name: str) -> Checkpoint:
    from generation import markov

    texts = list(TrainingText.objects.filter(corpus=corpus).order_by("position").values_list("text", flat=True))
    n = markov.markov_write(texts=texts, path=markov.markov_path(name))
    return checkpoint_register(
        name=name,
        kind=Checkpoint.Kind.MARKOV,
        path=f"markov/{name}.json",
        corpus=corpus,
        hparams={"state_size": markov.STATE_SIZE, "texts": n},
    )


def _corpus_csv_write(*, corpus: Corpus, path: Path) -> None:
    """The single-column CSV gpt-2-simple reads (header row, then one text a row)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        for text in TrainingText.objects.filter(corpus=corpus).order_by("position").values_list("text", flat=True).iterator():
            writer.writerow([text])


def corpus_csv(*, corpus: Corpus, path: Path) -> None:
    """The corpora area's export when it exists, else our own writer of the same file."""
    try:
        export = importlib.import_module("corpora.services").corpus_export_csv
    except (ImportError, AttributeError):
        export = _corpus_csv_write
    export(corpus=corpus, path=path)


# --- Finetune ------------------------------------------------------------------------------------


def finetune_start(
    *,
    corpus: Corpus,
    base_model: str,
    run_name: str,
    steps: int,
    batch_size: int = 1,
    learning_rate: float = 1e-4,
    sample_every: int = 100,
    save_every: int = 500,
    by: User | None = None,
) -> FinetuneRun:
    from generation import tasks

    run = FinetuneRun.objects.create(
        corpus=corpus,
        base_model=base_model,
        run_name=run_name,
        steps=steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        sample_every=sample_every,
        save_every=save_every,
        created_by=by,
    )
    transaction.on_commit(partial(tasks.finetune.delay, run.pk))
    return run


def finetune_cancel(*, run: FinetuneRun) -> bool:
    """A queued run is cancelled at once; a running one stops after its current step (and saves)."""
    if FinetuneRun.objects.filter(pk=run.pk, status=Status.QUEUED).update(status=Status.CANCELLED, finished_at=timezone.now()):
        return True
    return bool(FinetuneRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(status=Status.CANCELLING, cancel_requested=True))


def finetune_resume(*, run: FinetuneRun) -> bool:
    """Queue a cancelled or failed run again; it continues from its last saved step."""
    from generation import tasks

    changed = FinetuneRun.objects.filter(pk=run.pk, status__in=[Status.CANCELLED, Status.FAILED]).update(
        status=Status.QUEUED, cancel_requested=False, error="", finished_at=None
    )
    if changed:
        transaction.on_commit(partial(tasks.finetune.delay, run.pk))
    return bool(changed)


def _claim(model: type[FinetuneRun] | type[GenerationBatch], pk: int) -> bool:
    """Queued, or running for a worker that stopped reporting (a redelivery after a crash): ours now."""
    now = timezone.now()
    stale = Q(status=Status.RUNNING) & (Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True))
    return bool(
        model.objects.filter(Q(pk=pk) & (Q(status=Status.QUEUED) | stale)).update(
            status=Status.RUNNING, started_at=now, heartbeat_at=now, error=""
        )
    )


def _plain_error(exc: BaseException, *, what: str, batch_size: int) -> str:
    name = type(exc).__name__
    if name == "ResourceExhaustedError" or isinstance(exc, MemoryError):
        return (
            f"The worker ran out of memory during the {what}. Lower the batch size (it was {batch_size}) or the length, and start it again."
        )
    if isinstance(exc, files.ModelMissing):
        return f"The checkpoint could not be loaded: {exc}"
    if name == "SoftTimeLimitExceeded":
        return f"The {what} took longer than the worker's time limit (GPU_TASK_SOFT_LIMIT) and was stopped."
    return f"The {what} failed: {name}: {exc}"


def finetune_run(*, run_id: int) -> None:
    """1. claim the run; 2. export the corpus; 3. train, writing progress and checking cancel each step;
    4. register the checkpoint (or record the cancel / the error in plain words)."""
    claimed = _claim(FinetuneRun, run_id)  # before reaping: a redelivered run is taken over (it resumes), not failed
    runs_reap_stale()
    if not claimed:
        log.info("finetune %s: not queued (already done, cancelled, or running elsewhere)", run_id)
        return
    run = FinetuneRun.objects.select_related("corpus").get(pk=run_id)
    run_path = files.run_path(run.run_name)
    run_path.mkdir(parents=True, exist_ok=True)
    dataset = run_path / "dataset.csv"
    elapsed_before = run.elapsed_seconds
    history: list[list[float]] = list(run.loss_history)
    samples: list[dict[str, Any]] = list(run.samples)
    cancelled = False

    def on_step(step: Any) -> bool:
        nonlocal cancelled
        history.append([step.step, round(step.loss, 4)])
        if len(history) > LOSS_HISTORY_POINTS:
            del history[1:-1:2]  # thin out evenly, keeping the first and the latest point
        if step.samples:
            samples.extend({"step": step.step, "text": text} for text in step.samples)
            del samples[:-10]
        FinetuneRun.objects.filter(pk=run_id).update(
            step=step.step,
            loss=step.loss,
            avg_loss=step.avg_loss,
            elapsed_seconds=elapsed_before + step.elapsed,
            loss_history=history,
            samples=samples,
            heartbeat_at=timezone.now(),
        )
        cancelled = FinetuneRun.objects.filter(pk=run_id, cancel_requested=True).exists()
        return not cancelled

    try:
        with _heartbeat(FinetuneRun, run_id):
            from generation.gpt2 import training

            corpus_csv(corpus=run.corpus, path=dataset)
            reached = training.finetune(
                dataset=dataset,
                base_path=files.base_path(run.base_model),
                run_path=run_path,
                steps=run.steps,
                batch_size=run.batch_size,
                learning_rate=run.learning_rate,
                sample_every=run.sample_every,
                save_every=run.save_every,
                on_step=on_step,
            )
    except Exception as exc:
        log.exception("finetune %s failed", run_id)
        message = str(exc) if type(exc).__name__ == "DatasetTooSmall" else _plain_error(exc, what="finetune", batch_size=run.batch_size)
        FinetuneRun.objects.filter(pk=run_id).update(status=Status.FAILED, error=message, finished_at=timezone.now())
        return
    if cancelled and reached < run.steps:
        FinetuneRun.objects.filter(pk=run_id).update(status=Status.CANCELLED, finished_at=timezone.now())
        return
    with transaction.atomic():
        checkpoint = checkpoint_register(
            name=run.run_name,
            kind=Checkpoint.Kind.FINETUNED,
            path=f"checkpoint/{run.run_name}",
            base_model=run.base_model,
            corpus=run.corpus,
            hparams=files.read_hparams(run_path),
        )
        FinetuneRun.objects.filter(pk=run_id).update(
            status=Status.SUCCEEDED, checkpoint=checkpoint, cancel_requested=False, finished_at=timezone.now()
        )


# --- Generation ----------------------------------------------------------------------------------


def batch_start(
    *,
    checkpoint: Checkpoint,
    n_candidates: int,
    batch_size: int,
    temperature: float = 0.7,
    top_k: int = 0,
    top_p: float = 0.0,
    length: int = 100,
    prefix: str = "",
    seed: int | None = None,
    by: User | None = None,
) -> GenerationBatch:
    from generation import tasks

    backend = GenerationBatch.Backend.MARKOV if checkpoint.kind == Checkpoint.Kind.MARKOV else GenerationBatch.Backend.GPT2
    batch = GenerationBatch.objects.create(
        checkpoint=checkpoint,
        corpus=checkpoint.corpus,
        backend=backend,
        n_candidates=n_candidates,
        batch_size=batch_size,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        length=length,
        prefix=prefix,
        seed=seed,
        created_by=by,
    )
    transaction.on_commit(partial(tasks.generate.delay, batch.pk))
    return batch


def batch_cancel(*, batch: GenerationBatch) -> bool:
    if GenerationBatch.objects.filter(pk=batch.pk, status=Status.QUEUED).update(status=Status.CANCELLED, finished_at=timezone.now()):
        return True
    return bool(GenerationBatch.objects.filter(pk=batch.pk, status=Status.RUNNING).update(status=Status.CANCELLING))


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


def _generate_texts(batch: GenerationBatch, on_chunk: Any, *, prefix_in_text: bool = True) -> tuple[list[str], dict[str, Any]]:
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


def candidates_store(
    *, batch_id: int, texts: list[str], timings: dict[str, Any], candidate_fields: dict[str, Any] | None = None
) -> GenerationBatch:
    """Clean, measure, de-duplicate, near-copy check, then insert the rows and the counts in one transaction.

    `candidate_fields` go on every row as is (posting.mentions links reply candidates to their mention).

    Only a batch still running is written: one cancelled or reaped meanwhile gets nothing, so a batch
    is never half-counted.
    """
    started = time.monotonic()
    batch = GenerationBatch.objects.get(pk=batch_id)
    counts = {"generated": len(texts), "empty": 0, "too_long": 0, "duplicate": 0, "near_copy": 0}
    seen: set[str] = set()
    kept: list[tuple[str, str, str, int]] = []
    for raw in texts:
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
        seen.add(digest)
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
            nearcopy_verdict=v.verdict,
            nearcopy_reason=v.reason,
            nearcopy_score=v.score if v.verdict != "unchecked" else None,
            nearcopy_closest_id=v.closest_id,
            nearcopy_spans=[asdict(s) for s in v.spans],
            **(candidate_fields or {}),
        )
        for (raw, text, digest, length), v in zip(kept, verdicts, strict=True)
    ]
    counts["near_copy"] = sum(1 for v in verdicts if v.verdict in ("near", "copy"))
    with transaction.atomic():
        locked = GenerationBatch.objects.select_for_update().get(pk=batch_id)
        if locked.status != Status.RUNNING:
            raise Stop(locked.status)
        # Another batch may have inserted the same text since we looked.
        late = _existing_hashes([r.text_hash for r in rows])
        if late:
            counts["duplicate"] += sum(1 for r in rows if r.text_hash in late)
            counts["near_copy"] -= sum(1 for r in rows if r.text_hash in late and r.nearcopy_verdict in ("near", "copy"))
            rows = [r for r in rows if r.text_hash not in late]
        Candidate.objects.bulk_create(rows, batch_size=500)
        locked.generated_count = counts["generated"]
        locked.kept_count = len(rows)
        locked.duplicate_count = counts["duplicate"]
        locked.too_long_count = counts["too_long"]
        locked.near_copy_count = counts["near_copy"]
        locked.empty_count = counts["empty"]
        locked.progress = counts["generated"]
        locked.timings = {**timings, "nearcopy_s": round(nearcopy_s, 3), "store_s": round(time.monotonic() - started, 3)}
        locked.status = Status.SUCCEEDED
        locked.finished_at = timezone.now()
        locked.save()
    return locked


def batch_run(*, batch_id: int, prefix_in_text: bool = True, candidate_fields: dict[str, Any] | None = None) -> None:
    """1. claim the batch; 2. generate, reporting progress after each chunk; 3. store candidates and counts at once.

    `prefix_in_text=False`: the prefix is a prompt only (a reply's mention), left out of the candidates;
    `candidate_fields`: set on every stored candidate (see candidates_store).
    """
    claimed = _claim(GenerationBatch, batch_id)  # before reaping: a redelivered batch is taken over, not failed
    batches_reap_stale()
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
        with _heartbeat(GenerationBatch, batch_id):
            texts, timings = _generate_texts(batch, on_chunk, prefix_in_text=prefix_in_text)
        timings["generate_s"] = round(time.monotonic() - started, 3)
        timings["candidates_per_s"] = round(len(texts) / max(timings["generate_s"], 1e-6), 2)
        candidates_store(batch_id=batch_id, texts=texts, timings=timings, candidate_fields=candidate_fields)
    except Stop:
        GenerationBatch.objects.filter(pk=batch_id, status=Status.CANCELLING).update(status=Status.CANCELLED, finished_at=timezone.now())
    except Exception as exc:
        log.exception("batch %s failed", batch_id)
        GenerationBatch.objects.filter(pk=batch_id, status__in=[Status.RUNNING, Status.CANCELLING]).update(
            status=Status.FAILED, error=_plain_error(exc, what="generation", batch_size=batch.batch_size), finished_at=timezone.now()
        )


# --- Housekeeping --------------------------------------------------------------------------------


def batches_reap_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Mark batches whose worker stopped reporting as failed; none of their candidates were written."""
    cutoff = timezone.now() - older_than
    return GenerationBatch.objects.filter(status__in=[Status.RUNNING, Status.CANCELLING], heartbeat_at__lt=cutoff).update(
        status=Status.FAILED,
        error="The worker running this batch stopped reporting (it was killed or lost). Nothing from it was saved; start it again.",
        finished_at=timezone.now(),
    )


def runs_reap_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    cutoff = timezone.now() - older_than
    return FinetuneRun.objects.filter(status__in=[Status.RUNNING, Status.CANCELLING], heartbeat_at__lt=cutoff).update(
        status=Status.FAILED,
        error="The worker running this finetune stopped reporting (it was killed or lost). Resume continues from the last saved step.",
        finished_at=timezone.now(),
    )


# --- Demo ----------------------------------------------------------------------------------------


DEMO_BASE_MODEL = "tiny-demo"


def demo_base_model() -> str:
    """A demo step: with no GPT-2 base model on disk (none can be downloaded offline), write a tiny random one,
    so the demo's Generation page can run a real finetune and a real GPT-2 batch on the CPU."""
    existing = Checkpoint.objects.filter(kind=Checkpoint.Kind.BASE).order_by("name").first()
    if existing is not None:
        return f"Generation demo: base model {existing.name!r} is registered."
    started = time.monotonic()
    tiny_model_create(name=DEMO_BASE_MODEL)
    return (
        f"Generation demo: wrote a tiny random GPT-2 base model {DEMO_BASE_MODEL!r} in {time.monotonic() - started:.0f} s "
        "(it babbles until finetuned; `manage.py download_model 124M` fetches the real one where there is internet)."
    )


def demo_generate() -> str:
    """A demo step: a Markov chain of the sample corpus fills the queue in seconds, with no GPU and no worker."""
    corpus = Corpus.objects.filter(name="sample").first() or Corpus.objects.order_by("created_at").first()
    if corpus is None or not TrainingText.objects.filter(corpus=corpus).exists():
        return "Generation demo: no corpus with texts yet, so no candidates (import one on the Corpora page)."
    name = f"markov-{re.sub(r'[^A-Za-z0-9_.-]+', '-', corpus.name)}"[:100]
    checkpoint = Checkpoint.objects.filter(name=name).first() or markov_checkpoint_create(corpus=corpus, name=name)
    done = GenerationBatch.objects.filter(checkpoint=checkpoint, status=Status.SUCCEEDED).first()
    if done is not None:
        return f"Generation demo: batch #{done.pk} of {checkpoint.name} already filled the queue ({done.kept_count} candidates)."
    batch = GenerationBatch.objects.create(
        checkpoint=checkpoint, corpus=corpus, backend=GenerationBatch.Backend.MARKOV, n_candidates=100, batch_size=20, seed=1
    )
    # Run here rather than on the queue: the demo must show candidates before any worker is up.
    batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    if batch.status != Status.SUCCEEDED:
        return f"Generation demo: batch #{batch.pk} failed: {batch.error}"
    return f"Generation demo: {batch.kept_count} candidates from a Markov chain of {corpus.name!r} are in the queue."
