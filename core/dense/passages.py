"""The text a document is embedded as: one passage, or overlapping windows of it.

Kept apart because it is pure text handling (no model, no numpy) and its keys and hashes
name the cached embeddings.

Each document is embedded as one passage: its basic fields (nickname, description, music
title), then the enrichment fields the configuration includes, in the order OCR, speech,
comments, joined by spaces (the model reads the first 256 word pieces).
(Measured on the 2022 study: one passage per field with the maximum cosine did worse.)
With a window option (``dense~ocr~sr~w64``) the passage is cut into overlapping windows of
that many words (stride half a window, the last one flush with the end).
"""
from __future__ import annotations

import hashlib

from ..fields import ENRICHMENT, ENRICHMENT_ORDER, PASSAGE_BASIC, PASSAGE_ENRICHMENT_ORDER, enrichment_name
from .models import DEFAULT_MODEL, MODELS

_FIELD_COLS = {e: ENRICHMENT[e] for e in PASSAGE_ENRICHMENT_ORDER}
ONLY = "only"   # passage option: the chosen enrichment fields without the basic fields


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


def _text(v) -> str:
    return v.strip() if isinstance(v, str) else ""


def enrichment_key(enrichment) -> str:
    key = enrichment_name(enrichment)
    return key + ":only" if ONLY in enrichment else key


def passages(docs, enrichment=ENRICHMENT_ORDER) -> list[str]:
    """One passage per document: basic fields, then OCR, speech, comments if included.
    With ``only`` in ``enrichment`` (``dense~c~only``) the basic fields are left out."""
    n = len(docs)
    cols = ([] if ONLY in enrichment else list(PASSAGE_BASIC)) + \
        [c for e, c in _FIELD_COLS.items() if e in enrichment]
    values = [[_text(v) for v in docs[c]] if c in docs else [""] * n for c in cols]
    return [" ".join(p for p in parts if p) for parts in zip(*values)]


def content_hash(texts: list[str], model: str = DEFAULT_MODEL) -> str:
    h = hashlib.sha256(MODELS[model].encode())
    for t in texts:
        h.update(b"\x00" + t.encode("utf-8", "surrogatepass"))
    return h.hexdigest()
