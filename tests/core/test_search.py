"""Scoring many queries with one sparse product, matches, the weighted matrix, and a score
explained term by term, on an index small enough to check by hand."""
import numpy as np
import pandas as pd
import pytest

from core.index import TokenisedCorpus, build_index
from core.scheme import Spec
from core.search import document_matrix, explain, matches, score
from core.store import Corpus

DOCS = ["apple apple pie", "cherry pie", "durian"]


def index():
    corpus = Corpus(pd.DataFrame({"id": ["1", "2", "3"], "description": DOCS}))
    return build_index(TokenisedCorpus(corpus), "word", frozenset(), False)


def column(idx, term):
    return next(c for c in range(idx.vocab_size) if idx.term(c) == term)


def test_matches_share_a_term():
    idx = index()
    q = idx.query_matrix(["pie", "apple durian", "zebra"])
    np.testing.assert_array_equal(matches(idx, q), [[True, True, False], [True, False, True], [False] * 3])


def test_many_queries_in_one_product():
    idx = index()
    q = idx.query_matrix(["pie", "apple pie", "zebra"])
    s = score(idx, "txx", q)   # raw counts: a query term adds its count in the document
    np.testing.assert_array_equal(s, [[1, 1, 0], [3, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(score(idx, Spec("txx"), q), s)


def test_the_weighted_matrix_gives_the_scores():
    idx = index()
    w = document_matrix(idx, "txx")
    assert w[0, column(idx, "apple")] == 2 and w[1, column(idx, "cherry")] == 1
    q = idx.query_matrix(["apple cherry"])
    np.testing.assert_allclose((q @ w.T).toarray(), score(idx, "txx", q))
    assert document_matrix(idx, "txx") is w   # cached on the index


def test_explain_splits_a_score_into_its_terms():
    idx = index()
    parts = explain(idx, "bm25(k1=1.2,b=0.75)", "pie apple zebra", 0)
    assert parts["term"].tolist() == ["apple", "pie"]   # largest contribution first
    assert parts["tf"].tolist() == [2, 1]
    s = score(idx, "bm25(k1=1.2,b=0.75)", idx.query_matrix(["pie apple zebra"]))
    assert parts["contribution"].sum() == pytest.approx(s[0, 0])
    nothing = explain(idx, "txx", "zebra", 0)
    assert nothing.empty and list(nothing.columns) == ["term", "tf", "contribution"]


def test_only_sums_of_terms_are_explained():
    with pytest.raises(ValueError, match="only available for SMART or bm25"):
        explain(index(), "lmdir", "apple", 0)
