"""A warm sampler: one TensorFlow graph and session per checkpoint, kept across generate tasks.

What is gpt-2-simple's and what is ours:
- The network is gpt_2_simple.src.model.model (called exactly as gpt_2_simple.src.sample does,
  one token at a time with the key/value `past`), the weights are restored as load_gpt2() does,
  top_p is gpt_2_simple.src.sample.top_p_logits itself, and the start/end-token truncation
  is gpt_2_simple.generate()'s own code, so texts come out exactly as its generate() shapes them.
- Ours: temperature, top_k, top_p, length, batch size and seed are placeholders, so one graph
  serves every batch (gpt-2-simple builds a new sampling graph on every generate() call and
  grows); the graph is finalised, so nothing can add to it later; and the tf.while_loop stops
  as soon as every sample in the batch has produced the end token, instead of always running
  `length` steps. Sampling draws from the same distribution (tf.random.stateless_categorical
  on the same logits), seeded per batch so a seed reproduces a batch.
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


def _top_k_logits(logits: Any, k: Any) -> Any:
    """gpt_2_simple.src.sample.top_k_logits, for a k that is a tensor (its `if k == 0` needs a Python int)."""

    def _top_k() -> Any:
        values, _ = tf.nn.top_k(logits, k=k)
        min_values = values[:, -1, tf.newaxis]
        return tf.compat.v1.where(logits < min_values, tf.ones_like(logits, dtype=logits.dtype) * -1e10, logits)

    return tf.cond(pred=tf.equal(k, 0), true_fn=lambda: logits, false_fn=_top_k)


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


@dataclass
class Chunk:
    texts: list[str]
    steps: int  # tokens generated before every sample had ended (or the length ran out)


class Sampler:
    def __init__(self, path: Path) -> None:
        model_check(path)
        self.path = path
        self.checkpoint = tf.train.latest_checkpoint(str(path))
        self.enc = encoder.get_encoder(str(path))
        self.hparams = model.default_hparams()
        self.hparams.override_from_dict(read_hparams(path))
        self.graph = tf.Graph()
        with self.graph.as_default():
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

            def body(i: Any, past: Any, prev: Any, output: Any, window: Any, done: Any) -> list[Any]:
                logits, presents = step(prev[:, tf.newaxis], past=past)
                logits = logits[:, -1, :] / self.temperature
                logits = tf.cond(
                    self.top_p > 0.0, lambda: sample.top_p_logits(logits, p=self.top_p), lambda: _top_k_logits(logits, self.top_k)
                )
                step_seed = self.seed + tf.stack([tf.constant(0, tf.int64), tf.cast(i, tf.int64)])
                samples = tf.random.stateless_categorical(logits, num_samples=1, seed=step_seed, dtype=tf.int32)
                window = tf.concat([window[:, 1:], samples], axis=1)
                ended = tf.logical_or(
                    tf.reduce_all(tf.equal(window, self.end_tokens[tf.newaxis, :]), axis=1),
                    tf.equal(window[:, -1], self.end_token),
                )
                return [
                    i + 1,
                    tf.concat([past, presents], axis=-2),
                    tf.squeeze(samples, axis=[1]),
                    tf.concat([output, samples], axis=1),
                    window,
                    tf.logical_or(done, ended),
                ]

            def cond(i: Any, past: Any, prev: Any, output: Any, window: Any, done: Any) -> Any:
                return tf.logical_not(tf.reduce_all(done))

            steps, _, _, tokens, _, _ = tf.nest.map_structure(
                tf.stop_gradient,
                tf.while_loop(
                    cond=cond,
                    body=body,
                    maximum_iterations=self.length,
                    loop_vars=[
                        tf.constant(0),
                        context_past,
                        self.context[:, -1],
                        self.context,
                        tf.fill([batch, tf.shape(self.end_tokens)[0]], -1),
                        tf.zeros([batch], dtype=tf.bool),
                    ],
                    shape_invariants=[
                        tf.TensorShape([]),
                        tf.TensorShape(past_shape),
                        tf.TensorShape([None]),
                        tf.TensorShape([None, None]),
                        tf.TensorShape([None, None]),
                        tf.TensorShape([None]),
                    ],
                ),
            )
        self.tokens = tokens
        self.steps = steps

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
        out, steps = self.sess.run(
            (self.tokens, self.steps),
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
        texts = []
        for row in out:
            # generate() decodes output[:, 1:] and puts back the first context token when there is a prefix.
            gen_text = self.enc.decode(row.tolist() if prefix else row[1:].tolist())
            texts.append(truncate_text(gen_text, prefix=prefix, truncate=truncate, include_prefix=include_prefix))
        return Chunk(texts=texts, steps=int(steps))

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
) -> tuple[list[str], dict[str, float]]:
    """All `nsamples` texts and timings; `on_chunk(done, steps)` after each batch (progress, cancel checks)."""
    if nsamples % batch_size:
        raise ValueError("nsamples must be a multiple of batch_size.")
    base_seed = seed if seed is not None else int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]
    texts: list[str] = []
    steps = 0
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
            steps += chunk.steps
            if on_chunk is not None:
                on_chunk(len(texts), chunk.steps)
    done = time.monotonic()
    return texts, {"load_s": round(loaded - started, 3), "sample_s": round(done - loaded, 3), "token_steps": steps}
