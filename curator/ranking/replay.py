"""Replay decisions in time order through the queue's ranker (`manage.py ranking_eval`, `bench/ranking.py`).

Train on the first `warmup` decisions, rank the rest, and measure: the AUC over the rest, and the approval
rate among the first `k` cards best first, beside arrival order (the first `k` as they came) and random
order (a seeded shuffle). A plain logistic regression on the n-grams alone is measured the same way, in the
same run, as the baseline.
"""

import random
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np

from curator.ranking.features import Item
from curator.ranking.model import auc, ranker_fit


class ReplayError(ValueError):
    """A record that cannot be replayed (said with its line number)."""


@dataclass(frozen=True)
class Record:
    text: str
    approved: bool
    time: str


def record_parse(raw: Any, line: int) -> Record:
    if not isinstance(raw, dict):
        raise ReplayError(f"line {line}: expected an object with text, approved and time.")
    text, approved, when = raw.get("text"), raw.get("approved"), raw.get("time")
    if not isinstance(text, str) or not text.strip():
        raise ReplayError(f"line {line}: 'text' must be a non-empty string.")
    if not isinstance(approved, bool):
        raise ReplayError(f"line {line}: 'approved' must be true or false.")
    if not isinstance(when, str):
        raise ReplayError(f"line {line}: 'time' must be an ISO 8601 string.")
    try:
        datetime.fromisoformat(when)
    except ValueError:
        raise ReplayError(f"line {line}: 'time' {when!r} is not an ISO 8601 time.") from None
    return Record(text=text, approved=approved, time=when)


@dataclass
class Result:
    records: int
    warmup: int
    k: int
    ranked: int
    base_rate: float
    auc: float | None
    best_first: float
    baseline_auc: float | None
    baseline_best_first: float
    arrival: float
    random: float
    train_s: float
    score_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _top(labels: np.ndarray, scores: np.ndarray, k: int) -> float:
    order = np.argsort(-scores, kind="stable")  # ties keep arrival order
    return float(labels[order[:k]].mean())


def replay(records: list[Record], *, warmup: int, k: int, seed: int = 0) -> Result:
    """Records are sorted by time (stable); the first `warmup` train, the rest are ranked."""
    ordered = sorted(records, key=lambda r: datetime.fromisoformat(r.time).timestamp())
    if len(ordered) <= warmup:
        raise ReplayError(f"{len(ordered)} records: more than the warm-up ({warmup}) are needed to rank any.")
    train, rest = ordered[:warmup], ordered[warmup:]
    labels = [r.approved for r in train]
    if all(labels) or not any(labels):
        raise ReplayError("The warm-up must hold both approved and rejected records.")
    k = min(k, len(rest))
    items = [Item(text=r.text) for r in train]
    rest_items = [Item(text=r.text) for r in rest]
    y = np.array([r.approved for r in rest], dtype=bool)
    started = time.perf_counter()
    ranker = ranker_fit(items=items, labels=labels)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    scores = ranker.predict(rest_items)
    score_s = time.perf_counter() - started
    plain = ranker_fit(items=items, labels=labels, plain=True).predict(rest_items)
    shuffled = list(range(len(rest)))
    random.Random(seed).shuffle(shuffled)
    return Result(
        records=len(ordered),
        warmup=warmup,
        k=k,
        ranked=len(rest),
        base_rate=float(y.mean()),
        auc=auc(y, scores),
        best_first=_top(y, scores, k),
        baseline_auc=auc(y, plain),
        baseline_best_first=_top(y, plain, k),
        arrival=float(y[:k].mean()),
        random=float(y[shuffled[:k]].mean()),
        train_s=train_s,
        score_s=score_s,
    )
