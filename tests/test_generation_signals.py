"""Signals stored with every candidate at generation; the owner's repetition threshold; new candidates ranked at once."""

import pytest

from curator.models import Candidate, RankerVersion
from curator.ranking.features import Item
from curator.ranking.model import ranker_fit
from generation import batches, checkpoints
from generation.models import Checkpoint, GenerationBatch, Status
from tests.support.generation import corpus_make

pytestmark = pytest.mark.django_db

LOOP = "make it great make it great make it great make it great make it great"


@pytest.fixture(autouse=True)
def _models(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tmp_path


def _running(checkpoint: Checkpoint, **kw: object) -> GenerationBatch:
    return GenerationBatch.objects.create(
        checkpoint=checkpoint, corpus=checkpoint.corpus, backend="markov", n_candidates=2, status=Status.RUNNING, **kw
    )


def test_every_candidate_stores_its_repetition_and_distinct_n() -> None:
    batch = _running(checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain"))
    batches.candidates_store(batch_id=batch.pk, texts=[LOOP, "A quiet walk by the river this morning"], timings={})
    loop = Candidate.objects.get(text=LOOP)
    fresh = Candidate.objects.get(text__startswith="A quiet")
    assert loop.repetition is not None and loop.repetition > 0.5 and loop.distinct_1 is not None and loop.distinct_1 < 0.3
    assert fresh.repetition == 0.0 and fresh.distinct_2 == 1.0
    assert fresh.logprob is None  # a Markov chain has no per-token probability of its own here


def test_the_owners_repetition_threshold_drops_loops_and_counts_them_as_filtered() -> None:
    batch = _running(checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain"), max_repetition=0.3)
    batches.candidates_store(batch_id=batch.pk, texts=[LOOP, "A quiet walk by the river this morning"], timings={})
    batch.refresh_from_db()
    assert (batch.generated_count, batch.kept_count, batch.filtered_count) == (2, 1, 1)
    assert not Candidate.objects.filter(text=LOOP).exists()


def test_new_candidates_get_their_bots_keep_probability_at_once() -> None:
    checkpoint = checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain")
    ranker = ranker_fit(items=[Item(text="cats are lovely"), Item(text="dogs bark loudly")], labels=[True, False])
    version = RankerVersion.objects.create(corpus=checkpoint.corpus, version=1, decisions=2, approved=1, model=ranker.dumps())
    batch = _running(checkpoint)
    batches.candidates_store(batch_id=batch.pk, texts=["cats are lovely today", "dogs bark loudly today"], timings={})
    cat, dog = Candidate.objects.get(text__startswith="cats"), Candidate.objects.get(text__startswith="dogs")
    assert cat.ranked_by_id == dog.ranked_by_id == version.pk
    assert cat.keep_probability is not None and dog.keep_probability is not None and cat.keep_probability > dog.keep_probability


def test_each_candidate_keeps_the_samplers_log_probability_of_its_own_text() -> None:
    batch = _running(checkpoints.markov_checkpoint_create(corpus=corpus_make(), name="chain"), max_repetition=0.3)
    texts = [LOOP, "A quiet walk by the river this morning", "Another fine text for the queue"]
    batches.candidates_store(batch_id=batch.pk, texts=texts, timings={}, logprobs=[-0.5, -2.25, -4.0])
    # The loop is filtered: the others keep their own values, not their neighbours'.
    assert Candidate.objects.get(text=texts[1]).logprob == -2.25
    assert Candidate.objects.get(text=texts[2]).logprob == -4.0
