"""Each SMART formula, BM25 and query likelihood against scores computed by hand on tiny corpora
(the schemes' parameters and their checks: tests/core/scoring/)."""
import math

import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.store import Corpus

DOCS = ["apple banana apple", "banana cherry banana banana", "cherry", "durian apple", "elder"]
QUERY = "apple banana"
L2 = math.log2


def engine(docs=DOCS, **extra):
    df = pd.DataFrame({"id": [str(i) for i in range(len(docs))], "description": docs, **extra})
    return Engine(Corpus(df))


def scores(weighting, eng=None, query=QUERY):
    eng = eng or engine()
    s, m = eng.scores(Config.parse(f"word.basic.noattr.{weighting}"), [query])
    return np.where(m[0], s[0], np.nan)


# df: apple 2, banana 2, cherry 2, durian 1, elder 1; N = 5
F, P = L2(5 / 2), L2(3 / 2)
EXPECTED = {
    "bxx": [2, 1, None, 1, None],
    "txx": [3, 3, None, 1, None],
    "bfx": [2 * F, F, None, F, None],
    "tfx": [3 * F, 3 * F, None, F, None],
    "bpx": [2 * P, P, None, P, None],
    "tpx": [3 * P, 3 * P, None, P, None],
    "bxc": [2 / math.sqrt(2), 1 / math.sqrt(2), None, 1 / math.sqrt(2), None],
    "txc": [3 / math.sqrt(5), 3 / math.sqrt(10), None, 1 / math.sqrt(2), None],
    "bfc": [2 * F / math.sqrt(2 * F * F), F / math.sqrt(2 * F * F), None,
            F / math.sqrt(F * F + L2(5) ** 2), None],
    "tfc": [3 / math.sqrt(5), 3 / math.sqrt(10), None, F / math.sqrt(F * F + L2(5) ** 2), None],
    "bpc": [2 * P / math.sqrt(2 * P * P), P / math.sqrt(2 * P * P), None,
            P / math.sqrt(P * P + L2(4) ** 2), None],
    "tpc": [3 / math.sqrt(5), 3 / math.sqrt(10), None, P / math.sqrt(P * P + L2(4) ** 2), None],
}


@pytest.mark.parametrize("letters", sorted(EXPECTED))
def test_smart_formula(letters):
    want = np.array([np.nan if v is None else v for v in EXPECTED[letters]], float)
    np.testing.assert_allclose(scores(letters), want, rtol=1e-12, equal_nan=True)


def test_bm25_by_hand():
    k1, b = 1.2, 0.75
    dl = [3, 4, 1, 2, 1]
    avg = sum(dl) / 5
    idf = math.log(1 + (5 - 2 + 0.5) / (2 + 0.5))

    def w(tf, d):
        return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl[d] / avg))

    want = [w(2, 0) + w(1, 0), w(3, 1), np.nan, w(1, 3), np.nan]
    np.testing.assert_allclose(scores("bm25(k1=1.2,b=0.75)"), want, rtol=1e-12, equal_nan=True)


def test_term_in_every_document_gets_zero_probabilistic_idf():
    eng = engine(["cat apple", "cat", "cat dog"])
    s = scores("bpx", eng, "cat")
    np.testing.assert_array_equal(s, [0.0, 0.0, 0.0])  # log2(0) would be -inf; we use 0
    s = scores("bpx", eng, "cat dog")
    assert np.argmax(s) == 2 and np.isfinite(s).all()


def test_query_terms_are_binary_and_unknown_terms_ignored():
    assert np.allclose(scores("txx", query="apple apple banana zebra"), scores("txx"), equal_nan=True)


def test_lmdir_by_hand():
    """Query likelihood with Dirichlet smoothing on a three-document corpus."""
    docs = pd.DataFrame({"id": ["a", "b", "c"], "description": ["x y x", "y", "z x z z"]})
    e = Engine(Corpus(docs))
    mu = 2.0
    s, m = e.scores(Config.parse(f"word.basic.noattr.lmdir(mu={mu:g})"), ["x y"])
    # collection: x 3, y 2, z 3 of 8 tokens; |d| = 3, 1, 4; two query terms
    p = {"x": 3 / 8, "y": 2 / 8}
    tf = {"a": {"x": 2, "y": 1}, "b": {"y": 1}, "c": {"x": 1}}
    dl = {"a": 3, "b": 1, "c": 4}
    want = [sum(math.log(1 + tf[d].get(t, 0) / (mu * p[t])) for t in p) + 2 * math.log(mu / (dl[d] + mu))
            for d in ("a", "b", "c")]
    np.testing.assert_allclose(s[0], want, rtol=1e-12)
    assert m[0].all()
    # a long document needs more evidence: b (one y in one token) beats c (one x in four)
    assert s[0, 1] > s[0, 2]
