"""Encoding texts: passages through sentence-transformers, queries through ONNX Runtime.

Kept apart because the query encoder is an export (written once beside the weights, checked
against torch at every load) with its own failure mode: any problem only costs speed.

Queries are encoded by ONNX Runtime when ``onnxruntime`` and ``onnx`` are installed (both in
requirements-dense.txt): each model's transformer is exported once beside its weights
(``<models dir>/<model name>.onnx``) and checked against torch on a probe sentence at every
load; it gives torch's vectors about twice as fast on one thread (MiniLM 6 ms, mpnet 30 ms).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from .models import _LOADING, DEFAULT_MODEL, MODELS, load_model, models_dir

def encode(texts: list[str], batch_size: int = 32, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Unit-length embeddings. Many texts (passages) go through ``SentenceTransformer.encode``.
    A few (queries) are encoded on one thread in one forward pass: by ONNX Runtime when it is
    installed (:func:`query_session`; mpnet 29 ms instead of 54), else by torch. On a small
    shared machine intra-op threads contend and make a 12 ms query take hundreds of ms.
    Every path gives the same vectors (to 1e-5)."""
    if len(texts) > 8:
        st = load_model(model)
        return np.asarray(st.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)
    session = query_session(model)
    if session is not None:
        return _onnx_encode(load_model(model), session, list(texts))
    return _torch_encode(load_model(model), list(texts))


def _torch_encode(st, texts: list[str]) -> np.ndarray:
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            features = (getattr(st, "preprocess", None) or st.tokenize)(texts)
            out = st.forward(features)["sentence_embedding"]
            return torch.nn.functional.normalize(out, dim=1).numpy().astype(np.float32)
    finally:
        torch.set_num_threads(threads)


def _onnx_encode(st, session, texts: list[str]) -> np.ndarray:
    """Mean of the token vectors over the attention mask, unit length (both models' pooling)."""
    f = st.tokenizer(texts, padding=True, truncation=True, max_length=st.max_seq_length, return_tensors="np")
    hidden = session.run(None, {"input_ids": f["input_ids"].astype(np.int64),
                                "attention_mask": f["attention_mask"].astype(np.int64)})[0]
    mask = f["attention_mask"][..., None].astype(np.float32)
    v = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


_SESSIONS: dict = {}
ONNX_PROBE = ["ONNX export check: a kitty shoves a cup off the desk 🐱 #cats"]


def onnx_path(model: str) -> Path:
    return models_dir() / f"{MODELS[model]}.onnx"


def query_session(model: str = DEFAULT_MODEL):
    """An ONNX Runtime session (one thread) of the model's transformer for encoding queries,
    or None when onnxruntime is missing or the export fails or differs from torch (then
    torch encodes). Exported once from the loaded weights into ``models_dir()``; every load
    checks a probe sentence against torch, so a stale or wrong file is never used."""
    with _LOADING:
        return _query_session(model)


def _query_session(model: str):
    if model in _SESSIONS:
        return _SESSIONS[model]
    _SESSIONS[model] = None
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    st = load_model(model)
    if st[1].get_config_dict().get("pooling_mode") != "mean":
        return None
    path = onnx_path(model)
    try:
        if not path.is_file():
            _export_onnx(st, path)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = opts.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        if np.abs(_onnx_encode(st, session, ONNX_PROBE) - _torch_encode(st, ONNX_PROBE)).max() > 1e-4:
            raise ValueError("its embedding of a probe sentence differs from torch's")
    except Exception as e:   # any failure here only costs speed: torch encodes instead
        warnings.warn(f"{MODELS[model]}: queries are encoded by torch, not ONNX Runtime ({e})")
        return None
    _SESSIONS[model] = session
    return session


def _export_onnx(st, path: Path) -> None:
    """The transformer (token vectors from ids and mask) as ONNX, written atomically."""
    import torch

    class TokenVectors(torch.nn.Module):
        """The transformer called by keyword (models differ in positional arguments)."""
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    f = st.tokenizer(ONNX_PROBE, return_tensors="pt")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    axes = {0: "batch", 1: "tokens"}
    try:
        # eval() on the wrapper: the exporter restores the wrapper's mode to the whole tree
        with warnings.catch_warnings():   # the exporter's notes on operators it rewrites
            warnings.simplefilter("ignore")
            torch.onnx.export(TokenVectors(st[0].auto_model).eval(), (f["input_ids"], f["attention_mask"]), str(tmp),
                              input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes},
                              opset_version=17, dynamo=False)
        os.replace(tmp, path)
    finally:
        st.eval()
        tmp.unlink(missing_ok=True)
