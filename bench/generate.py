"""Benchmark: candidates per second of our generate path against gpt-2-simple's own generate().

    .venv/bin/python -m bench.generate [--only tiny|124M|calibrated] [--calls-tiny 6] [--calls-124m 3] [--calls-calibrated 3]

Same checkpoint, same parameters (gpt-2-simple's tweet recipe: prefix <|startoftext|>, truncate
<|endoftext|>, include_prefix=False; temperature 0.7, top_p 0.9, length 100, 20 candidates a call in
one batch of 20), same machine, in one run. Each side runs in its own child process, so one side's
TensorFlow memory cannot count against the other:
- gpt-2-simple: start_tf_sess() + load_gpt2() once, then generate(..., return_as_list=True) per call,
  as a long-lived worker using the library would.
- ours: the warm sampler (generation.gpt2.sampler), loaded once, then per call generate() plus what the
  task does to every text before the insert (clean, weighted length, hash). The database insert is
  not included (it is the same few milliseconds whatever produced the texts).
Models (random weights) are built once into var/bench-models: (a) the tiny byte-level model,
(b) a 124M-shaped model with GPT-2's real vocabulary from SHARED_DATA_DIR/gpt2-vocab, (c) "124M, end-token
calibrated": a copy of (b) in which only the <|endoftext|> row (id 50256) of the token embedding model/wte
is replaced, so that at the benchmark's sampling parameters samples end after about 30 tokens, as a
tweet-finetuned model's do (see calibrate()). It is a proxy for a finetuned model, not a trained one: every
other weight is (b)'s, and the work per token is identical. The run prints the end positions it
actually produced, and first checks (greedy, top_k=1) that both sides write identical texts on it.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MODELS = BASE_DIR / "var" / "bench-models"
CALIBRATED = "124M-end-calibrated"
END_ID = 50256  # <|endoftext|> in GPT-2's vocabulary
# The end position (tokens written including the end token) the calibration aims at: about Normal(30, 8),
# i.e. tweet-sized samples and a batch of 20 whose longest sample ends after about 45 tokens.
END_TARGET_MEAN, END_TARGET_SD = 30.0, 8.0
PARAMS = {"nsamples": 20, "batch_size": 20, "length": 100, "temperature": 0.7, "top_k": 0, "top_p": 0.9}
TWEET = {"prefix": "<|startoftext|>", "truncate": "<|endoftext|>", "include_prefix": False}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import django

    django.setup()


def _rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def child(side: str, name: str, calls: int) -> dict[str, object]:
    _setup_django()
    import gpt_2_simple as gpt2

    model_dir = MODELS / "models"
    ended: list[int] = []  # samples per call that wrote the end token within `length`
    end_mean: list[float] = []  # ours only: mean and max end position (tokens incl. the end token) per batch
    end_max: list[int] = []
    row_steps: list[int] = []  # ours only: tokens written summed over the samples (the work, once finished samples drop out)
    started = time.monotonic()
    if side == "gpt-2-simple":
        sess = gpt2.start_tf_sess()
        gpt2.load_gpt2(sess, model_name=name, model_dir=str(model_dir))

        def one_call() -> tuple[int, int]:
            texts = gpt2.generate(sess, model_name=name, model_dir=str(model_dir), return_as_list=True, **PARAMS, **TWEET)
            # An untruncated text still starts with the prefix: that sample never wrote the end marker.
            ended.append(sum(not t.startswith(TWEET["prefix"]) for t in texts))
            return len(texts), int(PARAMS["length"])
    else:
        from core.tweets import text_hash, weighted_length
        from generation.batches import text_clean
        from generation.gpt2 import sampler

        warm = sampler.sampler_for(model_dir / name)
        # Keeps what each batch returned, to report where the samples ended; it adds no work to the run.
        chunks: list[sampler.Chunk] = []
        run_chunk = warm.run_chunk

        def recorded(**kwargs: object) -> sampler.Chunk:
            chunk = run_chunk(**kwargs)  # type: ignore[arg-type]
            chunks.append(chunk)
            return chunk

        warm.run_chunk = recorded  # type: ignore[method-assign]

        def one_call() -> tuple[int, int]:
            texts, timings = sampler.generate(path=model_dir / name, **PARAMS, **TWEET)  # type: ignore[arg-type]
            positions = [end or int(PARAMS["length"]) for end in chunks[-1].ends]
            ended.append(sum(end is not None for end in chunks[-1].ends))
            end_mean.append(sum(positions) / len(positions))
            end_max.append(max(positions))
            row_steps.append(int(timings["row_steps"]))
            for text in texts:
                cleaned = text_clean(text)
                if cleaned:
                    weighted_length(cleaned)
                    text_hash(cleaned)
            return len(texts), int(timings["token_steps"])

    load_s = time.monotonic() - started
    times, rss, steps, made = [], [_rss_mib()], [], 0

    for _ in range(calls):
        t = time.monotonic()
        n, s = one_call()
        times.append(time.monotonic() - t)
        made += n
        steps.append(s)
        rss.append(_rss_mib())
    steady = times[1:] or times
    return {
        "side": side,
        "model": name,
        "load_s": load_s,
        "first_s": times[0],
        "calls": calls,
        "per_s": made / sum(times),
        "steady_per_s": PARAMS["nsamples"] * len(steady) / sum(steady),
        "peak_rss_mib": max(rss),
        "rss_growth_mib": rss[-1] - rss[1],
        "token_steps": steps,
        "ended": ended,
        "end_mean": end_mean,
        "end_max": end_max,
        "row_steps": row_steps,
    }


def calibrate(src: Path, dst: Path) -> dict[str, float]:
    """Write `dst`: `src` with only the <|endoftext|> row of model/wte replaced (its input embedding and, tied,
    its output logit), so that samples end after about END_TARGET_MEAN tokens. Run in a child process.

    The logit of a token is h . wte[token], h being the final layer-normed state. The row is the ridge
    regression of the end-token logit that would give, at temperature 0.7, the hazard of a Normal(30, 8)
    end position at each step (logit = 0.7 * (log-odds(hazard) + logsumexp(other logits / 0.7)), the
    logsumexp being near constant for this model) onto h, over the states of 240 random-token sequences and
    20 sequences sampled from `src` with the benchmark's parameters. The other tokens' weights and the
    states before a sample ends are untouched, so the text before the end is what `src` would write.
    """
    import numpy as np
    import tensorflow as tf
    from gpt_2_simple.src import model

    from generation.gpt2 import sampler

    hparams = json.loads((src / "hparams.json").read_text())
    warm = sampler.Sampler(src)
    context = warm.encode(str(TWEET["prefix"]))
    generated = warm.sess.run(
        warm.tokens,
        feed_dict={
            warm.context: [context] * 20,
            warm.length: PARAMS["length"],
            warm.temperature: PARAMS["temperature"],
            warm.top_k: PARAMS["top_k"],
            warm.top_p: PARAMS["top_p"],
            warm.end_tokens: [sampler.NEVER],
            warm.end_token: sampler.NEVER,
            warm.seed: np.array([7, 0], dtype=np.int64),
        },
    )
    warm.close()
    rng = np.random.default_rng(1)
    steps = int(PARAMS["length"])
    uniform = np.concatenate([np.tile(context, (240, 1)), rng.integers(0, END_ID, (240, steps - 1))], axis=1)
    sampled = np.concatenate([np.tile(context, (20, 1)), generated], axis=1)
    sequences = np.concatenate([sampled[:, :-1], uniform])
    temperature = float(PARAMS["temperature"])
    graph = tf.Graph()
    with graph.as_default():
        hp = model.default_hparams()
        hp.override_from_dict(hparams)
        x = tf.compat.v1.placeholder(tf.int32, [None, None])
        model.model(hparams=hp, X=x)
        h_flat = graph.get_operation_by_name("model/MatMul").inputs[0]  # the input of the logits matmul
        wte = next(v for v in tf.compat.v1.global_variables() if v.name == "model/wte:0")
        row = tf.compat.v1.placeholder(tf.float32, [1, hp.n_embd])
        assign = tf.compat.v1.scatter_update(wte, [END_ID], row)
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(config=sampler.session_config()) as sess:
            saver.restore(sess, tf.train.latest_checkpoint(str(src)))
            states = []
            for start in range(0, len(sequences), 20):
                h = sess.run(h_flat, {x: sequences[start : start + 20]}).reshape(-1, len(context) - 1 + steps, hp.n_embd)
                states.append(h[:, len(context) - 1 :, :])  # the states that pick generated tokens 1..length
            # logsumexp of the other tokens' logits / temperature, on the sampled sequences (its sd is ~0.003).
            others = np.delete(states[0] @ sess.run(wte).T, END_ID, axis=2) / temperature
            top = others.max(axis=2, keepdims=True)
            lse_mean = float((np.log(np.exp(others - top).sum(axis=2)) + top[..., 0]).mean())
            del others
            position = np.arange(1, steps + 1)
            pdf = np.exp(-0.5 * ((position - END_TARGET_MEAN) / END_TARGET_SD) ** 2)
            pdf /= pdf.sum()
            survival = 1 - np.concatenate([[0.0], np.cumsum(pdf)[:-1]])
            hazard = np.clip(pdf / np.maximum(survival, 1e-12), 1e-3, 0.9)
            target = temperature * (np.log(hazard / (1 - hazard)) + lse_mean)
            design = np.concatenate(states).reshape(-1, hp.n_embd).astype(np.float64)
            y = np.tile(target, len(design) // steps)
            w = np.linalg.solve(design.T @ design + 100.0 * np.eye(hp.n_embd), design.T @ y)
            residual = float(((design @ w - y) / temperature).std())
            sess.run(assign, {row: w[np.newaxis, :].astype(np.float32)})
            dst.mkdir(parents=True, exist_ok=True)
            for name in ("hparams.json", "encoder.json", "vocab.bpe"):
                shutil.copyfile(src / name, dst / name)
            saver.save(sess, str(dst / "model.ckpt"))
    info = {
        "target_mean": END_TARGET_MEAN,
        "target_sd": END_TARGET_SD,
        "row_norm": float(np.linalg.norm(w)),
        "fit_residual_log_odds_sd": residual,
    }
    (dst / "calibration.json").write_text(json.dumps(info, indent=2))
    return info


def greedy_check(name: str) -> dict[str, object]:
    """Greedy (top_k=1) on `name`: gpt-2-simple's generate() and ours must write identical texts."""
    _setup_django()
    import gpt_2_simple as gpt2
    import tensorflow as tf

    from generation.gpt2 import sampler

    model_dir = MODELS / "models"
    greedy = {"nsamples": 2, "batch_size": 2, "length": PARAMS["length"], "temperature": 1.0, "top_k": 1}
    recipes: dict[str, dict[str, object]] = {"tweet recipe": TWEET, "no truncation": {"prefix": TWEET["prefix"], "include_prefix": True}}
    graph = tf.Graph()
    theirs = {}
    with graph.as_default():
        sess = gpt2.start_tf_sess()
        gpt2.load_gpt2(sess, model_name=name, model_dir=str(model_dir))
        for label, recipe in recipes.items():
            theirs[label] = gpt2.generate(sess, model_name=name, model_dir=str(model_dir), return_as_list=True, **greedy, **recipe)
        sess.close()
    result: dict[str, object] = {}
    for label, recipe in recipes.items():
        ours, timings = sampler.generate(path=model_dir / name, **greedy, **recipe)  # type: ignore[arg-type]
        if ours != theirs[label]:
            raise SystemExit(f"greedy check failed on {name} ({label}):\nours   {ours!r}\ntheirs {theirs[label]!r}")
        result[label] = {"identical": True, "token_steps": timings["token_steps"], "text": ours[0][:80]}
    return result


def build_models(only: str | None) -> list[str]:
    _setup_django()
    from generation.gpt2.files import tiny_model_write

    names = []
    if only in (None, "tiny"):
        if not (MODELS / "models" / "tiny" / "checkpoint").exists():
            tiny_model_write(path=MODELS / "models" / "tiny")
        names.append("tiny")
    if only in (None, "124M", "calibrated"):
        vocab = Path(os.environ.get("SHARED_DATA_DIR") or BASE_DIR.parent / "shared" / "data") / "gpt2-vocab"
        if not (vocab / "encoder.json").exists():
            print(f"SKIPPED LOUDLY: no GPT-2 vocabulary at {vocab} (set SHARED_DATA_DIR); the 124M row is missing.")
        else:
            if not (MODELS / "models" / "124M" / "checkpoint").exists():
                print("building the random 124M-shaped model (once) ...", flush=True)
                hparams = json.loads((vocab / "hparams-124M.json").read_text())
                tiny_model_write(path=MODELS / "models" / "124M", vocab_dir=vocab, hparams=hparams)
            if only != "calibrated":
                names.append("124M")
            if only in (None, "calibrated"):
                if not (MODELS / "models" / CALIBRATED / "checkpoint").exists():
                    print("calibrating the end token of a copy of the 124M model (once) ...", flush=True)
                    proc = subprocess.run(
                        [sys.executable, "-m", "bench.generate", "--calibrate"],
                        cwd=BASE_DIR,
                        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                        capture_output=True,
                        text=True,
                    )
                    if proc.returncode:
                        raise SystemExit(f"calibration failed:\n{proc.stderr[-3000:]}")
                names.append(CALIBRATED)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["tiny", "124M", "calibrated"])
    parser.add_argument("--calls-tiny", type=int, default=6)
    parser.add_argument("--calls-124m", type=int, default=3)
    parser.add_argument("--calls-calibrated", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "MODEL", "CALLS"), help=argparse.SUPPRESS)
    parser.add_argument("--calibrate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--greedy-check", metavar="MODEL", action="append", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], int(args.child[2]))))
        return
    if args.calibrate:
        _setup_django()
        print(json.dumps(calibrate(MODELS / "models" / "124M", MODELS / "models" / CALIBRATED)))
        return
    if args.greedy_check:
        print(json.dumps({name: greedy_check(name) for name in args.greedy_check}))
        return
    rows = []
    checks = {}
    for name in build_models(args.only):
        calls = {"tiny": args.calls_tiny, "124M": args.calls_124m}.get(name, args.calls_calibrated)
        if name == CALIBRATED:
            # On the calibrated model greedy decoding writes the end token at once (it is the single most likely
            # token from the first step on), so the plain 124M model, which differs only in that row, is checked
            # too: there greedy writes all `length` tokens.
            print(f"greedy check on 124M and {name}: both sides must write identical texts ...", flush=True)
            proc = subprocess.run(
                [sys.executable, "-m", "bench.generate", "--greedy-check", "124M", "--greedy-check", name],
                cwd=BASE_DIR,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                capture_output=True,
                text=True,
            )
            if proc.returncode:
                raise SystemExit(f"greedy check on {name} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
            checks.update(json.loads(proc.stdout.strip().splitlines()[-1]))
        for side in ("gpt-2-simple", "ours"):
            print(f"running {side} on {name} ({calls} calls of {PARAMS['nsamples']}) ...", flush=True)
            env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
            proc = subprocess.run(
                [sys.executable, "-m", "bench.generate", "--child", side, name, str(calls)],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode:
                raise SystemExit(f"{side} on {name} failed:\n{proc.stderr[-3000:]}")
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print()
    for name, check in checks.items():
        print(f"greedy check on {name} (top_k=1, temperature 1, 2 samples, length {PARAMS['length']}): {json.dumps(check)}")
    if CALIBRATED in {r["model"] for r in rows}:
        calibration = json.loads((MODELS / "models" / CALIBRATED / "calibration.json").read_text())
        print(f"{CALIBRATED}: only the <|endoftext|> row of model/wte differs from 124M; calibration {json.dumps(calibration)}")
    print(f"parameters: {PARAMS} {TWEET}; CPU only ({os.cpu_count()} cores)")
    print(
        "| model | side | load s | first call s | candidates/s (all calls) | steady candidates/s | ratio (steady) | peak RSS MiB | RSS growth MiB "
        "| token steps per call | sample-tokens per call | samples ended per call | mean / max end position per batch |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    base: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["side"] == "gpt-2-simple":
            base[str(r["model"])] = r
        ends = ", ".join(f"{m:.1f} / {x}" for m, x in zip(r["end_mean"], r["end_max"], strict=True)) or "(not measured)"
        ratio = float(r["steady_per_s"]) / float(base[str(r["model"])]["steady_per_s"])
        print(
            f"| {r['model']} | {r['side']} | {r['load_s']:.1f} | {r['first_s']:.2f} | {r['per_s']:.2f} | {r['steady_per_s']:.2f} | "
            f"{ratio:.2f}x | {r['peak_rss_mib']:.0f} | {r['rss_growth_mib']:+.0f} | {r['token_steps']} | {r['row_steps'] or '(all)'} | {r['ended']} | {ends} |"
        )


if __name__ == "__main__":
    main()
