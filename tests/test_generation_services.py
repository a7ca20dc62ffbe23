"""Batch services on the Markov backend (no TensorFlow): cleaning, counting, de-duplication, failures, the demo."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.tweets import text_hash
from corpora.models import Corpus
from curator.models import Candidate
from generation import batches, checkpoints, demo, jobs
from generation.models import Checkpoint, GenerationBatch, Status
from tests.support.generation import WORDS, corpus_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("models_in_tmp_path")]


def _batch(checkpoint: Checkpoint, **kw: object) -> GenerationBatch:
    values: dict[str, object] = {"n_candidates": 40, "batch_size": 10, "seed": 3, "backend": "markov", "corpus": checkpoint.corpus}
    values.update(kw)
    return GenerationBatch.objects.create(checkpoint=checkpoint, **values)


def test_a_markov_batch_fills_the_queue_with_readable_candidates() -> None:
    corpus = corpus_make()
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus, name="chain")
    assert checkpoint.kind == Checkpoint.Kind.MARKOV and checkpoint.hparams["texts"] == 200
    batch = _batch(checkpoint)
    batches.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.SUCCEEDED, batch.error
    rows = list(Candidate.objects.filter(batch=batch))
    assert rows and len(rows) == batch.kept_count
    assert batch.kept_count + batch.duplicate_count + batch.too_long_count + batch.empty_count == batch.generated_count == 40
    for row in rows:
        words = row.text.rstrip("!.").lower().split()
        assert set(words) <= set(WORDS) and row.corpus == corpus and row.weighted_length == len(row.text)
        assert row.text_hash == text_hash(row.text)
    assert batch.timings["generate_s"] >= 0 and "store_s" in batch.timings


def test_a_second_batch_with_the_same_seed_keeps_nothing_already_in_the_queue() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    first, second = _batch(checkpoint), _batch(checkpoint)
    batches.batch_run(batch_id=first.pk)
    batches.batch_run(batch_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.kept_count > 0
    assert second.kept_count == 0 and second.duplicate_count == first.kept_count + first.duplicate_count


def test_it_cleans_measures_and_counts_each_kind_of_reject() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    Candidate.objects.create(text="Already queued!", generated_text="Already queued!", text_hash=text_hash("Already queued!"))
    batch = _batch(checkpoint, status=Status.RUNNING)
    texts = [
        "  Hello   world <|endoftext|>",
        "hello, WORLD!",  # the same once normalised
        "",
        "!!! ...",  # nothing left once normalised
        "word " * 70,  # 350 characters
        "already QUEUED",
        "A fine \ufffdtweet\n\n\n\nwith lines",
        "\x00Bytes\x07 a byte-level\tmodel \x1bwrites",
    ]
    batches.candidates_store(batch_id=batch.pk, texts=texts, timings={})
    batch.refresh_from_db()
    kept = list(Candidate.objects.filter(batch=batch).values_list("text", flat=True))
    assert kept == ["Hello world", "A fine tweet\n\nwith lines", "Bytes a byte-level model writes"]
    assert (batch.generated_count, batch.kept_count, batch.duplicate_count, batch.empty_count, batch.too_long_count) == (8, 3, 2, 2, 1)
    assert Candidate.objects.get(text="Bytes a byte-level model writes").generated_text == "Bytes\x07 a byte-level\tmodel \x1bwrites"
    assert batch.status == Status.SUCCEEDED
    assert Candidate.objects.get(text="Hello world").generated_text == "  Hello   world <|endoftext|>"
    assert Candidate.objects.get(text="Hello world").nearcopy_verdict  # the check's verdict was written


def test_a_batch_cancelled_meanwhile_gets_no_rows_and_no_counts() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    batch = _batch(checkpoint, status=Status.CANCELLING)
    with pytest.raises(jobs.Stop):
        batches.candidates_store(batch_id=batch.pk, texts=["A new text"], timings={})
    batch.refresh_from_db()
    assert batch.generated_count == 0 and not Candidate.objects.exists()


def test_a_missing_checkpoint_fails_the_batch_in_plain_words() -> None:
    checkpoint = Checkpoint.objects.create(name="gone", kind=Checkpoint.Kind.FINETUNED, path="checkpoint/gone")
    batch = GenerationBatch.objects.create(checkpoint=checkpoint, n_candidates=4, batch_size=2)
    batches.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.FAILED
    assert batch.error.startswith("The checkpoint could not be loaded: The model folder") and "does not exist" in batch.error


def test_a_batch_abandoned_by_a_dead_worker_is_failed_not_restarted_when_its_task_comes_back() -> None:
    """Redis redelivers the dead worker's task hours later; the reaper may not have run (beat was down too)."""
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    batch = _batch(checkpoint, status=Status.RUNNING, progress=20, heartbeat_at=timezone.now() - timedelta(hours=7))
    batches.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.FAILED and "stopped reporting" in batch.error
    assert batch.generated_count == 0 and not Candidate.objects.exists()


def test_a_redelivered_task_leaves_a_failed_batch_failed_and_the_owners_next_batch_alone() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    dead = _batch(checkpoint, status=Status.FAILED, error="The worker running this batch stopped reporting.")
    again = _batch(checkpoint, seed=4)  # the owner started it again; its own task runs it
    batches.batch_run(batch_id=again.pk)
    kept = Candidate.objects.count()
    batches.batch_run(batch_id=dead.pk)  # the dead worker's task, redelivered
    batches.batch_run(batch_id=again.pk)  # and a second delivery of the new one: already done
    dead.refresh_from_db()
    again.refresh_from_db()
    assert dead.status == Status.FAILED and dead.generated_count == 0
    assert again.status == Status.SUCCEEDED and Candidate.objects.count() == kept and not Candidate.objects.filter(batch=dead).exists()


def test_a_batch_another_live_worker_is_running_is_left_alone() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    batch = _batch(checkpoint, status=Status.RUNNING, progress=20, heartbeat_at=timezone.now())
    batches.batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Status.RUNNING and batch.progress == 20 and not Candidate.objects.exists()


def test_the_reaper_fails_only_stale_batches() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    stale = _batch(checkpoint, status=Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    live = _batch(checkpoint, status=Status.RUNNING, heartbeat_at=timezone.now())
    assert jobs.batches_reap_stale() == 1
    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.status == Status.FAILED and "Nothing from it was saved" in stale.error
    assert live.status == Status.RUNNING


def test_the_demo_step_fills_the_queue_from_the_sample_corpus_once() -> None:
    corpus_make(name="other", seed=2)
    sample = corpus_make(name="sample")
    line = demo.demo_generate()
    assert "candidates from a Markov chain of 'sample' are in the queue" in line
    assert Candidate.objects.filter(corpus=sample).count() >= 20
    count = Candidate.objects.count()
    assert "already filled the queue" in demo.demo_generate()
    assert Candidate.objects.count() == count


def test_the_demo_step_says_so_when_there_is_no_corpus() -> None:
    assert not Corpus.objects.exists()
    assert "no corpus with texts yet" in demo.demo_generate()


@pytest.mark.django_db(transaction=True)
def test_a_running_batch_keeps_a_fresh_heartbeat_while_its_task_is_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.workers import wait_for

    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", 0.05)
    checkpoint = Checkpoint.objects.create(name="chain", kind=Checkpoint.Kind.MARKOV, path="markov/chain.json")
    old = timezone.now() - timedelta(hours=1)
    batch = GenerationBatch.objects.create(checkpoint=checkpoint, n_candidates=4, status=Status.RUNNING, heartbeat_at=old)
    with jobs.heartbeat(GenerationBatch, batch.pk):  # e.g. one long chunk of a large model
        wait_for(
            lambda: GenerationBatch.objects.get(pk=batch.pk).heartbeat_at > old + timedelta(minutes=59), timeout=10, message="a heartbeat"
        )
    assert jobs.batches_reap_stale() == 0
