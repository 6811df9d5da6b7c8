"""BM25's declared parameters, their checks and canonical form, and what k1 and b do on a
corpus small enough to score by hand (the full formula: tests/core/test_weighting.py)."""
import math

import numpy as np
import pytest

from core.config import Config
from core.scheme import Spec
from core.scoring.bm25 import SCHEME

FRUIT = ["apple pie", "apple apple tart", "cherry"]


def test_parameters_are_declared_with_defaults_and_ranges():
    assert SCHEME.name == "bm25" and SCHEME.defaults == {"k1": 1.2, "b": 0.75}
    assert SCHEME.param("k1").span == (0.0, 3.0) and SCHEME.param("k1").hi == math.inf
    assert SCHEME.param("b").span == (0.0, 1.0)
    assert SCHEME.canonical(Spec.parse("bm25(k1=1.2,b=0.75)")) == Spec("bm25")
    assert str(SCHEME.canonical(Spec.parse("bm25(k1=0.9,b=0.75)"))) == "bm25(k1=0.9)"


def test_bm25_parameters_validated(scores):
    with pytest.raises(ValueError, match="0 <= b <= 1"):
        scores(FRUIT, "bm25(k1=1.2,b=2)", "apple")
    with pytest.raises(ValueError, match="bm25 needs k1 >= 0, got k1=-1"):
        scores(FRUIT, "bm25(k1=-1)", "apple")
    with pytest.raises(ValueError, match=r"unknown bm25 parameter\(s\) \['mu'\]; known: k1, b"):
        scores(FRUIT, "bm25(mu=3)", "apple")


def test_k1_zero_weighs_a_matching_term_by_its_idf_alone(scores):
    # N = 3; df apple 2, cherry 1
    idf_apple, idf_cherry = math.log(1 + 1.5 / 2.5), math.log(1 + 2.5 / 1.5)
    np.testing.assert_allclose(scores(FRUIT, "bm25(k1=0)", "apple cherry"), [idf_apple, idf_apple, idf_cherry])


def test_b_sets_how_much_a_long_document_is_penalised(scores):
    docs = ["apple", "apple banana cherry durian"]   # lengths 1 and 4, average 2.5
    idf = math.log(1 + 0.5 / 2.5)
    np.testing.assert_allclose(scores(docs, "bm25(b=0)", "apple"), [idf, idf])   # tf 1: 2.2 / 2.2
    got = scores(docs, "bm25(b=1)", "apple")
    np.testing.assert_allclose(got, [idf * 2.2 / (1 + 1.2 / 2.5), idf * 2.2 / (1 + 1.2 * 4 / 2.5)])
    assert got[0] > got[1]


def test_a_score_is_the_sum_of_its_terms_contributions(engine):
    e, cfg = engine(FRUIT), Config.parse("word.basic.noattr.bm25(k1=0.9,b=0.4)")
    s, _ = e.scores(cfg, ["apple tart"])
    parts = e.explain(cfg, "apple tart", 1)
    assert SCHEME.explains and set(parts["term"]) == {"apple", "tart"}
    assert dict(zip(parts["term"], parts["tf"])) == {"apple": 2, "tart": 1}
    assert parts["contribution"].sum() == pytest.approx(s[0, 1])


def test_query_sets_are_scored_from_their_terms_postings_exactly(engine):
    """Scores come from the query set's terms' postings alone, equal to the whole weight
    matrix's product bit for bit, and a query set with other terms is not answered from the
    weights kept for the last one."""
    docs = ["apple pie", "apple apple tart", "cherry", "cherry tart tart pie", "durian"] * 3
    e = engine(docs)
    cfg = Config.parse("word.basic.noattr.bm25(k1=0.9,b=0.4)")
    index = e.index(cfg.components[0].name, cfg.enrichment, cfg.attribution)
    whole = SCHEME.document_matrix(index, cfg.weighting).T.tocsr()
    for queries in (["apple tart", "cherry"], ["durian pie"], ["apple tart", "cherry"]):
        got, _ = e.scores(cfg, queries)
        assert np.array_equal(got, (index.query_matrix(queries) @ whole).toarray())
        assert got.max() > 0
