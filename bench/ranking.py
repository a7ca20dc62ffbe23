"""Benchmark of the ranker: a real human signal stands in for a curator.

    SHARED_DATA_DIR=/work/shared/data .venv/bin/python -m bench.ranking [--warmup 500] [--k 200]

The Trump Twitter Archive export (`trump_tweets_2009_2016.json`, not ours to ship: read from SHARED_DATA_DIR):
originals only (no retweets), links cut; a tweet counts as "approved" when its favourites are in the top
quarter of its month (at or above the month's 75th percentile). 2013-2016 are written to a temporary JSON Lines
file and replayed in time order through `manage.py ranking_eval` (the queue's ranker code): warm-up 500, K 200,
beside a plain logistic regression on the hashed n-grams, arrival order and random.

Then the speeds the queue depends on: retraining on 10,000 decisions and scoring 100,000 pending candidates
(texts drawn from the same tweets).
"""

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from io import StringIO
from pathlib import Path

URL = re.compile(r"https?://\S+|\bwww\.\S+|\bpic\.twitter\.com/\S+", re.IGNORECASE)


def trump_records(path: Path) -> list[dict[str, object]]:
    import numpy as np

    tweets = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for t in tweets:
        if t["is_retweet"] or t["text"].lstrip().startswith("RT @"):
            continue
        text = " ".join(URL.sub(" ", t["text"]).split())
        if not text:
            continue
        when = datetime.strptime(t["created_at"], "%a %b %d %H:%M:%S %z %Y")
        rows.append((when, text, int(t["favorite_count"])))
    by_month: dict[tuple[int, int], list[int]] = defaultdict(list)
    for when, _text, favs in rows:
        by_month[(when.year, when.month)].append(favs)
    cut = {month: float(np.percentile(favs, 75)) for month, favs in by_month.items()}
    return [
        {"text": text, "approved": favs >= cut[(when.year, when.month)], "time": when.isoformat()}
        for when, text, favs in sorted(rows, key=lambda r: r[0])
        if 2013 <= when.year <= 2016
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--k", type=int, default=200)
    parser.add_argument("--train", type=int, default=10_000, help="decisions to time a retrain on")
    parser.add_argument("--score", type=int, default=100_000, help="pending candidates to time scoring")
    args = parser.parse_args()
    data = Path(os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
    source = data / "trump_tweets_2009_2016.json"
    if not source.exists():
        sys.exit(f"{source} not found: set SHARED_DATA_DIR to the folder holding trump_tweets_2009_2016.json")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from curator.ranking.features import Item
    from curator.ranking.model import ranker_train

    records = trump_records(source)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trump.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        out = StringIO()
        call_command("ranking_eval", str(path), "--warmup", str(args.warmup), "--k", str(args.k), "--json", stdout=out)
        call_command("ranking_eval", str(path), "--warmup", str(args.warmup), "--k", str(args.k), stdout=sys.stdout)
    r = json.loads(out.getvalue())
    print()
    print(f"| order | AUC over the rest | approved in the first {r['k']} | vs arrival |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| best first (ranker) | {r['auc']:.3f} | {100 * r['best_first']:.1f}% | {r['best_first'] / r['arrival']:.2f}x |")
    print(
        f"| plain n-gram logistic regression | {r['baseline_auc']:.3f} | {100 * r['baseline_best_first']:.1f}% |"
        f" {r['baseline_best_first'] / r['arrival']:.2f}x |"
    )
    print(f"| arrival order | 0.5 | {100 * r['arrival']:.1f}% | 1.00x |")
    print(f"| random | 0.5 | {100 * r['random']:.1f}% | {r['random'] / r['arrival']:.2f}x |")

    items = [Item(text=str(rec["text"])) for rec in records]
    labels = [bool(rec["approved"]) for rec in records]
    n = min(args.train, len(items))
    started = time.perf_counter()
    trained = ranker_train(items=items[:n], labels=labels[:n])
    train_s = time.perf_counter() - started
    # Pending candidates carry the signals generation stored with them (measured here before the clock starts).
    from curator.ranking.signals import text_signals

    stored = [Item(text=it.text, numbers={**text_signals(it.text), "weighted_length": float(len(it.text))}) for it in items]
    pending = [stored[i % len(stored)] for i in range(args.score)]
    started = time.perf_counter()
    trained.ranker.predict(pending)
    score_s = time.perf_counter() - started
    print()
    print(f"retrain on {n:,} decisions (evaluate on the newest 20%, then refit on all): {train_s:.2f} s (goal: under 10 s)")
    print(f"score {args.score:,} pending candidates: {score_s:.2f} s (goal: under 10 s)")
    print(f"model size: {len(trained.ranker.dumps()) / 1024:.0f} KiB compressed")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
