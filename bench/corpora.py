"""Corpus import speed and memory: 30,000 real tweets and 1,000,000 synthetic ones, ours against a naive import.

    SHARED_DATA_DIR=/work/shared/data .venv/bin/python -m bench.corpora [--sizes 30k,1m] [--keep-file]

Ours is `corpus_import` (streaming reader, chunked bulk insert). The baseline is what a first version
would do: `json.load` the whole file, clean every record with the same rules, build every TrainingText in a
list and hand them to one `bulk_create`. Each run happens in a fresh child process, so its peak RSS is its own,
on a fresh SQLite database in a temporary folder (or on DATABASE_URL, its rows deleted after each run).
The 1M file is made from the real tweets (first half of one tweet + second half of another, with the
flags and date of the first) in the Trump Twitter Archive format, written to var/bench/ and removed after.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = "trump_tweets_2009_2016.json"


def shared_path() -> Path:
    base = os.environ.get("SHARED_DATA_DIR") or str(ROOT.parent / "shared" / "data")
    path = Path(base) / REAL
    if not path.exists():
        sys.exit(f"{path} is missing: set SHARED_DATA_DIR to the folder holding {REAL}.")
    return path


def synthetic_write(*, real: Path, out: Path, count: int) -> None:
    """`count` tweets in the archive's format, streamed to disk (one line, like the real export)."""
    tweets = json.loads(real.read_text(encoding="utf-8"))
    n = len(tweets)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for i in range(count):
            # b depends on the round (i // n) too, so the million pairs are (almost all) different texts.
            a, b = tweets[i % n], tweets[(i * 7919 + (i // n) * 104729 + 13) % n]
            wa, wb = a["text"].split(" "), b["text"].split(" ")
            text = " ".join(wa[: max(1, len(wa) // 2)] + wb[len(wb) // 2 :])
            item = {**a, "text": text, "id_str": str(10**15 + i)}
            fh.write(("," if i else "") + json.dumps(item))
        fh.write("]")


def child(kind: str, path: str, name: str) -> None:
    """One measured import in this process; prints a JSON line."""
    var = tempfile.mkdtemp(prefix="bench-corpora-")
    os.environ.setdefault("VAR_DIR", var)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("TESTING", "1")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import psutil

    rss_before = psutil.Process().memory_info().rss
    started = time.perf_counter()
    kept = _ours(path, name) if kind == "ours" else _naive(path, name)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    from corpora.models import Corpus

    corpus = Corpus.objects.get(name=name)
    assert corpus.texts.count() == kept
    if os.environ.get("DATABASE_URL"):
        corpus.texts.all()._raw_delete(corpus.texts.db)
        corpus.delete()
    print(json.dumps({"seconds": seconds, "peak_rss": peak, "rss_before": rss_before, "kept": kept}))


def _ours(path: str, name: str) -> int:
    from corpora.services import corpus_import

    return corpus_import(name=name, path_or_file=path, options={}, by=None, max_bytes=1 << 40).kept


def _naive(path: str, name: str) -> int:
    from django.db import transaction

    from corpora.cleaning import Cleaner, options_normalise
    from corpora.formats import Record, _date
    from corpora.models import Corpus, TrainingText

    with open(path, encoding="utf-8-sig") as fh:
        items = json.load(fh)
    cleaner = Cleaner(options=options_normalise({}))
    rows = []
    with transaction.atomic():
        corpus = Corpus.objects.create(name=name, format="trump_json")
        for item in items:
            record = Record(
                text=item["text"],
                original=item["text"],
                external_id=item["id_str"],
                posted_at=_date(item["created_at"]),
                retweet=item["is_retweet"],
                reply=bool(item["in_reply_to_user_id_str"]),
            )
            kept = cleaner.clean(record)
            if kept:
                rows.append(
                    TrainingText(
                        corpus=corpus,
                        position=cleaner.kept - 1,
                        text=kept.text,
                        original=record.original,
                        external_id=record.external_id,
                        posted_at=record.posted_at,
                    )
                )
        TrainingText.objects.bulk_create(rows)
        Corpus.objects.filter(pk=corpus.pk).update(kept_count=cleaner.kept, read_count=cleaner.read)
    return cleaner.kept


def measure(kind: str, path: Path, name: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.corpora", "--child", kind, str(path), name], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{kind} import of {path.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def mib(n: float) -> str:
    return f"{n / (1 << 20):,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="30k,1m", help="comma-separated: 30k (the real file), 1m (synthetic)")
    parser.add_argument("--keep-file", action="store_true", help="keep the generated 1M file in var/bench/")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "PATH", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    real = shared_path()
    db = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    fresh = "database" if db == "SQLite" else "process (its rows deleted after)"
    print(f"Corpus import benchmark, {db}, {os.cpu_count()} cores. Each run: a fresh {fresh}.\n")
    header = f"{'file':<28}{'size':>10} | {'ours s':>8}{'naive s':>9}{'ratio':>7} | {'ours peak RSS':>14}{'naive peak RSS':>15}{'ratio':>7} | kept"
    print(header)
    print("-" * len(header))
    synthetic = ROOT / "var" / "bench" / "corpora-1m.json"
    try:
        for size in args.sizes.split(","):
            if size == "30k":
                path = real
            elif size == "1m":
                if not synthetic.exists():
                    started = time.perf_counter()
                    synthetic_write(real=real, out=synthetic, count=1_000_000)
                    print(f"(wrote {synthetic} in {time.perf_counter() - started:.0f} s)")
                path = synthetic
            else:
                sys.exit(f"Unknown size {size!r}: use 30k or 1m.")
            ours = measure("ours", path, f"bench-ours-{size}")
            naive = measure("naive", path, f"bench-naive-{size}")
            assert ours["kept"] == naive["kept"], (ours, naive)
            print(
                f"{path.name:<28}{mib(path.stat().st_size):>10} | {ours['seconds']:>8.1f}{naive['seconds']:>9.1f}{naive['seconds'] / ours['seconds']:>6.2f}x"
                f" | {mib(ours['peak_rss']):>14}{mib(naive['peak_rss']):>15}{naive['peak_rss'] / ours['peak_rss']:>6.1f}x | {int(ours['kept']):,}"
            )
    finally:
        if synthetic.exists() and not args.keep_file:
            synthetic.unlink()
    print("\nratio = naive / ours (above 1: ours is faster / smaller). Peak RSS includes Django itself")
    print(f"(about {mib(ours['rss_before'])} before the import starts).")


if __name__ == "__main__":
    main()
