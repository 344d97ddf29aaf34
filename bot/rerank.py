"""Optional cross-encoder reranking (sentence-transformers `CrossEncoder`); off unless configured.

No cross-encoder ships offline, so the default is none; point `reranker` at a local model (e.g. a
multilingual MiniLM or bge-reranker) to turn it on.
Own hook instead of llama-index's `SentenceTransformerRerank`: exact legal references must stay pinned
first, which a node postprocessor cannot know; llama-index rerankers still compose via `bot/llama.py`.
"""

from __future__ import annotations

from bot.retrieval import Reranker


class CrossEncoderReranker:
    def __init__(self, model: str) -> None:
        from sentence_transformers import CrossEncoder

        self.name = model
        self._model = CrossEncoder(model, device="cpu", local_files_only=True)

    def scores(self, question: str, texts: list[str]) -> list[float]:
        if not texts:
            return []
        return [float(s) for s in self._model.predict([(question, t) for t in texts])]


def make_reranker(model: str | None) -> Reranker | None:
    return CrossEncoderReranker(model) if model else None
