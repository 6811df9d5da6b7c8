"""Weighting formulas: one small function per SMART letter, BM25, query likelihood.

These are the pure formulas; :mod:`core.scoring` chooses among them by a configuration's
weighting (one scheme module each) and caches their matrices on an index.

SMART (Salton & Buckley 1988), document side, three letters ``<tf><collection><norm>``:

* term frequency: ``b`` binary, 1 if tf > 0;  ``t`` raw tf
* collection:     ``x`` none, 1;  ``f`` log2(N / df);  ``p`` log2((N − df) / df)
  (``p`` is negative for terms in more than half the documents; for a term in *every*
  document log2(0) = −∞, which we replace by 0: such a term says nothing about which
  document is wanted, the same value ``f`` gives it)
* normalisation:  ``x`` none;  ``c`` divide by the Euclidean length of the weighted vector

Queries are binary; a document's score is the dot product with its weighted vector.

BM25 (Robertson et al.), with Lucene's non-negative idf:
    w(t, d) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl)),
    idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))

Query likelihood with Dirichlet smoothing (Zhai & Lafferty 2001), ``lmdir(mu=1000)``, ranks
by log p(q | d) up to a query-only constant, over the query's terms t:
    score(q, d) = Σ_t log(1 + tf(t, d) / (mu · p(t | C))) + |q| · log(mu / (|d| + mu)),
    p(t | C) = collection frequency of t / total tokens
(:func:`lmdir_parts` returns the first part as a doc × term matrix and the second's
per-document factor, which search multiplies by the number of query terms).

Weights are computed on the sparse doc × term count matrix; each function maps arrays to
arrays, so a whole index is weighted in a few vectorised operations.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


# term-frequency factor: tf values (nonzero entries) -> weights
def tf_binary(tf: np.ndarray) -> np.ndarray:
    return np.ones_like(tf, dtype=np.float64)


def tf_raw(tf: np.ndarray) -> np.ndarray:
    return tf.astype(np.float64)


# collection factor: df per term, N -> weight per term
def idf_none(df: np.ndarray, n: int) -> np.ndarray:
    return np.ones(df.shape, dtype=np.float64)


def idf_log(df: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(df > 0, np.log2(n / np.maximum(df, 1)), 0.0)


def idf_probabilistic(df: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(divide="ignore"):
        w = np.log2((n - df) / np.maximum(df, 1))
    return np.where((df > 0) & (df < n), w, 0.0)


def idf_bm25(df: np.ndarray, n: int) -> np.ndarray:
    return np.log1p((n - df + 0.5) / (df + 0.5))


TF = {"b": tf_binary, "t": tf_raw}
COLLECTION = {"x": idf_none, "f": idf_log, "p": idf_probabilistic}
NORMALISATION = ("x", "c")
SMART = [t + c + n for n in NORMALISATION for c in COLLECTION for t in TF]  # study order: bxx, txx, bfx…


def document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """df per column of a doc × term count matrix."""
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)


def _rows(m: sp.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))


def smart_parts(counts: sp.csr_matrix, letters: str, df: np.ndarray | None = None):
    """(tf-weighted matrix, per-term collection weights, per-doc 1/length) for SMART letters.

    Document weights are ``diag(inv_len) · tfw · diag(idf)``; keeping the parts apart lets
    search put idf on the (small) query side and share one matrix across weightings.
    """
    if len(letters) != 3 or letters[0] not in TF or letters[1] not in COLLECTION \
            or letters[2] not in NORMALISATION:
        raise ValueError(f"unknown SMART weighting {letters!r}: letters are {{b,t}}{{x,f,p}}{{x,c}}")
    n = counts.shape[0]
    tfw = sp.csr_matrix((TF[letters[0]](counts.data), counts.indices, counts.indptr),
                        shape=counts.shape)
    idf = COLLECTION[letters[1]](document_frequency(counts) if df is None else df, n)
    if letters[2] == "c":
        sq = sp.csr_matrix((tfw.data ** 2, tfw.indices, tfw.indptr), shape=tfw.shape) @ (idf ** 2)
        with np.errstate(divide="ignore"):
            inv_len = np.where(sq > 0, 1.0 / np.sqrt(sq), 0.0)
    else:
        inv_len = np.ones(n)
    return tfw, idf, inv_len


def bm25_matrix(counts: sp.csr_matrix, k1: float = 1.2, b: float = 0.75,
                df: np.ndarray | None = None) -> sp.csr_matrix:
    """Doc × term BM25 weights (see module docstring)."""
    if k1 < 0 or not 0 <= b <= 1:
        raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
    n = counts.shape[0]
    tf = counts.data.astype(np.float64)
    dl = np.asarray(counts.sum(axis=1)).ravel().astype(np.float64)
    avgdl = dl.mean() if n and dl.mean() > 0 else 1.0
    w = bm25_weight(tf, dl[_rows(counts)], avgdl, k1, b)
    w *= idf_bm25(document_frequency(counts) if df is None else df, n)[counts.indices]
    return sp.csr_matrix((w, counts.indices, counts.indptr), shape=counts.shape)


def bm25_weight(tf: np.ndarray, dl: np.ndarray, avgdl: float, k1: float, b: float) -> np.ndarray:
    """The term-frequency part of BM25 for postings with counts ``tf`` in documents of
    lengths ``dl``: ``tf · (k1 + 1) / (tf + k1 · (1 − b + b · dl / avgdl))``."""
    return bm25_saturation(tf, bm25_length_norm(dl, avgdl, k1, b), k1)


def bm25_length_norm(dl: np.ndarray, avgdl: float, k1: float, b: float) -> np.ndarray:
    """``k1 · (1 − b + b · dl / avgdl)``: the part of BM25's denominator set by a document's
    length (a search keeps it per document, so its postings pay one look-up)."""
    return k1 * (1 - b + b * dl / avgdl)


def bm25_saturation(tf: np.ndarray, norm: np.ndarray, k1: float) -> np.ndarray:
    """``tf · (k1 + 1) / (tf + norm)`` with ``norm`` from :func:`bm25_length_norm`."""
    return tf * (k1 + 1) / (tf + norm)


def bm25_terms(postings: sp.csr_matrix, terms: np.ndarray, dl: np.ndarray, df: np.ndarray,
               k1: float = 1.2, b: float = 0.75, avgdl: float | None = None) -> sp.csr_matrix:
    """Term × doc BM25 weights of the rows ``terms`` of ``postings`` (the term × doc count
    matrix); ``dl`` and ``df`` are the whole corpus's document lengths and document
    frequencies (``avgdl``, their mean length, may be given to save a pass over ``dl``). The
    same numbers as :func:`bm25_matrix` for those terms, at the cost of their postings alone:
    a query touches a small part of a large index, and nothing here is as long as the corpus."""
    if k1 < 0 or not 0 <= b <= 1:
        raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
    n = len(dl)
    sub = postings[terms]
    if avgdl is None:
        avgdl = dl.mean() if n else 1.0
    avgdl = avgdl if avgdl > 0 else 1.0
    tf = sub.data.astype(np.float64)
    w = bm25_weight(tf, dl[sub.indices], avgdl, k1, b)
    w *= idf_bm25(df[terms], n)[_rows(sub)]
    return sp.csr_matrix((w, sub.indices, sub.indptr), shape=sub.shape)


def lmdir_terms(postings: sp.csr_matrix, terms: np.ndarray, cf: np.ndarray, dl: np.ndarray,
                mu: float = 1000.0) -> tuple[sp.csr_matrix, np.ndarray]:
    """(term × doc ``log(1 + tf / (mu · p(t|C)))`` of the rows ``terms`` of ``postings``, per-doc
    ``log(mu / (|d| + mu))``): :func:`lmdir_parts` for a query set's terms alone, from the
    whole corpus's collection frequencies ``cf`` and document lengths ``dl``."""
    if mu <= 0:
        raise ValueError(f"lmdir needs mu > 0, got mu={mu}")
    p = cf / max(cf.sum(), 1.0)
    sub = postings[terms]
    w = np.log1p(sub.data / (mu * p[terms][_rows(sub)]))
    return sp.csr_matrix((w, sub.indices, sub.indptr), shape=sub.shape), np.log(mu / (dl + mu))


def lmdir_parts(counts: sp.csr_matrix, mu: float = 1000.0) -> tuple[sp.csr_matrix, np.ndarray]:
    """(doc × term log(1 + tf / (mu · p(t|C))), per-doc log(mu / (|d| + mu))); see above."""
    if mu <= 0:
        raise ValueError(f"lmdir needs mu > 0, got mu={mu}")
    cf = np.asarray(counts.sum(axis=0)).ravel().astype(np.float64)
    p = cf / max(cf.sum(), 1.0)
    w = np.log1p(counts.data / (mu * p[counts.indices]))
    dl = np.asarray(counts.sum(axis=1)).ravel().astype(np.float64)
    return sp.csr_matrix((w, counts.indices, counts.indptr), shape=counts.shape), np.log(mu / (dl + mu))
