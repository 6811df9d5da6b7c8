"""Score normalisations shared by the fusion schemes (z-scores, max and min-max)."""
from __future__ import annotations

import numpy as np


def z_matched(scores: np.ndarray, matched: np.ndarray, top: int | None = None) -> np.ndarray:
    """z-scores over each query's matched documents (or their ``top`` best only); unmatched
    documents take the lowest matched z."""
    out = np.zeros(scores.shape)
    for i in range(scores.shape[0]):
        m = matched[i]
        if not m.any():
            continue
        s = scores[i, m] if top is None else np.sort(scores[i, m])[::-1][:top]
        sd = s.std()
        z = (scores[i] - s.mean()) / sd if sd > 0 else np.zeros(scores.shape[1])
        out[i] = np.where(m, z, z[m].min())
    return out


def z_all(scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """z-scores over all documents, an unmatched one counting as score 0."""
    s = np.where(matched, scores, 0.0)
    sd = s.std(axis=1, keepdims=True)
    return (s - s.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)


def max_norm(scores: np.ndarray, matched: np.ndarray, minmax: bool) -> np.ndarray:
    """Scores over their maximum (``minmax``: (s − min) / (max − min)) among matched
    documents; unmatched documents 0."""
    s = np.where(matched, scores, np.nan)
    any_m = matched.any(axis=1, keepdims=True)
    filled_hi = np.where(matched, scores, -np.inf)
    filled_lo = np.where(matched, scores, np.inf)
    hi = np.where(any_m, filled_hi.max(axis=1, keepdims=True), 0.0)
    lo = np.where(any_m, filled_lo.min(axis=1, keepdims=True), 0.0) if minmax else np.zeros_like(hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        span = hi - lo
        out = np.where(span > 0, (s - lo) / np.where(span > 0, span, 1), 1.0)
    return np.nan_to_num(np.where(matched, out, 0.0), nan=0.0)
