"""Tokenising a field in chunks of documents gives the same vocabulary and counts as all at
once (chunks bound the memory of a large corpus's token strings)."""
import numpy as np
import pytest

from core import index as index_module
from core.index import TokenisedCorpus, build_index
from core.store import load_corpus


@pytest.mark.parametrize("tokens", ["word", "4gram"])
def test_chunked_tokenisation_changes_nothing(tiny_db, monkeypatch, tokens):
    whole = TokenisedCorpus(load_corpus(tiny_db))
    a = build_index(whole, tokens, {"sr", "ocr", "c"})
    monkeypatch.setattr(index_module, "TOKENISE_CHUNK", 3)   # 10 documents: chunks of 3, 3, 3, 1
    chunked = TokenisedCorpus(load_corpus(tiny_db))
    b = build_index(chunked, tokens, {"sr", "ocr", "c"})
    assert whole.vocabulary(tokens) == chunked.vocabulary(tokens)
    np.testing.assert_array_equal(a.columns, b.columns)
    assert (a.counts != b.counts).nnz == 0 and a.counts.nnz > 0
    assert b.counts.has_sorted_indices
