"""The warm sampler, in this process, on the tiny model: gpt-2-simple's texts, early stop, flat memory."""

import shutil
from pathlib import Path

import psutil
import pytest

from curator.models import Candidate
from generation import services
from generation.models import GenerationBatch, Status
from tests.test_generation_support import tiny_checkpoint, tiny_models_dir

pytestmark = pytest.mark.slow
gpt2 = pytest.importorskip("gpt_2_simple")
tf = pytest.importorskip("tensorflow")
from generation.gpt2 import sampler  # noqa: E402 - after gpt_2_simple, as the worker imports it

TWEET = {"prefix": "<|startoftext|>", "truncate": "<|endoftext|>", "include_prefix": False}


@pytest.fixture
def tiny() -> Path:
    return tiny_models_dir() / "models" / "tiny"


def test_it_writes_exactly_what_gpt_2_simple_writes_with_the_same_greedy_settings(tiny: Path) -> None:
    graph = tf.Graph()
    with graph.as_default():
        sess = gpt2.start_tf_sess()
        gpt2.load_gpt2(sess, model_name="tiny", model_dir=str(tiny.parent))
        theirs = gpt2.generate(
            sess,
            model_name="tiny",
            model_dir=str(tiny.parent),
            return_as_list=True,
            nsamples=2,
            batch_size=2,
            length=30,
            temperature=1.0,
            top_k=1,
            **TWEET,
        )
        sess.close()
    ours, _ = sampler.generate(path=tiny, nsamples=2, batch_size=2, length=30, temperature=1.0, top_k=1, **TWEET)
    assert ours == theirs


def test_it_stops_as_soon_as_every_sample_has_ended_and_cuts_where_gpt_2_simple_cuts(tiny: Path) -> None:
    warm = sampler.sampler_for(tiny)
    args = {
        "batch_size": 2,
        "length": 60,
        "temperature": 1.0,
        "top_k": 0,
        "top_p": 0.0,
        "prefix": "<|startoftext|>",
        "include_prefix": False,
    }
    full = warm.run_chunk(truncate=None, seed=(5, 0), **args)  # type: ignore[arg-type]
    assert full.steps == 60
    generated = [t[len("<|startoftext|>") :] for t in full.texts]
    # An end marker both samples write early on: the same seed draws the same tokens up to there.
    common = [c for c in generated[0][:40] if c.isascii() and c.isalnum() and c in generated[1][:40]]
    if not common:
        pytest.skip("the two samples share no letter to end on")
    marker = common[0]
    cut = warm.run_chunk(truncate=marker, seed=(5, 0), **args)  # type: ignore[arg-type]
    assert cut.steps < 60
    assert cut.texts == [g.split(marker, 1)[0].lstrip("\n") for g in generated]


def test_it_keeps_one_graph_and_reloads_only_for_another_checkpoint(tiny: Path, tmp_path: Path) -> None:
    first = sampler.sampler_for(tiny)
    ops = len(first.graph.get_operations())
    for temperature, top_k, top_p in [(0.5, 0, 0.0), (1.0, 40, 0.0), (0.9, 0, 0.9)]:
        sampler.generate(path=tiny, nsamples=4, batch_size=2, length=10, temperature=temperature, top_k=top_k, top_p=top_p, **TWEET)
    assert sampler.sampler_for(tiny) is first
    assert len(first.graph.get_operations()) == ops and first.graph.finalized
    other = tmp_path / "tiny-copy"
    shutil.copytree(tiny, other)
    second = sampler.sampler_for(other)
    assert second is not first
    assert first.sess._closed  # the old session was let go


@pytest.mark.django_db
def test_memory_stays_flat_over_100_consecutive_generate_tasks(settings, tiny: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tiny_models_dir()
    checkpoint = tiny_checkpoint()
    process = psutil.Process()
    settings_cycle = [(0.7, 0, 0.9), (1.0, 40, 0.0), (0.8, 0, 0.0)]

    def task(i: int) -> None:
        t, k, p = settings_cycle[i % 3]
        batch = GenerationBatch.objects.create(
            checkpoint=checkpoint, n_candidates=4, batch_size=4, temperature=t, top_k=k, top_p=p, length=16
        )
        services.batch_run(batch_id=batch.pk)
        assert GenerationBatch.objects.get(pk=batch.pk).status == Status.SUCCEEDED

    for i in range(10):
        task(i)
    before = process.memory_info().rss
    for i in range(100):
        task(i)
    grown = process.memory_info().rss - before
    assert GenerationBatch.objects.filter(status=Status.SUCCEEDED).count() == 110
    assert Candidate.objects.exists()
    assert grown < 20 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over 100 tasks"


def test_an_out_of_memory_error_is_reported_in_plain_words() -> None:
    error = tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor with shape[512,12,1024,1024]")
    message = services._plain_error(error, what="generation", batch_size=512)
    assert message.startswith("The worker ran out of memory during the generation.")
    assert "Lower the batch size (it was 512)" in message
