"""Benchmark: candidates per second of our generate path against gpt-2-simple's own generate().

    .venv/bin/python -m bench.generate [--only tiny|124M] [--calls-tiny 5] [--calls-124m 3]

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
(b) a 124M-shaped model with GPT-2's real vocabulary from SHARED_DATA_DIR/gpt2-vocab.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
MODELS = BASE_DIR / "var" / "bench-models"
PARAMS = {"nsamples": 20, "batch_size": 20, "length": 100, "temperature": 0.7, "top_k": 0, "top_p": 0.9}
TWEET = {"prefix": "<|startoftext|>", "truncate": "<|endoftext|>", "include_prefix": False}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "curator.settings")
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
    started = time.monotonic()
    if side == "gpt-2-simple":
        sess = gpt2.start_tf_sess()
        gpt2.load_gpt2(sess, model_name=name, model_dir=str(model_dir))

        def one_call() -> tuple[int, int]:
            texts = gpt2.generate(sess, model_name=name, model_dir=str(model_dir), return_as_list=True, **PARAMS, **TWEET)
            return len(texts), PARAMS["length"]
    else:
        from curator.tweets import text_hash, weighted_length
        from generation.gpt2 import sampler
        from generation.services import text_clean

        sampler.sampler_for(model_dir / name)

        def one_call() -> tuple[int, int]:
            texts, timings = sampler.generate(path=model_dir / name, **PARAMS, **TWEET)
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
    }


def build_models(only: str | None) -> list[str]:
    _setup_django()
    from generation.gpt2.files import tiny_model_write

    names = []
    if only in (None, "tiny"):
        if not (MODELS / "models" / "tiny" / "checkpoint").exists():
            tiny_model_write(path=MODELS / "models" / "tiny")
        names.append("tiny")
    if only in (None, "124M"):
        vocab = Path(os.environ.get("SHARED_DATA_DIR") or BASE_DIR.parent / "shared" / "data") / "gpt2-vocab"
        if not (vocab / "encoder.json").exists():
            print(f"SKIPPED LOUDLY: no GPT-2 vocabulary at {vocab} (set SHARED_DATA_DIR); the 124M row is missing.")
        else:
            if not (MODELS / "models" / "124M" / "checkpoint").exists():
                print("building the random 124M-shaped model (once) ...", flush=True)
                hparams = json.loads((vocab / "hparams-124M.json").read_text())
                tiny_model_write(path=MODELS / "models" / "124M", vocab_dir=vocab, hparams=hparams)
            names.append("124M")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["tiny", "124M"])
    parser.add_argument("--calls-tiny", type=int, default=6)
    parser.add_argument("--calls-124m", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "MODEL", "CALLS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], int(args.child[2]))))
        return
    rows = []
    for name in build_models(args.only):
        calls = args.calls_tiny if name == "tiny" else args.calls_124m
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
    print(f"parameters: {PARAMS} {TWEET}; CPU only ({os.cpu_count()} cores)")
    print(
        "| model | side | load s | first call s | candidates/s (all calls) | steady candidates/s | ratio (steady) | peak RSS MiB | RSS growth MiB | token steps per call |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    base: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["side"] == "gpt-2-simple":
            base[str(r["model"])] = r  # type: ignore[assignment]
        ratio = float(r["steady_per_s"]) / float(base[str(r["model"])]["steady_per_s"])  # type: ignore[arg-type]
        print(
            f"| {r['model']} | {r['side']} | {r['load_s']:.1f} | {r['first_s']:.2f} | {r['per_s']:.2f} | {r['steady_per_s']:.2f} | "
            f"{ratio:.2f}x | {r['peak_rss_mib']:.0f} | {r['rss_growth_mib']:+.0f} | {r['token_steps']} |"
        )


if __name__ == "__main__":
    main()
