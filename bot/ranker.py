"""Small learned models over `bot.features`: a linear ranker and a linear abstention classifier.

Both are logistic regressions stored as JSON (feature names, standardisation, weights): no pickle,
no GPU, a dot product per candidate at question time. `scripts/train_models.py` trains them on the
project's question sets with leave-one-set-out validation and writes `bot/data/*.json`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data"
RANKER_FILE = DATA / "ranker.json"
ABSTENTION_FILE = DATA / "abstention.json"


class ModelFileError(ValueError):
    """A model file that does not fit this version of Auskunft; the message says what to do."""


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float = 0.5  # operating point of a classifier (probability above which it says yes)
    info: dict | None = None  # how it was trained and what it scored; for the README and reports

    def decision(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds per row."""
        if matrix.shape[0] == 0:
            return np.zeros(0)
        return ((matrix - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(matrix)))

    def to_json(self) -> str:
        return json.dumps({
            "features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "weights": self.weights.tolist(), "bias": self.bias, "threshold": self.threshold, "info": self.info or {},
        }, ensure_ascii=False, indent=1)


def load_model(path: Path, expected: Sequence[str]) -> LinearModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = LinearModel(
            features=tuple(data["features"]), mean=np.array(data["mean"], dtype=float),
            scale=np.array(data["scale"], dtype=float), weights=np.array(data["weights"], dtype=float),
            bias=float(data["bias"]), threshold=float(data.get("threshold", 0.5)), info=data.get("info") or {},
        )
    except FileNotFoundError:
        raise ModelFileError(f"Modelldatei fehlt: {path} (scripts/train_models.py erzeugt sie)") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: keine gültige Modelldatei ({exc}); neu trainieren mit scripts/train_models.py") \
            from None
    if model.features != tuple(expected):
        raise ModelFileError(
            f"{path}: trainiert für die Merkmale {list(model.features)}, erwartet {list(expected)}; "
            "neu trainieren mit scripts/train_models.py"
        )
    return model


def fit_logistic(x: np.ndarray, y: np.ndarray, features: Sequence[str], *, c: float = 1.0,
                 balanced: bool = True, info: dict | None = None) -> LinearModel:
    """Fit with scikit-learn (training only; answering needs numpy alone)."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=2000)
    clf.fit((x - mean) / scale, y)
    return LinearModel(tuple(features), mean, scale, clf.coef_[0].copy(), float(clf.intercept_[0]), info=info)


def fit_pairwise(groups: Sequence[tuple[np.ndarray, np.ndarray]], features: Sequence[str], *, c: float = 1.0,
                 info: dict | None = None) -> LinearModel:
    """Pairwise logistic regression (RankNet-style, linear): learn to put each relevant candidate above
    every irrelevant one of the same question (sampling only the hardest negatives was tried: the model
    then never saw the weak candidates it must keep down, and lost 0.1-0.3 recall@5). `groups`:
    (features, relevant) per question. Only the order matters, so the bias is 0."""
    from sklearn.linear_model import LogisticRegression

    stacked = np.vstack([x for x, _ in groups])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale == 0] = 1.0
    diffs = []
    for x, relevant in groups:
        z = (x - mean) / scale
        positives, others = z[relevant], z[~relevant]
        if not len(positives) or not len(others):
            continue
        for p in positives:
            diffs.append(p - others)
    d = np.vstack(diffs)
    x = np.vstack([d, -d])
    y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    clf = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    clf.fit(x, y)
    return LinearModel(tuple(features), mean, scale, clf.coef_[0].copy(), 0.0, info=info)
