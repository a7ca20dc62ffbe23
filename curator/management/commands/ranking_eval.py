"""Replay a JSON Lines file of decisions through the queue's ranker and print how well it ranks."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from curator.ranking.replay import Record, ReplayError, record_parse, replay


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _times(x: float, base: float) -> str:
    return f"{x / base:.2f}x" if base else "n/a"


class Command(BaseCommand):
    help = (
        'Replay FILE (JSON Lines of {"text", "approved", "time"}) in time order: train on the first N, rank the rest; '
        "print the AUC and the approval rate among the first K cards best first, beside arrival order and random."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON Lines file, one decision per line")
        parser.add_argument("--warmup", type=int, default=500, help="decisions to train on before ranking (default 500)")
        parser.add_argument("--k", type=int, default=200, help="cards counted at the top of each order (default 200)")
        parser.add_argument("--seed", type=int, default=0, help="seed of the random order (default 0)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["warmup"] < 2 or options["k"] < 1:
            raise CommandError("--warmup must be at least 2 and --k at least 1.")
        path = Path(options["file"])
        records: list[Record] = []
        try:
            with path.open(encoding="utf-8") as fh:
                for number, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    try:
                        raw = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise CommandError(f"{path}: line {number} is not JSON ({exc.msg}, column {exc.colno}).") from None
                    records.append(record_parse(raw, number))
            result = replay(records, warmup=options["warmup"], k=options["k"], seed=options["seed"])
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 (byte {exc.start}).") from None
        except ReplayError as exc:
            raise CommandError(f"{path}: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        r = result
        self.stdout.write(f"{r.records} decisions: trained on the first {r.warmup}, ranked {r.ranked} (approved {_pct(r.base_rate)})")
        self.stdout.write(f"AUC over the rest: {r.auc:.3f} (plain n-gram logistic regression: {r.baseline_auc:.3f})")
        self.stdout.write(f"approval rate in the first {r.k} cards:")
        self.stdout.write(f"  best first       {_pct(r.best_first):>7}  {_times(r.best_first, r.arrival)} arrival")
        self.stdout.write(f"  baseline (plain) {_pct(r.baseline_best_first):>7}  {_times(r.baseline_best_first, r.arrival)} arrival")
        self.stdout.write(f"  arrival order    {_pct(r.arrival):>7}")
        self.stdout.write(f"  random           {_pct(r.random):>7}")
        self.stdout.write(f"train {r.train_s:.2f} s, score {r.score_s:.2f} s")
