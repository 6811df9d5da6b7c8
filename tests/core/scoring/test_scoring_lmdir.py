"""Query likelihood with Dirichlet smoothing as a scheme: its one parameter, its check, and
scores by hand on a three-document corpus (a longer example: tests/core/test_weighting.py)."""
import math

import numpy as np
import pytest

from core.config import Config
from core.scheme import Spec
from core.scoring.lmdir import SCHEME


def test_mu_is_declared_with_its_default_and_range():
    assert SCHEME.defaults == {"mu": 1000.0} and SCHEME.param("mu").span == (10.0, 8000.0)
    assert SCHEME.canonical(Spec.parse("lmdir(mu=1000)")) == Spec("lmdir")
    assert not SCHEME.explains


def test_lmdir_parameters_validated():
    with pytest.raises(ValueError, match="mu > 0"):
        Config.parse("word.basic.noattr.lmdir(mu=0)")
    with pytest.raises(ValueError, match=r"lmdir\(k=3\): lmdir takes one parameter, mu > 0"):
        Config.parse("word.basic.noattr.lmdir(k=3)")


def test_lmdir_by_hand_with_mu_1(scores):
    docs = ["apple pie", "apple", "pie"]   # apple 2 and pie 2 of 4 tokens: p = 1/2 each
    # apple: log(1 + 1 / (1 · 1/2)) = log 3, plus log(1 / (|d| + 1)) per query term
    np.testing.assert_allclose(scores(docs, "lmdir(mu=1)", "apple"), [0.0, math.log(1.5), np.nan], atol=1e-12)
    # two query terms: the length factor counts twice; a document matching one term is still matched
    np.testing.assert_allclose(scores(docs, "lmdir(mu=1)", "apple pie"),
                               [0.0, math.log(0.75), math.log(0.75)], atol=1e-12)


def test_scores_are_not_explained_term_by_term(engine):
    with pytest.raises(ValueError, match="term contributions are only available"):
        engine(["apple pie"]).explain(Config.parse("word.basic.noattr.lmdir"), "apple", 0)


def test_query_sets_are_scored_from_their_terms_postings_exactly(engine):
    """The same numbers as the whole matrix of :func:`core.weighting.lmdir_parts`, bit for
    bit, for each query set in turn (the weights kept for the last set are not reused)."""
    from core.weighting import lmdir_parts
    docs = ["apple pie", "apple apple tart", "cherry", "cherry tart tart pie", "durian"] * 3
    e = engine(docs)
    cfg = Config.parse("word.basic.noattr.lmdir(mu=50)")
    index = e.index(cfg.components[0].name, cfg.enrichment, cfg.attribution)
    whole, length = lmdir_parts(index.counts, mu=50)
    for queries in (["apple tart", "cherry"], ["durian pie"], ["apple tart", "cherry"]):
        got, _ = e.scores(cfg, queries)
        q = index.query_matrix(queries)
        expected = (q @ whole.T.tocsr()).toarray() + np.asarray(q.sum(axis=1)) * length[None, :]
        assert np.array_equal(got, expected)
        assert got.max() > got.min()
