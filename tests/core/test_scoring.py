"""The scoring registry (core/scoring/__init__): every scheme found, what each can do, and
weighted matrices cached on the index per setting. Each scheme: tests/core/scoring/."""
import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.scheme import Spec
from core.scoring import REGISTRY, ScoringScheme, cached, scheme_of
from core.store import Corpus


def engine():
    return Engine(Corpus(pd.DataFrame({"id": ["1", "2"], "description": ["apple pie", "apple apple tart"]})))


def test_registry_lists_every_scheme_in_order():
    assert REGISTRY.names() == ["smart", "bm25", "bm25f", "lmdir", "cos"]
    assert all(isinstance(s, ScoringScheme) for s in REGISTRY.all())


def test_scheme_of_a_spec_or_a_name():
    assert scheme_of(Spec.parse("bpx")).name == "smart" and scheme_of("tfc").name == "smart"
    assert scheme_of(Spec.parse("bm25(k1=0.9)")).name == "bm25" and scheme_of("cos").name == "cos"
    with pytest.raises(ValueError, match=r"^unknown weighting 'okapi'; choose one of smart, bm25, bm25f, "
                                         r"lmdir, cos \(smart: SMART letters \{b,t\}\{x,f,p\}\{x,c\}, e.g. bpx\)$"):
        scheme_of("okapi")


def test_what_each_scheme_can_do():
    can = {s.name: (s.lexical, s.explains, s.attribution) for s in REGISTRY.all()}
    assert can == {"smart": (True, True, True), "bm25": (True, True, True), "bm25f": (True, False, False),
                   "lmdir": (True, False, True), "cos": (False, False, True)}


def test_a_scheme_without_term_contributions_says_so():
    index = engine().index("word", frozenset(), False)
    lmdir = REGISTRY.get("lmdir")
    with pytest.raises(ValueError, match="lmdir: term contributions are only available for SMART or bm25"):
        lmdir.document_matrix(index, Spec("lmdir"))
    matched = np.array([[True, False]])
    assert lmdir.matched(np.array([[0.0, 1.0]]), matched) is matched   # every term match counts


def test_weighted_matrices_are_cached_per_setting_and_dropped():
    e = engine()
    cfg = Config.parse("word.basic.noattr.bm25(k1=0.9)")
    queries = ["apple", "apple pie"]   # a query set (one query alone keeps no weights)
    first, _ = e.scores(cfg, queries)
    index = e.index("word", frozenset(), False)
    assert ("query_terms", "bm25(k1=0.9)") in index.cache
    e.drop_weights(cfg)
    assert not [k for k in index.cache if "bm25(k1=0.9)" in k]
    np.testing.assert_array_equal(e.scores(cfg, queries)[0], first)
    np.testing.assert_allclose(e.scores(cfg, ["apple"])[0], first[:1], rtol=1e-12)


def test_cached_builds_once():
    index = engine().index("word", frozenset(), False)
    built = []

    def build():
        built.append(1)
        return len(built)

    assert cached(index, ("x", "y"), build) == 1 and cached(index, ("x", "y"), build) == 1 and built == [1]
