"""The cached passage embeddings of one corpus and the scores they give a query.

Kept apart because it is the only stateful part: what is cached, what is in memory, and
how a query's cosines become document scores (whole passages, or MaxP over windows).

A document's score is the cosine similarity between query and passage; every document with
text is matched. With windows a document's score is its best window's (*MaxP*, Dai & Callan
2019): nothing past the model's input limit is lost, and a short passage that matches the
query is not diluted by the rest of a long transcript.

Embeddings come from the shared content-addressed cache (:mod:`.cache`): only texts it lacks
are encoded (:func:`.onnx.encode_documents`), in chunks each stored as it finishes, so an
interrupted run resumes. A cache the previous version wrote beside the database
(``<db>.dense-<model name>.npz``) is read once when the shared cache lacks its texts and
migrated into it.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from .cache import EmbeddingCache, text_sha
from .models import DEFAULT_MODEL, MODELS, load_model, model_dir
from .onnx import document_session, encode, encode_documents
from .passages import content_hash, enrichment_key, passages, windows

CHUNK = 256   # texts encoded between two writes to the cache (what a killed run can lose)


def _dimension(model: str) -> int:
    st = load_model(model)
    return (getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension)()


class DenseIndex:
    """Unit-length passage embeddings of one corpus by one model, per enrichment set, built lazily."""

    def __init__(self, corpus, cache_path: str | os.PathLike | None = None, model: str = DEFAULT_MODEL):
        if model not in MODELS:
            raise ValueError(f"unknown dense model {model!r}; choose from {', '.join(MODELS)}")
        self.corpus = corpus
        self.model = model
        self.cache = EmbeddingCache(cache_path)
        self.legacy = Path(f"{corpus.path}.dense-{MODELS[model]}.npz") if getattr(corpus, "path", None) else None
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

    @property
    def model_key(self) -> str:
        """The model's name and file checksum: the cache's key (mpnet is unpacked if need be)."""
        return self.cache.model_key(MODELS[self.model], model_dir(self.model))

    def _migrate(self, name: str, texts: list[str], key: str) -> None:
        """Copy the old per-database cache's rows for ``name`` into the shared cache when its
        hash says they are of exactly these texts by this model."""
        if not (self.legacy and self.legacy.is_file()):
            return
        try:
            with np.load(self.legacy, allow_pickle=False) as z:
                if f"hash:{name}" not in z.files or str(z[f"hash:{name}"]) != content_hash(texts, self.model):
                    return
                emb = z[f"emb:{name}"]
        except (OSError, ValueError, KeyError):
            return   # unreadable: the texts are embedded again
        present = [i for i, t in enumerate(texts) if t]
        if len(emb) == len(texts):
            self.cache.put(key, [text_sha(texts[i]) for i in present], emb[present])

    def _encoded(self, name: str, texts: list[str], progress=None) -> np.ndarray:
        """Embeddings of ``texts`` (zero rows for empty ones): cached ones read, the rest
        encoded and stored. ``progress(done, total)`` follows the texts being encoded."""
        key = self.model_key
        shas = [text_sha(t) if t else b"" for t in texts]
        todo = self.cache.missing(key, [s for s in shas if s])
        if todo:
            self._migrate(name, texts, key)
            todo = self.cache.missing(key, todo)
        if todo:
            self._encode_missing(key, todo, dict(zip(shas, texts)), progress)
        got = self.cache.get(key, list(dict.fromkeys(s for s in shas if s)))
        dim = len(next(iter(got.values()))) if got else _dimension(self.model)
        emb = np.zeros((len(texts), dim), dtype=np.float32)
        for i, s in enumerate(shas):
            if s:
                emb[i] = got[s]
        return emb

    def _encode_missing(self, key: str, todo: list[bytes], by_sha: dict, progress) -> None:
        document_session(self.model)   # load before timing: the rate is of encoding alone
        done, start = [0], time.monotonic()

        def advance(n: int) -> None:
            done[0] += n
            if progress:
                progress(done[0], len(todo))
        advance(0)
        for i in range(0, len(todo), CHUNK):
            part = todo[i:i + CHUNK]
            self.cache.put(key, part, encode_documents([by_sha[s] for s in part], self.model, progress=advance))
        if len(todo) >= 32:
            self.cache.set_rate(key, len(todo) / max(time.monotonic() - start, 1e-9))

    def _texts(self, enrichment, size: int | None) -> tuple[str, list[str], list[list[str]] | None]:
        """(cache key, texts to embed, windows per document or None) of a passage choice."""
        texts = passages(self.corpus.docs, enrichment)
        if size is None:
            return enrichment_key(enrichment), texts, None
        per_doc = [windows(t, size) for t in texts]
        return f"{enrichment_key(enrichment)}|w{size}", [w for ws in per_doc for w in ws], per_doc

    def missing(self, enrichment, size: int | None = None) -> list[str]:
        """The distinct passage (or window) texts of this choice the cache lacks. Loads no model."""
        _, texts, _ = self._texts(enrichment, size)
        by_sha = {text_sha(t): t for t in texts if t}
        return [by_sha[s] for s in self.cache.missing(self.model_key, list(by_sha))]

    def is_cached(self, enrichment, size: int | None = None) -> bool:
        """Are these passages' (or windows') embeddings all cached? Loads no model."""
        return not self.missing(enrichment, size)

    def embeddings(self, enrichment, progress=None) -> tuple[np.ndarray, np.ndarray]:
        """(docs × dim unit vectors, has-text mask) for an enrichment set. The passages are
        built only when the embeddings are not loaded yet (for every query they cost about
        20 µs a document: 0.2 s per query at 10,000 documents)."""
        key = enrichment_key(enrichment)
        if key not in self._emb:
            key, texts, _ = self._texts(enrichment, None)
            self._emb[key] = self._encoded(key, texts, progress)
            self._present[key] = np.array([bool(t) for t in texts])
        return self._emb[key], self._present[key]

    def window_embeddings(self, enrichment, size: int, progress=None) -> tuple[np.ndarray, np.ndarray]:
        """(windows × dim unit vectors, first-window position of each document with text; -1
        for none): a document's windows are consecutive rows."""
        key = f"{enrichment_key(enrichment)}|w{size}"
        if key not in self._emb:
            key, texts, per_doc = self._texts(enrichment, size)
            counts = np.array([len(w) for w in per_doc])
            self._emb[key] = self._encoded(key, texts, progress)
            self._present[key] = np.where(counts > 0, np.cumsum(counts) - counts, -1)
        return self._emb[key], self._present[key]

    def prepare(self, enrichment, window: int | None = None, progress=None) -> None:
        """Embed (or load) what scoring this passage choice needs, reporting ``progress(done, total)``."""
        if window is None:
            self.embeddings(enrichment, progress)
        else:
            self.window_embeddings(enrichment, window, progress)

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
