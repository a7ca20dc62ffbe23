"""The warm sampler, in this process, on the tiny model: gpt-2-simple's texts, early stop, flat memory."""

import shutil
from pathlib import Path

import numpy as np
import psutil
import pytest

from curator.models import Candidate
from generation import batches, jobs
from generation.models import GenerationBatch, Status
from tests.support.generation import tiny_checkpoint, tiny_models_dir

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
    # Each sample left the batch when it ended: the work is the sum of the end positions, not 2 x the longest.
    assert all(end is not None for end in cut.ends)
    assert max(cut.ends) == cut.steps  # type: ignore[type-var]
    assert cut.row_steps == sum(cut.ends)  # type: ignore[arg-type]
    assert full.row_steps == 2 * 60 and full.ends == [None, None]


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
        batches.batch_run(batch_id=batch.pk)
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
    message = jobs.job_error(error, what="generation", batch_size=512)
    assert message.startswith("The worker ran out of memory during the generation.")
    assert "Lower the batch size (it was 512)" in message


def _softmax64(logits: "np.ndarray") -> "np.ndarray":
    """Row-wise softmax in float64: the reference the top_p tests measure both filters against."""
    probs = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


def _edges_only(ours: "np.ndarray", theirs: "np.ndarray", logits: "np.ndarray", top_p: float) -> float:
    """The largest |mass above - p| over the tokens one filter keeps and the other drops (0.0 if none).

    A token is in the nucleus when the probability of the tokens strictly more likely than it is below p;
    float rounding can only flip a token whose mass above is within rounding of p."""
    probs = _softmax64(logits)
    worst = 0.0
    for row, token in zip(*np.nonzero((ours > -1e9) != (theirs > -1e9)), strict=True):
        above = probs[row][logits[row] > logits[row, token]].sum()
        worst = max(worst, abs(above - top_p))
    return worst


def _exact_nucleus(logits: "np.ndarray", top_p: float) -> "np.ndarray":
    """gpt-2-simple's rule (keep the logits >= the smallest sorted logit whose exclusive cumsum < p) in float64."""
    wide = logits.astype(np.float64)
    probs = _softmax64(logits)
    keep = np.zeros(logits.shape, dtype=bool)
    for row in range(len(logits)):
        order = np.argsort(-wide[row], kind="stable")
        before = np.concatenate([[0.0], np.cumsum(probs[row][order])[:-1]])
        keep[row] = wide[row] >= wide[row][order][before < top_p].min()
    return keep


def test_top_p_keeps_gpt_2_simples_nucleus_without_sorting_the_vocabulary() -> None:
    from gpt_2_simple.src import sample

    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, None])
        p = tf.compat.v1.placeholder(tf.float32, [])
        ours_op, theirs_op = sampler.top_p_logits(x, p), sample.top_p_logits(x, p)
        sess = tf.compat.v1.Session(graph=graph)
    rng = np.random.default_rng(3)
    rows = identical = ours_off = theirs_off = 0
    for scale in (0.3, 1.0, 4.0, 12.0):  # from a flat (random-weights) row to a peaked (finetuned) one
        for top_p in (0.05, 0.5, 0.9, 0.95):
            logits = (rng.standard_normal((16, 50257)) * scale).astype(np.float32)
            logits[1, :300] = logits[1, 0]  # a tie of 300 tokens
            logits[2] = 1.5  # every token equal
            logits[3, 7] = 500.0  # one token holds all the mass
            ours, theirs = sess.run((ours_op, theirs_op), {x: logits, p: top_p})
            assert _edges_only(ours, theirs, logits, top_p) < 2e-5, (scale, top_p)
            # Kept logits are untouched and dropped ones get gpt-2-simple's -1e10, as theirs.
            assert set(np.unique(ours[ours <= -1e9])) <= {np.float32(-1e10)}
            assert np.array_equal(ours[ours > -1e9], logits[ours > -1e9])
            assert (ours[3] > -1e9).sum() == 1 and (ours[2] > -1e9).all()
            rows += len(logits)
            identical += int(((ours > -1e9) == (theirs > -1e9)).all(axis=1).sum())
            exact = _exact_nucleus(logits, top_p)
            ours_off += int(((ours > -1e9) != exact).any(axis=1).sum())
            theirs_off += int(((theirs > -1e9) != exact).any(axis=1).sum())
    # Only float rounding at the edge of the nucleus can differ: nearly every row is the very same set.
    assert identical >= 0.9 * rows, f"{identical} of {rows} rows identical"
    # And against the nucleus computed in float64, ours is off no more often than gpt-2-simple's own float32 sort.
    assert ours_off <= theirs_off, (ours_off, theirs_off)
    sess.close()


def test_a_token_is_drawn_by_inverse_cdf_at_its_own_uniform_number() -> None:
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, None])
        u = tf.compat.v1.placeholder(tf.float64, [None])
        drawn_op = sampler.draw(x, u)
        sess = tf.compat.v1.Session(graph=graph)
    rng = np.random.default_rng(4)
    logits = (rng.standard_normal((64, 1000)) * 2).astype(np.float32)
    logits[:, ::3] = sampler.MASKED  # filtered-out tokens are never drawn
    uniform = rng.random(64)
    drawn = sess.run(drawn_op, {x: logits, u: uniform})
    weights = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    assert (drawn == (cdf <= uniform[:, None]).sum(axis=1)).all()
    assert (drawn % 3 != 0).all()
    # Over many draws the frequencies are softmax(logits).
    row = np.log(np.array([0.5, 0.3, 0.15, 0.05], dtype=np.float32))
    many = sess.run(drawn_op, {x: np.tile(row, (20000, 1)), u: rng.random(20000)})
    assert np.allclose(np.bincount(many, minlength=4) / 20000, [0.5, 0.3, 0.15, 0.05], atol=0.015)
    sess.close()


def test_it_returns_each_texts_mean_log_probability_per_token(tiny: Path) -> None:
    logprobs: list[float] = []
    texts, _ = sampler.generate(path=tiny, nsamples=4, batch_size=2, length=20, temperature=1.0, seed=3, logprobs=logprobs, **TWEET)
    assert len(logprobs) == len(texts) == 4
    # A byte-level vocabulary of 257: a random model's tokens are near log(1/257) = -5.55 each.
    assert all(-8.0 < lp < -3.0 for lp in logprobs), logprobs
    greedy: list[float] = []
    sampler.generate(path=tiny, nsamples=2, batch_size=2, length=20, temperature=1.0, top_k=1, seed=3, logprobs=greedy, **TWEET)
    # The likeliest token at every step: at least as likely on average as sampled ones.
    assert min(greedy) >= max(logprobs) - 1e-4
