"""Training and scoring, without the database: the queue, `ranking_eval` and the benchmark share this code.

A logistic regression (scikit-learn, liblinear: on these sparse n-grams ~5x faster than lbfgs) over `features.matrix`. Its evaluation is the AUC on the most
recent decisions held out (trained on the older ones), then the model that is kept is refitted on all.
"""

import pickle
import zlib
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from curator.ranking.features import NUMBERS_WEIGHT, Item, matrix

# The share of the newest decisions held out to evaluate a model before it is refitted on all of them.
HOLDOUT = 0.2


@dataclass
class Ranker:
    model: LogisticRegression
    plain: bool = False
    # The numbers' weight it was trained with; models stored before the weight existed were trained at 1.0.
    weight: float = 1.0

    def predict(self, items: list[Item]) -> np.ndarray:
        """The keep probability of each item (0..1)."""
        if not items:
            return np.zeros(0)
        return self.model.predict_proba(matrix(items, plain=self.plain, weight=self.weight))[:, 1]

    def dumps(self) -> bytes:
        # Weights of n-grams never seen in training stay 0: compressed, a model is small whatever the buckets.
        return zlib.compress(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL), 6)

    @staticmethod
    def loads(blob: bytes) -> "Ranker":
        ranker = pickle.loads(zlib.decompress(blob))  # our own rows, written by dumps(): never a pickle from outside
        assert isinstance(ranker, Ranker)
        return ranker


def _fit(x: sparse.csr_matrix, y: np.ndarray, *, plain: bool) -> Ranker:
    if y.all() or not y.any():
        raise ValueError("Training needs both approved and rejected decisions.")
    model = LogisticRegression(C=1.0, solver="liblinear").fit(x, y)
    return Ranker(model=model, plain=plain, weight=NUMBERS_WEIGHT)


def ranker_fit(*, items: list[Item], labels: list[bool], plain: bool = False) -> Ranker:
    """Fit on items and their labels (True = kept). Needs both labels present."""
    return _fit(matrix(items, plain=plain), np.asarray(labels, dtype=bool), plain=plain)


def auc(labels: list[bool] | np.ndarray, scores: np.ndarray) -> float | None:
    y = np.asarray(labels, dtype=bool)
    if y.all() or not y.any():
        return None
    return float(roc_auc_score(y, scores))


@dataclass
class Trained:
    ranker: Ranker
    auc: float | None  # on the newest HOLDOUT share, trained on the rest; None when it could not be measured
    held_out: int


def ranker_train(*, items: list[Item], labels: list[bool], plain: bool = False) -> Trained:
    """Evaluate on the newest decisions (items in time order), then refit on all of them."""
    x, y = matrix(items, plain=plain), np.asarray(labels, dtype=bool)
    cut = int(len(items) * (1 - HOLDOUT))
    score: float | None = None
    older, newer = y[:cut], y[cut:]
    if len(newer) and older.any() and not older.all() and newer.any() and not newer.all():
        held = _fit(x[:cut], older, plain=plain)
        score = auc(newer, held.model.predict_proba(x[cut:])[:, 1])
    return Trained(ranker=_fit(x, y, plain=plain), auc=score, held_out=len(newer))
