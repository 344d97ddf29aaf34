from pathlib import Path

import numpy as np
import pytest

from core.embed import FakeEmbedder
from core.embed_cache import CachedEmbedder

pytestmark = pytest.mark.unit


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.queries = 0

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return super().embed_query(text)


def test_the_same_question_is_embedded_once(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, tmp_path / "v.sqlite")
    first = cached.embed_query("Was kostet ein Personalausweis?")
    assert np.array_equal(first, cached.embed_query("Was kostet ein Personalausweis?")) and inner.queries == 1
    cached.embed_query("Hundesteuer?")
    assert inner.queries == 2
    cached.close()
