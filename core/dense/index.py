"""The cached passage embeddings of one corpus and the scores they give a query.

Kept apart because it is the only stateful part: what is on disk, what is in memory, and
how a query's cosines become document scores (whole passages, or MaxP over windows).

A document's score is the cosine similarity between query and passage; every document with
text is matched. With windows a document's score is its best window's (*MaxP*, Dai & Callan
2019): nothing past the model's input limit is lost, and a short passage that matches the
query is not diluted by the rest of a long transcript.

Passage embeddings are cached on disk beside the corpus database as
``<db>.dense-<model name>.npz``, one array per enrichment set, each stored with a hash of the model
name and every passage text, so a changed corpus is re-embedded and an unchanged one is
loaded in milliseconds.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .models import DEFAULT_MODEL, MODELS, load_model
from .onnx import encode
from .passages import content_hash, enrichment_key, passages, windows


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
