"""Fuse the rankings of several retrieval components into one score per document.

A fused configuration (``word+4gram.all.noattr.bm25(k1=0.9,b=0.4).rrf(k=60)``) scores every
component (one per tokenisation, ``dense`` included) and combines them per query. A document
is *matched* by the fusion when any component matches it (the union); a component gives a
document it did not match nothing (0 under ``rrf``, its minimum under the sums).

Schemes (the config's last part; every scheme also takes one optional weight per component,
keyed by the component's name (or its tokeniser without options), default 1: ``zsum(dense=0.5)``, ``rrf(k=60,word=2)``):

* ``rrf(k=60)``: reciprocal rank fusion (Cormack et al. 2009), Σ_c w_c / (k + rank_c(d)),
  where rank_c(d) = 1 + #(documents the component matched with a higher score), so tied
  documents share the better rank and the result never depends on tie order.
* ``zsum``: Σ_c w_c · (s_c(d) − mean_c) / std_c, with mean and std over the documents
  component c matched for that query; unmatched documents take the lowest matched z.
* ``zall``: like ``zsum`` but mean and std over *all* documents, an unmatched document
  counting as score 0 (so a component that matches few documents lifts them further).
* ``ztop(k=50)``: like ``zsum`` but mean and std over each component's ``k`` best-scoring
  matched documents only (the head of the ranking, where the target is; the long tail of
  weak partial matches no longer sets the scale); unmatched documents take the lowest z.
* ``msum``: Σ_c w_c · s_c(d) / max_d s_c(d) (max-normalised sum; unmatched documents 0).
* ``mnz``: like ``msum`` but min-max normalised over matched documents (min → 0).
"""
from __future__ import annotations

import numpy as np

from .config import Weighting

SCHEMES = ("rrf", "zsum", "zall", "ztop", "msum", "mnz")
TAKES_K = {"rrf": 60.0, "ztop": 50.0}  # schemes with a k parameter, and its default
DEFAULT = Weighting("rrf", (("k", 60.0),))


def _component_weights(fusion: Weighting, names: list[str]) -> np.ndarray:
    """One weight per component, looked up by its full name or its base name
    (``dense`` also names ``dense~ocr~sr``)."""
    kw = dict(fusion.kwargs)
    kw.pop("k", None)
    bases = [n.split("~", 1)[0] for n in names]
    unknown = set(kw) - set(names) - set(bases)
    if unknown:
        raise ValueError(f"fusion {fusion}: weight(s) for {sorted(unknown)} but the components "
                         f"are {', '.join(names)}")
    return np.array([kw.get(n, kw.get(b, 1.0)) for n, b in zip(names, bases)], dtype=np.float64)


def check(fusion: Weighting, names: list[str]) -> None:
    if fusion.name not in SCHEMES:
        raise ValueError(f"unknown fusion {fusion.name!r}; choose one of {', '.join(SCHEMES)}")
    if fusion.name not in TAKES_K and "k" in fusion.kwargs:
        raise ValueError(f"fusion {fusion.name} takes no k (only {' and '.join(TAKES_K)} do)")
    if fusion.name == "ztop" and fusion.kwargs.get("k", 2) < 2:
        raise ValueError(f"fusion {fusion}: k must be at least 2")
    _component_weights(fusion, names)


def ranks(scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Competition rank (1 + #matched docs scoring higher) per query × doc; inf if unmatched."""
    out = np.full(scores.shape, np.inf)
    for i in range(scores.shape[0]):
        m = matched[i]
        if not m.any():
            continue
        s = scores[i, m]
        srt = np.sort(s)
        # number of matched scores strictly greater than each score
        higher = len(s) - np.searchsorted(srt, s, side="right")
        out[i, m] = 1 + higher
    return out


def _z(scores: np.ndarray, matched: np.ndarray, top: int | None = None) -> np.ndarray:
    """z-scores over each query's matched documents (or their ``top`` best only)."""
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


def _z_all(scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
    s = np.where(matched, scores, 0.0)
    sd = s.std(axis=1, keepdims=True)
    return (s - s.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)


def _max_norm(scores: np.ndarray, matched: np.ndarray, minmax: bool) -> np.ndarray:
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


def fuse(fusion: Weighting | None, names: list[str], parts: list[tuple[np.ndarray, np.ndarray]]):
    """(scores, matched) of the fusion of components ``(scores, matched)`` named ``names``."""
    fusion = fusion or DEFAULT
    check(fusion, names)
    weights = _component_weights(fusion, names)
    matched = np.logical_or.reduce([m for _, m in parts])
    total = np.zeros(parts[0][0].shape)
    for w, (s, m) in zip(weights, parts):
        if w == 0:
            continue
        if fusion.name == "rrf":
            k = fusion.kwargs.get("k", 60.0)
            total += w / (k + ranks(s, m))   # 1/inf = 0 for unmatched documents
        elif fusion.name == "zsum":
            total += w * _z(s, m)
        elif fusion.name == "ztop":
            total += w * _z(s, m, int(fusion.kwargs.get("k", TAKES_K["ztop"])))
        elif fusion.name == "zall":
            total += w * _z_all(s, m)
        else:
            total += w * _max_norm(s, m, minmax=fusion.name == "mnz")
    return total, matched
