"""A learned query adapter: a linear map of the question vector, trained on a corpus's own questions.

People ask "Muss mein Vermieter mitmachen?" where the law says "Wohnungsgeber"; the embedding model was
not trained on that gap. The adapter moves the question vector towards the passages that answered
questions of the same kind (u = q + W·q, then normalised), fitted with a softmax over *every* passage of
the corpus (the gold passages against all others) and an L2 pull towards the identity. It needs no GPU: a
384×384 matrix product per question. It belongs to one embedding model and one corpus: the file names
both (the model by name and dimension, the corpus by its files' content hashes), and `auto` uses a
bundled adapter only on an index that holds that corpus. Written by `scripts/train_adapter.py`, which also
writes the leave-one-family-out adapters the benchmark measures with (a full adapter on its own training
questions would be measured in-sample). llama-index has no counterpart (its fine-tuning adapters need
torch and a training loop per run); this is a few lines of numpy.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BUNDLED_ADAPTERS = Path(__file__).parent / "data" / "adapter"
# share of files the index and the adapter's corpus must have in common (Jaccard) for `auto` to use it
SAME_CORPUS = 0.8


class AdapterFileError(ValueError):
    """An adapter file that cannot be used here; the message names the file and what to do."""


def moved(queries: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Question vectors (rows) moved by W and brought back to unit length; a row W cancels stays as it was."""
    q = np.asarray(queries, dtype=np.float32)
    u = q + q @ np.asarray(matrix, dtype=np.float32).T
    norm = np.linalg.norm(u, axis=1, keepdims=True)
    return np.where(norm > 0, u / np.where(norm > 0, norm, 1.0), q).astype(np.float32)


def question_key(question: str) -> str:
    """A short digest of a question as asked (whitespace and case folded), to tell training questions."""
    folded = " ".join(question.split()).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class QueryAdapter:
    matrix: np.ndarray  # W, d×d
    model: str  # the embedder's name the vectors came from
    documents: frozenset[str]  # content hashes of the corpus files it was trained on
    questions: frozenset[str] = frozenset()  # `question_key` of its training questions
    info: dict[str, Any] = field(default_factory=dict)  # how it was trained and what it scored
    path: Path | None = None

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[0])

    def apply(self, vector: np.ndarray) -> np.ndarray:
        """The adapted question vector, unit length (cosines stay cosines)."""
        return moved(np.asarray(vector, dtype=np.float32)[None, :], self.matrix)[0]

    def fits(self, documents: Collection[str]) -> bool:
        """Is an index of these files (content hashes) the corpus this adapter was trained on?"""
        ours, theirs = set(self.documents), set(documents)
        union = ours | theirs
        return bool(union) and len(ours & theirs) / len(union) >= SAME_CORPUS

    def trained_on(self, question: str) -> bool:
        return question_key(question) in self.questions

    def save(self, path: Path) -> None:
        meta = {"model": self.model, "documents": sorted(self.documents), "questions": sorted(self.questions),
                "info": self.info}
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:  # float16: half the size, cosines change in the fourth digit
            np.savez_compressed(handle, matrix=self.matrix.astype(np.float16), meta=np.array(json.dumps(meta)))


def load_adapter(path: Path) -> QueryAdapter:
    try:
        with np.load(path, allow_pickle=False) as data:
            matrix = data["matrix"].astype(np.float32)
            meta = json.loads(str(data["meta"]))
        adapter = QueryAdapter(matrix=matrix, model=str(meta["model"]), documents=frozenset(meta["documents"]),
                               questions=frozenset(meta.get("questions", [])), info=meta.get("info") or {},
                               path=path)
    except FileNotFoundError:
        raise AdapterFileError(f"Frage-Adapter nicht gefunden: {path} (query_adapter: Pfad prüfen, 'auto' "
                               "oder 'off')") from None
    except (KeyError, TypeError, ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise AdapterFileError(f"{path}: keine gültige Adapterdatei ({exc}); neu schreiben mit "
                               "scripts/train_adapter.py") from None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise AdapterFileError(f"{path}: die Matrix muss quadratisch sein, ist {matrix.shape}")
    return adapter


def check_model(adapter: QueryAdapter, model: str, dim: int) -> None:
    """An adapter of another embedding model would move questions to nonsense: refuse with what to do."""
    if (adapter.model, adapter.dim) != (model, dim):
        raise AdapterFileError(
            f"{adapter.path}: trainiert für das Modell {adapter.model} ({adapter.dim} Dimensionen), der Index "
            f"nutzt {model} ({dim}); query_adapter = 'off' setzen oder mit scripts/train_adapter.py neu trainieren")


def choose_adapter(setting: str, model: str, dim: int, documents: Collection[str],
                   bundled: Path = BUNDLED_ADAPTERS) -> QueryAdapter | None:
    """The adapter a setting asks for: 'off' none; 'auto' the bundled full adapter (not a leave-one-out one)
    trained for this model on this corpus, if any; otherwise the file at that path (checked)."""
    if setting == "off":
        return None
    if setting != "auto":
        adapter = load_adapter(Path(setting))
        check_model(adapter, model, dim)
        return adapter
    for path in sorted(bundled.glob("*.npz")):
        adapter = load_adapter(path)
        if not adapter.info.get("held_out") and (adapter.model, adapter.dim) == (model, dim) \
                and adapter.fits(documents):
            return adapter
    return None


def fit_adapter(queries: np.ndarray, passages: np.ndarray, relevant: np.ndarray, *, tau: float, lam: float,
                max_iter: int = 300) -> np.ndarray:
    """W minimising the mean cross-entropy of softmax(tau · cos(q + Wq, passages)) over the relevant
    passages, plus lam/2 · |W|². `queries` n×d (unit), `passages` m×d (unit), `relevant` n×m bool; every row
    needs at least one relevant passage. Deterministic (L-BFGS from W = 0)."""
    from scipy.optimize import minimize  # training only; answering needs numpy alone

    q = np.asarray(queries, dtype=np.float64)
    p = np.asarray(passages, dtype=np.float64)
    rel = np.asarray(relevant, dtype=bool)
    if not rel.any(axis=1).all():
        raise ValueError("every question needs at least one relevant passage")
    d = q.shape[1]
    result = minimize(adapter_loss, np.zeros(d * d), args=(q, p, rel, tau, lam), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter})
    return result.x.reshape(d, d).astype(np.float32)


def adapter_loss(w: np.ndarray, q: np.ndarray, p: np.ndarray, rel: np.ndarray, tau: float,
                 lam: float) -> tuple[float, np.ndarray]:
    """`fit_adapter`'s objective at the flattened W, and its gradient."""
    n, d = q.shape
    u = q + q @ w.reshape(d, d).T
    norm = np.linalg.norm(u, axis=1, keepdims=True)
    cos = (u @ p.T) / norm
    z = tau * cos
    z -= z.max(axis=1, keepdims=True)
    prob = np.exp(z)
    prob /= prob.sum(axis=1, keepdims=True)
    gold = (prob * rel).sum(axis=1, keepdims=True)
    value = float(-np.log(gold + 1e-12).mean()) + lam * float(w @ w) / 2
    grad_cos = tau * (prob - np.where(rel, prob, 0.0) / gold) / n
    grad_u = (grad_cos @ p - (grad_cos * cos).sum(axis=1, keepdims=True) * u / norm) / norm
    return value, (grad_u.T @ q).ravel() + lam * w


def dense_ranks(queries: np.ndarray, passages: np.ndarray, relevant: np.ndarray,
                adapter: np.ndarray | None = None) -> list[int | None]:
    """Per question, the 1-based rank of its first relevant passage by cosine (with `adapter` applied)."""
    q = np.asarray(queries, dtype=np.float32) if adapter is None else moved(queries, adapter)
    scores = q @ np.asarray(passages, dtype=np.float32).T
    ranks: list[int | None] = []
    for row, rel in zip(scores, relevant, strict=True):
        order = np.argsort(-row, kind="stable")
        hits = np.flatnonzero(rel[order])
        ranks.append(int(hits[0]) + 1 if len(hits) else None)
    return ranks


def ranks_summary(ranks: Sequence[int | None]) -> dict[str, float]:
    """recall@5 (first relevant within five) and hit@1 over questions."""
    n = max(len(ranks), 1)
    return {"hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
            "hit@1": sum(1 for r in ranks if r == 1) / n}
