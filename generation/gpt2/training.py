"""Finetuning with progress, cancel and resume, driving gpt-2-simple's own training graph.

gpt_2_simple.finetune() has no per-step callback and prints instead of reporting, so this module
runs its training loop itself, built from the same pieces in the same order: the checkpoint
layout and file copies, gpt_2_simple.src.model.model, the same loss, AdamOptimizer wrapped in
gpt_2_simple.src.accumulate.AccumulatingOptimizer, load_dataset + Sampler (1024-token windows),
the `counter` file for resuming, the Saver with max_to_keep=1, and sample_sequence(top_k=40,
temperature=1) for the samples. Ours: a callback after every step (progress in the database,
cancel requests) and samples started from <|startoftext|> and cut at <|endoftext|>, like a tweet.
"""

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gpt_2_simple  # noqa: F401 - turns eager mode off, as its training code needs
import tensorflow as tf
from gpt_2_simple.src import encoder, model, sample
from gpt_2_simple.src.accumulate import AccumulatingOptimizer
from gpt_2_simple.src.load_dataset import Sampler, load_dataset

from generation.gpt2.files import END_TOKEN, START_TOKEN, model_check, read_hparams
from generation.gpt2.sampler import session_config, truncate_text

WINDOW = 1024  # gpt-2-simple's sample_batch() always takes 1024 tokens


class DatasetTooSmall(Exception):
    pass


@dataclass
class Step:
    step: int
    loss: float
    avg_loss: float
    elapsed: float
    samples: list[str] = field(default_factory=list)


def finetune(
    *,
    dataset: Path,
    base_path: Path,
    run_path: Path,
    steps: int,
    batch_size: int,
    learning_rate: float,
    sample_every: int,
    save_every: int,
    on_step: Callable[[Step], bool],
    sample_length: int = 100,
    accumulate_gradients: int = 5,
) -> int:
    """Train until the run's counter reaches `steps` (resuming from run_path's last save) or on_step returns False.

    Returns the step reached; the weights of that step are saved in run_path.
    """
    model_check(base_path)
    run_path.mkdir(parents=True, exist_ok=True)
    for name in ("hparams.json", "encoder.json", "vocab.bpe"):
        shutil.copyfile(base_path / name, run_path / name)
    enc = encoder.get_encoder(str(run_path))
    hparams = model.default_hparams()
    hparams.override_from_dict(read_hparams(run_path))

    chunks = load_dataset(enc, str(dataset), 50000)
    total = sum(c.shape[0] for c in chunks)
    if total <= WINDOW:
        raise DatasetTooSmall(f"The corpus is {total} tokens long; gpt-2-simple trains on {WINDOW}-token windows, so it needs more text.")
    data_sampler = Sampler(chunks)

    graph = tf.Graph()
    with graph.as_default():
        context = tf.compat.v1.placeholder(tf.int32, [batch_size, None])
        output = model.model(hparams=hparams, X=context)
        loss = tf.reduce_mean(
            input_tensor=tf.nn.sparse_softmax_cross_entropy_with_logits(labels=context[:, 1:], logits=output["logits"][:, :-1])
        )
        sample_context = tf.compat.v1.placeholder(tf.int32, [1, None])
        tf_sample = sample.sample_sequence(
            hparams=hparams, length=sample_length, context=sample_context, batch_size=1, temperature=1.0, top_k=40
        )
        all_vars = [v for v in tf.compat.v1.trainable_variables() if "model" in v.name]
        opt = tf.compat.v1.train.AdamOptimizer(learning_rate=learning_rate)
        if accumulate_gradients > 1:
            acc = AccumulatingOptimizer(opt=opt, var_list=all_vars)
            opt_reset, opt_compute, opt_apply = acc.reset(), acc.compute_gradients(loss), acc.apply_gradients()
        else:
            grads = list(zip(tf.gradients(ys=loss, xs=all_vars), all_vars, strict=True))
            opt_apply = opt.apply_gradients(grads)
        saver = tf.compat.v1.train.Saver(var_list=all_vars, max_to_keep=1)
        sess = tf.compat.v1.Session(graph=graph, config=session_config())
    try:
        sess.run(tf.compat.v1.variables_initializer(graph.get_collection(tf.compat.v1.GraphKeys.GLOBAL_VARIABLES)))
        ckpt = tf.train.latest_checkpoint(str(run_path)) or tf.train.latest_checkpoint(str(base_path))
        saver.restore(sess, ckpt)

        counter_path = run_path / "counter"
        counter = 1
        if counter_path.exists() and tf.train.latest_checkpoint(str(run_path)):
            counter = int(counter_path.read_text()) + 1

        def save() -> None:
            saver.save(sess, os.path.join(run_path, "model"), global_step=counter - 1)
            counter_path.write_text(f"{counter - 1}\n")

        start_ids = enc.encode(START_TOKEN)

        def samples() -> list[str]:
            out = sess.run(tf_sample, feed_dict={sample_context: [start_ids]})
            text = enc.decode(out[0].tolist())
            return [truncate_text(text, prefix=START_TOKEN, truncate=END_TOKEN, include_prefix=False)]

        avg = (0.0, 0.0)
        started = time.monotonic()
        while counter <= steps:
            batch = [data_sampler.sample(WINDOW) for _ in range(batch_size)]
            if accumulate_gradients > 1:
                sess.run(opt_reset)
                for _ in range(accumulate_gradients):
                    sess.run(opt_compute, feed_dict={context: batch})
                    batch = [data_sampler.sample(WINDOW) for _ in range(batch_size)]
                v_loss = sess.run(opt_apply)
            else:
                _, v_loss = sess.run((opt_apply, loss), feed_dict={context: batch})
            avg = (avg[0] * 0.99 + float(v_loss), avg[1] * 0.99 + 1.0)
            info = Step(step=counter, loss=float(v_loss), avg_loss=avg[0] / avg[1], elapsed=time.monotonic() - started)
            if sample_every and counter % sample_every == 0:
                info.samples = samples()
            counter += 1
            if save_every and (counter - 1) % save_every == 0:
                save()
            if not on_step(info):
                break
        save()
        return counter - 1
    finally:
        sess.close()
