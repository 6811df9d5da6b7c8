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

def encode(texts: list[str], batch_size: int = 32, model: str = DEFAULT_MODEL, progress=None) -> np.ndarray:
    """Unit-length embeddings. Many texts (documents, windows) go to :func:`encode_documents`
    (ONNX Runtime on all cores, else torch). A few (queries) are encoded on one thread in one
    forward pass: by ONNX Runtime when it is installed (:func:`query_session`; mpnet 29 ms
    instead of 54), else by torch. On a small shared machine intra-op threads contend and
    make a 12 ms query take hundreds of ms. Every path gives the same vectors (to 1e-5)."""
    if len(texts) > 8:
        return encode_documents(list(texts), model, batch_size, progress)
    session = query_session(model)
    if session is not None:
        return _onnx_encode(load_model(model), session, list(texts))
    return _torch_encode(load_model(model), list(texts))


def encode_documents(texts: list[str], model: str = DEFAULT_MODEL, batch_size: int = 32,
                     progress=None) -> np.ndarray:
    """Unit-length embeddings of many texts, in batches of similar length (little padding),
    by ONNX Runtime on every core (:func:`document_session`), else by torch.
    ``progress(n)`` is called with the number of texts each finished batch held."""
    st = load_model(model)
    dim = (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()
    out = np.zeros((len(texts), dim), dtype=np.float32)
    if not texts:
        return out
    session = document_session(model)
    ids = st.tokenizer(texts, truncation=True, max_length=st.max_seq_length)["input_ids"]
    order = np.argsort([-len(i) for i in ids], kind="stable")   # longest first: memory peaks early
    for start in range(0, len(texts), batch_size):
        rows = order[start:start + batch_size]
        if session is not None:
            out[rows] = _onnx_batch(session, [ids[r] for r in rows], st.tokenizer.pad_token_id or 0)
        else:
            out[rows] = _torch_encode(st, [texts[r] for r in rows], threads=None)
        if progress is not None:
            progress(len(rows))
    return out


def _onnx_batch(session, ids: list[list[int]], pad: int) -> np.ndarray:
    """Token ids of a batch, right-padded under a zero mask, through the session."""
    width = max(map(len, ids))
    input_ids = np.full((len(ids), width), pad, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for i, row in enumerate(ids):
        input_ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
    return _pool(session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0], mask)


def _pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean of the token vectors over the attention mask, unit length (both models' pooling)."""
    mask = attention_mask[..., None].astype(np.float32)
    v = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
    return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _torch_encode(st, texts: list[str], threads: int | None = 1) -> np.ndarray:
    """One forward pass of torch (on ``threads`` intra-op threads; None: torch's default)."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        with torch.inference_mode():
            features = (getattr(st, "preprocess", None) or st.tokenize)(texts)
            out = st.forward(features)["sentence_embedding"]
            return torch.nn.functional.normalize(out, dim=1).numpy().astype(np.float32)
    finally:
        torch.set_num_threads(before)


def _onnx_encode(st, session, texts: list[str]) -> np.ndarray:
    """One forward pass of the session over ``texts`` padded to the longest."""
    f = st.tokenizer(texts, padding=True, truncation=True, max_length=st.max_seq_length, return_tensors="np")
    hidden = session.run(None, {"input_ids": f["input_ids"].astype(np.int64),
                                "attention_mask": f["attention_mask"].astype(np.int64)})[0]
    return _pool(hidden, f["attention_mask"])


_SESSIONS: dict = {}
ONNX_PROBE = ["ONNX export check: a kitty shoves a cup off the desk 🐱 #cats"]


def onnx_path(model: str) -> Path:
    return models_dir() / f"{MODELS[model]}.onnx"


def query_session(model: str = DEFAULT_MODEL):
    """An ONNX Runtime session (one thread) of the model's transformer for encoding queries,
    or None when onnxruntime is missing or the export fails or differs from torch (then
    torch encodes). Exported once from the loaded weights into ``models_dir()``; every load
    checks a probe sentence against torch, so a wrong file is never used (one of older weights,
    as after re-training, is exported again)."""
    with _LOADING:
        return _session(model, 1)


def document_session(model: str = DEFAULT_MODEL):
    """Like :func:`query_session`, on every core (intra-op threads): for embedding a corpus,
    where batches are large enough for the threads to pay."""
    with _LOADING:
        return _session(model, os.cpu_count() or 1)


def _session(model: str, threads: int):
    if (model, threads) in _SESSIONS:
        return _SESSIONS[model, threads]
    _SESSIONS[model, threads] = None
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    st = load_model(model)
    if st[1].get_config_dict().get("pooling_mode") != "mean":
        return None
    path = onnx_path(model)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    def opened():
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    try:
        exported = not path.is_file()
        if exported:
            _export_onnx(st, path)
        try:
            session = opened()
            agrees = _agrees(st, session)
        except Exception:
            if exported:
                raise
            agrees = False   # a damaged file (a killed copy, a full disk): exported again below
        if not agrees and not exported:   # or an export of older weights (a re-trained model)
            _export_onnx(st, path)
            session = opened()
            agrees = _agrees(st, session)
        if not agrees:
            raise ValueError("its embedding of a probe sentence differs from torch's")
    except Exception as e:   # any failure here only costs speed: torch encodes instead
        what = "queries" if threads == 1 else "documents"
        warnings.warn(f"{MODELS[model]}: {what} are encoded by torch, not ONNX Runtime ({e})")
        return None
    _SESSIONS[model, threads] = session
    return session


def _agrees(st, session) -> bool:
    """Does the session embed the probe sentence as torch does (to 1e-4)?"""
    return np.abs(_onnx_encode(st, session, ONNX_PROBE) - _torch_encode(st, ONNX_PROBE)).max() <= 1e-4


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
