"""Metrics for single-target (known-item) queries, tie-aware.

The target's rank among matching documents is a range ``lo..hi``: ``lo = 1 + #(higher
scores)``, ``hi = #(scores at least as high)``. Under random tie-breaking every rank in the
range is equally likely, so:

* expected rank            = (lo + hi) / 2
* Success@k                = P(rank ≤ k) = clip((k − lo + 1) / (hi − lo + 1), 0, 1)
* reciprocal rank          = mean of 1/r over r = lo..hi = (H(hi) − H(lo − 1)) / (hi − lo + 1)
* mean rank (study's rule) = mean expected rank, a missing rank counted as ``missing``
  (the middle of the corpus, :data:`STUDY_MISSING_RANK` = 731 of the study's 1,462
  documents; N is the stricter choice)

A missing rank (the target shares no term with the query, or is not in the corpus) has
lo = hi = NaN and counts as failure for Success@k and reciprocal rank 0.
"""
from __future__ import annotations

import numpy as np
from scipy.special import digamma

EULER_GAMMA = 0.5772156649015329
STUDY_DOCUMENTS = 1462   # usable documents of the 2022 study's corpus


def missing_rank(n_docs: int) -> float:
    """The rank a missing target counts as in mean rank: the middle of the corpus."""
    return n_docs / 2


STUDY_MISSING_RANK = missing_rank(STUDY_DOCUMENTS)   # 731.0, the study's figure


def target_ranks(scores: np.ndarray, matched: np.ndarray, targets: np.ndarray,
                 rel_tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) rank range per query; ``targets`` are document positions, −1 if absent."""
    nq = scores.shape[0]
    lo = np.full(nq, np.nan)
    hi = np.full(nq, np.nan)
    ok = (targets >= 0)
    rows = np.flatnonzero(ok)
    if len(rows) == 0:
        return lo, hi
    t = targets[rows]
    ok_rows = matched[rows, t]
    rows, t = rows[ok_rows], t[ok_rows]
    s = scores[rows]
    st = s[np.arange(len(rows)), t][:, None]
    tol = rel_tol * np.maximum(1.0, np.abs(st))
    m = matched[rows]
    lo[rows] = 1 + ((s > st + tol) & m).sum(axis=1)
    hi[rows] = ((s >= st - tol) & m).sum(axis=1)
    return lo, hi


def expected_rank(lo, hi) -> np.ndarray:
    return (np.asarray(lo) + np.asarray(hi)) / 2


def success_at(lo, hi, k: int) -> np.ndarray:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    with np.errstate(invalid="ignore"):
        p = np.clip((k - lo + 1) / (hi - lo + 1), 0.0, 1.0)
    return np.nan_to_num(p, nan=0.0)


def _harmonic(n):
    return digamma(np.asarray(n, float) + 1) + EULER_GAMMA


def reciprocal_rank(lo, hi) -> np.ndarray:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    with np.errstate(invalid="ignore"):
        rr = (_harmonic(hi) - _harmonic(lo - 1)) / (hi - lo + 1)
    return np.nan_to_num(rr, nan=0.0)


def mean_rank(lo, hi, missing: float = STUDY_MISSING_RANK) -> float:
    r = expected_rank(lo, hi)
    return float(np.nan_to_num(r, nan=missing).mean()) if len(r) else float("nan")


def summary(lo, hi, n_docs: int, missing: float = STUDY_MISSING_RANK) -> dict:
    """The standard figures for one configuration over a query set."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return {
        "queries": int(len(lo)),
        "success_at_1": float(success_at(lo, hi, 1).mean()),
        "success_at_5": float(success_at(lo, hi, 5).mean()),
        "success_at_10": float(success_at(lo, hi, 10).mean()),
        "mrr": float(reciprocal_rank(lo, hi).mean()),
        "mean_rank": mean_rank(lo, hi, missing),
        "mean_rank_missing_n": mean_rank(lo, hi, float(n_docs)),
        "missing": int(np.isnan(lo).sum()),
    }
