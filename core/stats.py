"""Significance and uncertainty for per-query metrics.

* bootstrap_ci: percentile bootstrap CI of a mean (resampling queries with replacement).
* paired_randomisation: two-sided paired sign-flip randomisation test of mean(a − b);
  p = (1 + #{|mean of randomly sign-flipped d| ≥ |observed|}) / (1 + n_resamples)
  (exact enumeration of all 2^n sign patterns when n is small).
* wilcoxon: scipy's Wilcoxon signed-rank test (zero differences dropped).
* holm: Holm–Bonferroni step-down adjusted p-values, p_(i) · (m − i + 1), made monotone.

bootstrap_ci, paired_randomisation and holm stay hand-written: the dashboard recomputes them
on every rerun (ui/evaluation.py's summary and paired tests, pages/experiments.py's
comparison), where the libraries are slower by the figures below (bench/stats.py: 86
queries, medians on the shared 2-core machine). tests/core/test_stats.py checks each
against its library.
"""
from __future__ import annotations

import functools
from itertools import product

import numpy as np
from scipy import stats as sps


def bootstrap_ci(values, n_resamples: int = 2000, level: float = 0.95, seed: int = 0):
    """(low, high) percentile bootstrap interval for the mean of ``values``.

    Same interval as ``scipy.stats.bootstrap(method='percentile', rng=seed)`` (bounds differ
    by < 1e-16), which takes 1.5–1.9× as long on the 40 intervals that the cross-validation
    view computes per rerun (140 vs 73 ms). Its default, BCa, gives nan for constant values.

    Two-dimensional ``values`` (queries × metrics) give arrays of bounds, one per column, each
    what that column alone gives, to rounding (the same resamples): one draw for every metric."""
    v = np.asarray(values, float)
    if len(v) == 0:
        nan = np.full(v.shape[1:], np.nan) if v.ndim > 1 else float("nan")
        return nan, nan
    means = _resample_counts(len(v), n_resamples, seed) @ v / len(v)
    a = (1 - level) / 2
    lo, hi = np.quantile(means, [a, 1 - a], axis=0)
    return (float(lo), float(hi)) if v.ndim == 1 else (lo, hi)


def paired_randomisation(a, b, n_resamples: int = 10000, seed: int = 0):
    """Two-sided p-value that paired samples a and b have the same mean.

    ``scipy.stats.permutation_test(permutation_type='samples')`` gives the same p where both
    enumerate every sign pattern and a Monte Carlo p within sampling error, but takes 6–7×
    as long (90 vs 15 ms for 86 pairs, 10,000 resamples), once per compared configuration
    per rerun.

    Two-dimensional ``a`` and ``b`` (queries × metrics) give one p per column, every column
    tested with the same sign patterns in one matrix product: what each column alone gives,
    for the price of one (the Tune page tests five metrics per slider change)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    one = d.ndim == 1
    d = d[:, None] if one else d
    n = len(d)
    p = np.ones(d.shape[1])
    if n:
        observed = np.abs(d.mean(axis=0))
        if n <= 16:
            signs = np.array(list(product((1, -1), repeat=n)), dtype=float)
            p = np.mean(np.abs(signs @ d / n) >= observed - 1e-12, axis=0)
        else:
            signs = _signs(n, n_resamples, seed)
            p = (1 + np.sum(np.abs(signs @ d / n) >= observed - 1e-12, axis=0)) / (1 + n_resamples)
        p = np.where(np.any(d != 0, axis=0), p, 1.0)
    return float(p[0]) if one else p


_CACHED = 4_000_000     # entries: resampling matrices up to this size are kept (32 MB each)


def _kept(fn):
    """``fn(n, n_resamples, seed)``'s read-only matrix, remembered while it is small: the
    Tune page draws the same resamples for every configuration it compares (86 queries: 8 ms
    of random signs and 6 ms of bootstrap gathering per slider move, before this)."""
    remembered = functools.lru_cache(maxsize=8)(fn)

    @functools.wraps(fn)
    def matrix(n: int, n_resamples: int, seed: int) -> np.ndarray:
        return (remembered if n * n_resamples <= _CACHED else fn)(n, n_resamples, seed)
    return matrix


@_kept
def _resample_counts(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """How often each of n values is drawn in each bootstrap resample (rows): ``counts @ v / n``
    are the resamples' means, the same draws as ``v[rng.integers(0, n, (n_resamples, n))]``."""
    draws = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))
    counts = np.zeros((n_resamples, n))
    np.add.at(counts, (np.arange(n_resamples)[:, None], draws), 1.0)
    counts.flags.writeable = False
    return counts


@_kept
def _signs(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """Random sign patterns (rows) of the sampled randomisation test."""
    signs = np.random.default_rng(seed).choice((1.0, -1.0), size=(n_resamples, n))
    signs.flags.writeable = False
    return signs


def wilcoxon(a, b) -> float:
    """Two-sided Wilcoxon signed-rank p-value (1.0 when all differences are zero)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    if not np.any(d):
        return 1.0
    return float(sps.wilcoxon(d, zero_method="wilcox").pvalue)


def holm(pvalues) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values, in the input order.

    Equal to statsmodels' ``multipletests(method='holm')[1]``, which runs ``gc.collect()``
    on every Holm call: 45–56 vs 0.08 ms for 25 p-values, and more the more objects the
    process holds (104 ms with streamlit and core imported)."""
    p = np.asarray(pvalues, float)
    m = len(p)
    order = np.argsort(p)
    adj = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out = np.empty(m)
    out[order] = adj
    return out
