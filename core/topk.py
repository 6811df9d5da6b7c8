"""The first k documents of a score vector, in the engine's order: score descending, then
document number ascending (so ties always come out the same way).

``np.partition`` finds the k-th best score in O(N); only documents scoring at least that
much (every document tied with the k-th included) are sorted, so the result equals a full
``lexsort`` of all candidates at the cost of sorting about k of them.
"""
from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    """The k best of ``docs`` (candidate document numbers, ascending) by ``scores[docs]``."""
    docs = np.asarray(docs)
    if k <= 0 or not len(docs):
        return docs[:0]
    s = scores[docs]
    if len(docs) > k:
        kth = -np.partition(-s, k - 1)[k - 1]   # the k-th best score
        keep = s >= kth
        docs, s = docs[keep], s[keep]
    return docs[np.lexsort((docs, -s))[:k]]
