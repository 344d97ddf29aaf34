"""The query adapter: fitting, its file, and which one a setting picks (toy vectors, no model)."""

from pathlib import Path

import numpy as np
import pytest

from bot.adapter import (
    AdapterFileError,
    QueryAdapter,
    adapter_loss,
    choose_adapter,
    dense_ranks,
    fit_adapter,
    load_adapter,
    question_key,
    ranks_summary,
)

pytestmark = pytest.mark.unit


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _questions(rng: np.random.Generator, n: int) -> np.ndarray:
    """Questions that land near passage 1 although passage 2 answers them (everyday vs administrative words)."""
    base = np.zeros(8)
    base[1], base[2] = 1.0, 0.55
    return _unit(base + rng.normal(0, 0.08, (n, 8)))


def test_a_fitted_adapter_moves_new_questions_of_the_same_kind_to_their_passage() -> None:
    rng = np.random.default_rng(0)
    passages = np.eye(8)
    train, new = _questions(rng, 12), _questions(rng, 6)
    relevant = np.zeros((12, 8), bool)
    relevant[:, 2] = True
    held = np.zeros((6, 8), bool)
    held[:, 2] = True
    assert ranks_summary(dense_ranks(new, passages, held))["hit@1"] == 0.0  # passage 1 wins without it
    matrix = fit_adapter(train, passages, relevant, tau=20.0, lam=0.01)
    assert ranks_summary(dense_ranks(new, passages, held, matrix)) == {"hit@5": 1.0, "hit@1": 1.0}
    adapter = QueryAdapter(matrix=matrix, model="m", documents=frozenset())
    moved = adapter.apply(new[0])
    assert np.isclose(np.linalg.norm(moved), 1.0) and int(np.argmax(moved @ passages.T)) == 2


def test_the_gradient_is_the_objective_s_slope() -> None:
    rng = np.random.default_rng(1)
    q, p = _unit(rng.normal(size=(3, 4))), _unit(rng.normal(size=(6, 4)))
    rel = np.zeros((3, 6), bool)
    rel[[0, 1, 2], [1, 3, 3]] = True
    w = rng.normal(0, 0.1, 16)
    _, grad = adapter_loss(w, q, p, rel, 7.0, 0.3)
    step = 1e-6
    numeric = [(adapter_loss(w + step * e, q, p, rel, 7.0, 0.3)[0] - adapter_loss(w - step * e, q, p, rel, 7.0, 0.3)[0])
               / (2 * step) for e in np.eye(16)]
    assert np.allclose(grad, numeric, atol=1e-6)


def test_fitting_needs_a_relevant_passage_for_every_question() -> None:
    with pytest.raises(ValueError, match="relevant passage"):
        fit_adapter(np.eye(2), np.eye(2), np.array([[True, False], [False, False]]), tau=10.0, lam=1.0)


def test_the_file_keeps_model_corpus_and_training_questions(tmp_path: Path) -> None:
    matrix = np.arange(16, dtype=np.float32).reshape(4, 4) / 100
    path = tmp_path / "a.npz"
    QueryAdapter(matrix=matrix, model="e5", documents=frozenset({"h1", "h2"}),
                 questions=frozenset({question_key("Wer zahlt?")}), info={"tau": 1.0}).save(path)
    loaded = load_adapter(path)
    assert loaded.model == "e5" and loaded.documents == {"h1", "h2"} and loaded.info == {"tau": 1.0}
    assert np.allclose(loaded.matrix, matrix, atol=1e-3) and loaded.path == path
    assert loaded.trained_on("  wer   ZAHLT? ") and not loaded.trained_on("Wer zahlt wann?")


@pytest.mark.parametrize("content", [b"no zip", b"", b"PK\x03\x04" + b"\x00" * 40])
def test_a_broken_or_missing_file_names_itself_and_what_to_do(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "kaputt.npz"
    broken.write_bytes(content)
    with pytest.raises(AdapterFileError, match=r"kaputt\.npz.*train_adapter\.py"):
        load_adapter(broken)
    with pytest.raises(AdapterFileError, match=r"fehlt\.npz.*'off'"):
        choose_adapter(str(tmp_path / "fehlt.npz"), "e5", 4, [])


def test_auto_picks_the_full_adapter_of_this_corpus_and_model_only(tmp_path: Path) -> None:
    corpus = frozenset(f"h{i}" for i in range(10))
    eye = np.eye(4, dtype=np.float32)
    QueryAdapter(matrix=eye, model="e5", documents=corpus, info={"held_out": "extern"}).save(tmp_path / "a-ohne.npz")
    QueryAdapter(matrix=eye, model="e5", documents=corpus).save(tmp_path / "b.npz")
    QueryAdapter(matrix=eye, model="other", documents=corpus).save(tmp_path / "c.npz")
    picked = choose_adapter("auto", "e5", 4, [*corpus, "h10"], bundled=tmp_path)  # one file added: same corpus
    assert picked is not None and picked.path == tmp_path / "b.npz"
    assert choose_adapter("auto", "e5", 4, ["x1", "x2", "h1"], bundled=tmp_path) is None  # a city's own files
    assert choose_adapter("auto", "e5", 8, corpus, bundled=tmp_path) is None  # another model
    assert choose_adapter("off", "e5", 4, corpus, bundled=tmp_path) is None
    with pytest.raises(AdapterFileError, match=r"other.*'off'"):
        choose_adapter(str(tmp_path / "c.npz"), "e5", 4, corpus)


def test_the_pool_gives_the_model_s_own_cosine_and_never_mixes_the_scales() -> None:
    from bot.candidates import CandidatePool, QueryTerms
    from core.records import Chunk

    chunks = {cid: Chunk(id=cid, doc_id="c/a.md", source="a.md", title="A", text="Text", ordinal=i, collection="c",
                         text_hash=cid) for i, cid in enumerate(("a", "b"))}
    plain = CandidatePool(query=QueryTerms(terms=[]), dense={"a": 0.8, "b": 0.7}, stored=chunks)
    assert plain.cosine("a") == 0.8 and [s.dense for s in plain.signals(own_scale=True)] == [0.8, 0.7]
    moved = CandidatePool(query=QueryTerms(terms=[]), dense={"a": 0.3, "b": 0.4}, raw_dense={"a": 0.8},
                          stored=chunks)
    assert moved.cosine("a") == 0.8 and moved.cosine("b") is None  # no vector read: no cosine, not the moved one
    assert [s.dense for s in moved.signals(own_scale=True)] == [0.8, 0.0]
    assert [s.dense for s in moved.signals()] == [0.3, 0.4]
