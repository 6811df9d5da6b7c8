"""Fusion of components (core/fusion/__init__): competition ranks, the engine fusing its components,
per-component weights by name or base name. Each scheme by hand: tests/core/fusion/; grammar
errors: test_config.py."""
import numpy as np
import pytest

from core.config import Config
from core.scheme import Spec
from core.engine import Engine
from core.fusion import fuse, ranks

S1 = np.array([[3.0, 2.0, 0.0, 2.0]])
M1 = np.array([[True, True, False, True]])
S2 = np.array([[0.0, 1.0, 5.0, 0.0]])
M2 = np.array([[False, True, True, False]])


def test_competition_ranks_share_ties():
    np.testing.assert_array_equal(ranks(S1, M1), [[1, 2, np.inf, 2]])


def test_engine_fuses_components(tiny_db):
    e = Engine.from_db(tiny_db)
    cfg = Config.parse("word+4gram.all.noattr.bm25(k1=0.9,b=0.4).rrf(k=60)")
    queries = ["garlic pasta", "zoomies corgi beach"]
    s, m = e.scores(cfg, queries)
    parts = [e.scores(Config.parse(f"{t}.all.noattr.bm25(k1=0.9,b=0.4)"), queries) for t in ("word", "4gram")]
    np.testing.assert_array_equal(m, parts[0][1] | parts[1][1])
    want, _ = fuse(Spec.parse("rrf(k=60)"), ["word", "4gram"], parts)
    np.testing.assert_allclose(s, want)
    assert e.search(cfg, "garlic pasta")["id"].iloc[0] == "1001"
    # no fusion part: rrf(k=60) is the default
    s2, _ = e.scores(Config.parse("word+4gram.all.noattr.bm25(k1=0.9,b=0.4)"), queries)
    np.testing.assert_allclose(s2, s)


def test_query_options(tiny_db):
    e = Engine.from_db(tiny_db)
    plain = Config.parse("word.all.noattr.bm25(k1=1.2,b=0.75)")
    # misspelt query word: no match without ~fuzzy, the right document with it
    assert e.scores(plain, ["garlick"])[1].sum() == 0
    r = e.search(Config.parse("word~fuzzy.all.noattr.bm25(k1=1.2,b=0.75)"), "garlick")
    assert r["id"].iloc[0] == "1001"
    # 'one piece' reaches the hashtag #onepiece only with ~split
    s, m = e.scores(Config.parse("word~split.basic.noattr.bm25(k1=1.2,b=0.75)"), ["one piece"])
    s0, m0 = e.scores(Config.parse("word.basic.noattr.bm25(k1=1.2,b=0.75)"), ["one piece"])
    doc = e.target_positions(["1002"])[0]
    assert s[0, doc] > s0[0, doc]
    with pytest.raises(ValueError, match="unknown query option"):
        Config.parse("word~stem.all.noattr.bpx")


def test_dense_component_options_and_base_name_weights():
    c = Config.parse("4gram+dense~ocr~sr.all.noattr.bm25(k1=0.5,b=0.7).zsum(dense=0.5)")
    assert c.tokens == ("4gram", "dense~ocr~sr")
    s, _ = fuse(c.fusion, list(c.tokens), [(S1, M1), (S2, M2)])
    s_full, _ = fuse(Spec.parse("zsum(dense~ocr~sr=0.5)"), list(c.tokens), [(S1, M1), (S2, M2)])
    np.testing.assert_allclose(s, s_full)
    with pytest.raises(ValueError, match="sorted"):
        Config.parse("dense~sr~ocr.all.noattr.cos")
    with pytest.raises(ValueError, match="unknown query option"):
        Config.parse("dense~fuzzy.all.noattr.cos")
