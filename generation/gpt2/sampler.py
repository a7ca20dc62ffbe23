"""A warm sampler: one TensorFlow graph and session per checkpoint, kept across generate tasks.

What is gpt-2-simple's and what is ours:
- The network is gpt_2_simple.src.model.model (called exactly as gpt_2_simple.src.sample does,
  one token at a time with the key/value `past`), the weights are restored as load_gpt2() does,
  and the start/end-token truncation is gpt_2_simple.generate()'s own code, so texts come out
  exactly as its generate() shapes them. top_k is gpt_2_simple.src.sample.top_k_logits' rule.
- Ours, each for speed, none changing what is sampled:
  - temperature, top_k, top_p, length, batch size and seed are placeholders, so one graph serves
    every batch (gpt-2-simple builds a new sampling graph on every generate() call and grows); the
    graph is finalised, so nothing can add to it later.
  - The weights are plain (reference) variables: gpt-2-simple's resource variables turn copy-on-read
    once the embedding is gathered, so every step copied the 154 MB token embedding for the logits.
  - top_p keeps the same nucleus as gpt_2_simple.src.sample.top_p_logits (the smallest set of
    most likely tokens whose mass reaches p) without sorting the whole vocabulary: see
    top_p_logits() below.
  - The tf.while_loop drops a sample from the batch as soon as it has written the end marker, and
    stops when none is left, instead of always running `length` steps for every sample.
  - A sample's token is drawn by inverse CDF from its own uniform number, seeded by (batch seed,
    chunk, step, sample), so a sample's text depends only on the seed, not on which other samples
    are still running.
"""

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gpt_2_simple  # noqa: F401 - importing it turns eager mode off, as its own functions need
import numpy as np
import tensorflow as tf
from gpt_2_simple.src import encoder, model, sample
from tensorflow.core.protobuf import rewriter_config_pb2

from generation.gpt2.files import model_check, read_hparams

NEVER = -2  # an end "token" no sample can produce: no early stop


def session_config() -> Any:
    """gpt_2_simple.start_tf_sess()'s configuration (it cannot be given a graph of its own)."""
    config = tf.compat.v1.ConfigProto()
    config.gpu_options.allow_growth = True
    config.graph_options.rewrite_options.layout_optimizer = rewriter_config_pb2.RewriterConfig.OFF
    return config


MASKED = -1e10  # the logit gpt-2-simple gives a token that top_k or top_p leaves out
TOP_P_BUCKETS = 1024
# The sizes the running batch shrinks to as samples end (it keeps spare slots up to the next one).
BATCH_SIZES = np.array([2**n for n in range(17)], dtype=np.int32)
SORT_VOCABULARY = 4096  # up to this many tokens top_p sorts the whole row, as gpt-2-simple does


def _top_k_logits(logits: Any, k: Any) -> Any:
    """gpt_2_simple.src.sample.top_k_logits, for a k that is a tensor (its `if k == 0` needs a Python int)."""

    def _top_k() -> Any:
        values, _ = tf.nn.top_k(logits, k=k)
        min_values = values[:, -1, tf.newaxis]
        return tf.where(logits < min_values, tf.constant(MASKED, logits.dtype), logits)

    return tf.cond(pred=tf.equal(k, 0), true_fn=lambda: logits, false_fn=_top_k)


def top_p_logits(logits: Any, p: Any) -> Any:
    """gpt_2_simple.src.sample.top_p_logits' nucleus, without sorting the whole vocabulary.

    gpt-2-simple sorts every row, takes the exclusive cumulative probability S of the sorted row and
    keeps every token whose logit is at least the smallest sorted logit with S < p. That threshold is
    the smallest logit v whose "mass strictly above v" is below p. Here the row is cut into
    TOP_P_BUCKETS equal-width logit buckets (higher logit, lower bucket), the bucket masses are summed
    in one pass, the bucket where the running mass reaches p is found, and only that bucket's tokens
    are sorted (top_k over them) to find the exact threshold inside it. Same threshold in exact
    arithmetic; in float32 the masses are summed in another order than gpt-2-simple's cumsum, so a
    token whose mass above sits within ~1e-5 of p can fall the other way (tested: the kept sets
    differ by at most that much probability). A row of equal logits sorts whole, as gpt-2-simple does.
    """
    with tf.compat.v1.name_scope("top_p_logits"):
        rows = tf.shape(logits)[0]
        probs = tf.nn.softmax(logits)
        top = tf.reduce_max(logits, axis=1, keepdims=True)
        low = tf.reduce_min(logits, axis=1, keepdims=True)
        width = tf.maximum((top - low) / TOP_P_BUCKETS, 1e-30)
        # Monotone: a higher logit never lands in a later bucket, so buckets are sorted among themselves.
        bucket = tf.minimum(tf.cast((top - logits) / width, tf.int32), TOP_P_BUCKETS - 1)
        segments = bucket + tf.range(rows)[:, tf.newaxis] * TOP_P_BUCKETS
        mass = tf.reshape(tf.math.unsorted_segment_sum(probs, segments, rows * TOP_P_BUCKETS), [rows, TOP_P_BUCKETS])
        running = tf.cumsum(mass, axis=1)
        reached = running >= p
        # The first bucket where the running mass reaches p (it is never empty); the last if rounding never gets there.
        cut = tf.where(
            tf.reduce_any(reached, axis=1),
            tf.argmax(tf.cast(reached, tf.int32), axis=1, output_type=tf.int32),
            TOP_P_BUCKETS - 1,
        )
        above = tf.gather(running - mass, cut, batch_dims=1)  # the mass of every bucket before it
        inside = tf.equal(bucket, cut[:, tf.newaxis])
        count = tf.reduce_sum(tf.cast(inside, tf.int32), axis=1)
        k = tf.reduce_max(count)
        values, ids = tf.math.top_k(tf.where(inside, logits, tf.constant(-np.inf, logits.dtype)), k=k)
        # The exclusive cumulative probability of each of the bucket's tokens in sorted order, as gpt-2-simple's S.
        before = above[:, tf.newaxis] + tf.cumsum(tf.gather(probs, ids, batch_dims=1), axis=1, exclusive=True)
        keep = tf.logical_and(before < p, tf.range(k)[tf.newaxis, :] < count[:, tf.newaxis])
        threshold = tf.reduce_min(tf.where(keep, values, tf.constant(np.inf, logits.dtype)), axis=1, keepdims=True)
        return tf.where(logits < threshold, tf.constant(MASKED, logits.dtype), logits)


def draw(logits: Any, uniform: Any) -> Any:
    """One token per row from softmax(logits), by inverse CDF (float64) at that row's uniform number in [0, 1)."""
    weights = tf.exp(tf.cast(logits - tf.reduce_max(logits, axis=1, keepdims=True), tf.float64))
    cdf = tf.cumsum(weights, axis=1)
    target = uniform[:, tf.newaxis] * cdf[:, -1:]
    # The first token whose cumulative weight passes the target (it has a weight above 0).
    return tf.minimum(tf.reduce_sum(tf.cast(cdf <= target, tf.int32), axis=1), tf.shape(logits)[1] - 1)


def truncate_text(gen_text: str, *, prefix: str | None, truncate: str | None, include_prefix: bool) -> str:
    """gpt_2_simple.generate()'s truncation, verbatim."""
    if truncate:
        truncate_esc = re.escape(truncate)
        if prefix and not include_prefix:
            prefix_esc = re.escape(prefix)
            pattern = f"(?:{prefix_esc})(.*?)(?:{truncate_esc})"
        else:
            pattern = f"(.*?)(?:{truncate_esc})"
        trunc_text = re.search(pattern, gen_text, re.S)
        if trunc_text:
            gen_text = trunc_text.group(1)
    return gen_text.lstrip("\n")


def end_position(tokens: list[int], end: list[int], end_token: int) -> int | None:
    """Tokens up to and including the first end marker (as the loop finds it), or None if there is none."""
    for i, token in enumerate(tokens):
        if token == end_token or tokens[max(0, i + 1 - len(end)) : i + 1] == end:
            return i + 1
    return None


@dataclass
class Chunk:
    texts: list[str]
    steps: int  # tokens generated before every sample had ended (or the length ran out)
    ends: list[int | None]  # per sample: tokens written up to and including its end marker; None if it never ended
    row_steps: int  # the work done: one per sample per token it wrote
    # per sample: the model's mean log-probability per token it wrote (its own distribution, before temperature,
    # top_k and top_p reshape it): a ranker signal, higher for fluent text, very low for noise
    logprobs: list[float]


class Sampler:
    def __init__(self, path: Path) -> None:
        model_check(path)
        self.path = path
        self.checkpoint = tf.train.latest_checkpoint(str(path))
        self.enc = encoder.get_encoder(str(path))
        self.hparams = model.default_hparams()
        self.hparams.override_from_dict(read_hparams(path))
        self.graph = tf.Graph()
        # Reference variables: see the module's docstring (the checkpoint and its names are the same).
        with self.graph.as_default(), tf.compat.v1.variable_scope(tf.compat.v1.get_variable_scope(), use_resource=False):
            self._build()
            saver = tf.compat.v1.train.Saver(var_list=[v for v in tf.compat.v1.global_variables() if v.name.startswith("model/")])
            self.sess = tf.compat.v1.Session(graph=self.graph, config=session_config())
            saver.restore(self.sess, self.checkpoint)
        # From here on any op added by mistake raises instead of silently growing memory.
        self.graph.finalize()

    def _build(self) -> None:
        hp = self.hparams
        self.context = tf.compat.v1.placeholder(tf.int32, [None, None], name="context")
        self.length = tf.compat.v1.placeholder(tf.int32, [], name="length")
        self.temperature = tf.compat.v1.placeholder(tf.float32, [], name="temperature")
        self.top_k = tf.compat.v1.placeholder(tf.int32, [], name="top_k")
        self.top_p = tf.compat.v1.placeholder(tf.float32, [], name="top_p")
        self.end_tokens = tf.compat.v1.placeholder(tf.int32, [None], name="end_tokens")
        # A single vocabulary entry that decodes to the end marker (<|endoftext|> is one in GPT-2's vocabulary).
        self.end_token = tf.compat.v1.placeholder(tf.int32, [], name="end_token")
        self.seed = tf.compat.v1.placeholder(tf.int64, [2], name="seed")
        batch = tf.shape(self.context)[0]
        past_shape = model.past_shape(hparams=hp, batch_size=None)

        def step(tokens: Any, past: Any = None) -> tuple[Any, Any]:
            # As gpt_2_simple.src.sample.sample_sequence's step().
            lm_output = model.model(hparams=hp, X=tokens, past=past, reuse=tf.compat.v1.AUTO_REUSE)
            presents = lm_output["present"]
            presents.set_shape(past_shape)
            return lm_output["logits"][:, :, : hp.n_vocab], presents

        with tf.compat.v1.name_scope("sample_sequence"):
            _, context_past = step(self.context[:, :-1])

            # Loop state: `rows` says which sample of the batch each slot of the running batch holds; a slot
            # whose sample has ended holds `batch`, a spare row of `out` where its writes go. `out` is the
            # whole batch's tokens: a sample's row stops at its end marker (zeros after).
            def body(i: Any, rows: Any, past: Any, prev: Any, window: Any, out: Any, out_lp: Any) -> list[Any]:
                logits, presents = step(prev[:, tf.newaxis], past=past)
                model_logits = logits[:, -1, :]
                logits = model_logits / self.temperature
                logits = tf.cond(self.top_p > 0.0, lambda: self._top_p(logits), lambda: _top_k_logits(logits, self.top_k))
                step_seed = self.seed + tf.stack([tf.constant(0, tf.int64), tf.cast(i, tf.int64)])
                uniform = tf.random.stateless_uniform([batch + 1], seed=step_seed, dtype=tf.float64)
                samples = draw(logits, tf.gather(uniform, rows))
                where = tf.stack([rows, tf.fill(tf.shape(rows), i)], axis=1)
                out = tf.tensor_scatter_nd_update(out, where, samples)
                token_lp = tf.gather(tf.nn.log_softmax(model_logits), samples, batch_dims=1)
                out_lp = tf.tensor_scatter_nd_update(out_lp, where, token_lp)
                window = tf.concat([window[:, 1:], samples[:, tf.newaxis]], axis=1)
                ended = tf.logical_and(
                    rows < batch,
                    tf.logical_or(
                        tf.reduce_all(tf.equal(window, self.end_tokens[tf.newaxis, :]), axis=1),
                        tf.equal(samples, self.end_token),
                    ),
                )
                rows = tf.where(ended, batch, rows)
                past = tf.concat([past, presents], axis=-2)
                running = rows < batch
                live = tf.reduce_sum(tf.cast(running, tf.int32))
                sizes = tf.constant(BATCH_SIZES)
                size = tf.reduce_min(tf.where(sizes >= live, sizes, tf.int32.max))  # past the ladder: no shrink

                def shrink() -> tuple[Any, Any, Any, Any]:
                    # The running samples first, then spare slots up to a power of two: the running batch only
                    # ever takes a few sizes, so oneDNN compiles a few kernels instead of one per size and length.
                    keep = tf.argsort(tf.cast(running, tf.int32), direction="DESCENDING", stable=True)[:size]
                    return tf.gather(rows, keep), tf.gather(past, keep), tf.gather(samples, keep), tf.gather(window, keep)

                rows, past, prev, window = tf.cond(
                    tf.logical_and(live > 0, size < tf.size(rows)), shrink, lambda: (rows, past, samples, window)
                )
                return [i + 1, rows, past, prev, window, out, out_lp]

            def cond(i: Any, rows: Any, *_: Any) -> Any:
                return tf.reduce_any(rows < batch)

            steps, _, _, _, _, out, out_lp = tf.nest.map_structure(
                tf.stop_gradient,
                tf.while_loop(
                    cond=cond,
                    body=body,
                    maximum_iterations=self.length,
                    loop_vars=[
                        tf.constant(0),
                        tf.range(batch),
                        context_past,
                        self.context[:, -1],
                        tf.fill([batch, tf.shape(self.end_tokens)[0]], -1),
                        tf.zeros([batch + 1, self.length], dtype=tf.int32),
                        tf.zeros([batch + 1, self.length], dtype=tf.float32),
                    ],
                    shape_invariants=[
                        tf.TensorShape([]),
                        tf.TensorShape([None]),
                        tf.TensorShape(past_shape),
                        tf.TensorShape([None]),
                        tf.TensorShape([None, None]),
                        tf.TensorShape([None, None]),
                        tf.TensorShape([None, None]),
                    ],
                ),
            )
        self.tokens = out[:batch]
        self.logprobs = out_lp[:batch]
        self.steps = steps

    def _top_p(self, logits: Any) -> Any:
        # A small vocabulary (the tiny byte-level model) sorts in no time: gpt-2-simple's own top_p_logits.
        if self.hparams.n_vocab <= SORT_VOCABULARY:
            return sample.top_p_logits(logits, p=self.top_p)
        return top_p_logits(logits, self.top_p)

    def encode(self, text: str) -> list[int]:
        return list(self.enc.encode(text))

    def run_chunk(
        self,
        *,
        batch_size: int,
        length: int,
        temperature: float,
        top_k: int,
        top_p: float,
        prefix: str | None,
        truncate: str | None,
        include_prefix: bool,
        seed: tuple[int, int],
    ) -> Chunk:
        """One batch of `batch_size` texts, with gpt_2_simple.generate()'s semantics for the same arguments."""
        prefix = prefix or None
        context_tokens = self.encode(prefix) if prefix else [self.enc.encoder["<|endoftext|>"]]
        length = min(length, 1023 - (len(context_tokens) if prefix else 0))
        # The end marker as the texts' own encoding spells it (how a finetuned model writes it) and as a
        # single vocabulary entry; either one puts the marker into the decoded text, so truncation will cut there.
        end = self.encode(truncate) if truncate else [NEVER]
        end_token = self.enc.encoder.get(truncate, NEVER) if truncate else NEVER
        out, out_lp, steps = self.sess.run(
            (self.tokens, self.logprobs, self.steps),
            feed_dict={
                self.context: [context_tokens] * batch_size,
                self.length: length,
                self.temperature: temperature,
                self.top_k: top_k,
                self.top_p: top_p,
                self.end_tokens: end,
                self.end_token: end_token,
                self.seed: np.array(seed, dtype=np.int64),
            },
        )
        steps = int(steps)
        texts, ends, logprobs = [], [], []
        for row, lp in zip(out[:, :steps].tolist(), out_lp[:, :steps], strict=True):
            ended = end_position(row, end, end_token)
            ends.append(ended)
            written = ended or steps
            logprobs.append(round(float(np.mean(lp[:written])), 4) if written else 0.0)
            full = context_tokens + row[: ended or steps]
            # generate() decodes output[:, 1:] and puts back the first context token when there is a prefix.
            gen_text = self.enc.decode(full if prefix else full[1:])
            texts.append(truncate_text(gen_text, prefix=prefix, truncate=truncate, include_prefix=include_prefix))
        return Chunk(texts=texts, steps=steps, ends=ends, row_steps=sum(e or steps for e in ends), logprobs=logprobs)

    def close(self) -> None:
        self.sess.close()


_lock = threading.RLock()
_warm: dict[str, Sampler] = {}


def sampler_for(path: Path) -> Sampler:
    """The warm sampler for `path`, loading it (and dropping any other) only when it changed."""
    with _lock:
        key = str(path.resolve())
        current = _warm.get(key)
        if current is not None and current.checkpoint == tf.train.latest_checkpoint(str(path)):
            return current
        for old in _warm.values():
            old.close()
        _warm.clear()
        _warm[key] = Sampler(path)
        return _warm[key]


def generate(
    *,
    path: Path,
    nsamples: int,
    batch_size: int,
    length: int,
    temperature: float,
    top_k: int = 0,
    top_p: float = 0.0,
    prefix: str | None = None,
    truncate: str | None = None,
    include_prefix: bool = True,
    seed: int | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    logprobs: list[float] | None = None,
) -> tuple[list[str], dict[str, float]]:
    """All `nsamples` texts and timings; `on_chunk(done, steps)` after each batch (progress, cancel checks).

    `logprobs`: a list to receive each text's mean log-probability per token (in the texts' order)."""
    if nsamples % batch_size:
        raise ValueError("nsamples must be a multiple of batch_size.")
    base_seed = seed if seed is not None else int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]
    texts: list[str] = []
    steps = row_steps = 0
    with _lock:  # one TensorFlow run at a time in this process, and the sampler cannot be swapped mid-batch
        started = time.monotonic()
        sampler = sampler_for(path)
        loaded = time.monotonic()
        for chunk_no in range(nsamples // batch_size):
            chunk = sampler.run_chunk(
                batch_size=batch_size,
                length=length,
                temperature=temperature,
                top_k=top_k,
                top_p=top_p,
                prefix=prefix,
                truncate=truncate,
                include_prefix=include_prefix,
                seed=(base_seed, chunk_no * 4096),
            )
            texts.extend(chunk.texts)
            if logprobs is not None:
                logprobs.extend(chunk.logprobs)
            steps += chunk.steps
            row_steps += chunk.row_steps
            if on_chunk is not None:
                on_chunk(len(texts), chunk.steps)
    done = time.monotonic()
    return texts, {"load_s": round(loaded - started, 3), "sample_s": round(done - loaded, 3), "token_steps": steps, "row_steps": row_steps}
