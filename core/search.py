"""Score many queries at once with one sparse product, rank, and explain a score.

For SMART weightings the document weights are ``diag(1/len) · tfw · diag(idf)``, so
``scores = ((Q · diag(idf)) @ tfwᵀ) · diag(1/len)``: idf goes on the small query matrix and
one tf matrix serves every collection factor. BM25 weights are computed once per (k1, b).
A document *matches* a query when it shares at least one term with it; only matching
documents are ranked (a target that matches nothing has no rank).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .config import Weighting
from .index import Index
from .weighting import bm25_matrix, lmdir_parts, smart_parts


def _weighting(w) -> Weighting:
    return w if isinstance(w, Weighting) else Weighting.parse(w)


def _smart(index: Index, letters: str):
    """(transposed tf matrix, idf, 1/length), cached; the transpose is shared by all letters
    with the same tf factor."""
    key = ("smart", letters)
    if key not in index.cache:
        tfw, idf, inv_len = smart_parts(index.counts, letters, index.document_frequency())
        tkey = ("tfT", letters[0])
        if tkey not in index.cache:
            index.cache[tkey] = tfw.T.tocsr()
        index.cache[key] = (index.cache[tkey], idf, inv_len)
    return index.cache[key]


def _transposed(index: Index, key, matrix_fn) -> sp.csr_matrix:
    if key not in index.cache:
        index.cache[key] = matrix_fn().T.tocsr()
    return index.cache[key]


def document_matrix(index: Index, weighting) -> sp.csr_matrix:
    """The weighted doc × column matrix (cached on the index)."""
    w = _weighting(weighting)
    key = ("weights", str(w))
    if key not in index.cache:
        if w.name == "bm25":
            index.cache[key] = bm25_matrix(index.counts, **w.kwargs, df=index.document_frequency())
        else:
            tfw_t, idf, inv_len = _smart(index, w.name)
            index.cache[key] = (sp.diags(inv_len) @ tfw_t.T @ sp.diags(idf)).tocsr()
    return index.cache[key]


def score(index: Index, weighting, q: sp.csr_matrix) -> np.ndarray:
    """Dense query × document scores for a binary query matrix over the index's columns."""
    w = _weighting(weighting)
    if w.name == "bm25":
        wt = _transposed(index, ("weightsT", str(w)), lambda: document_matrix(index, w))
        return (q @ wt).toarray()
    if w.name == "bm25f":  # field-weighted BM25 (core.bm25f): needs the per-field counts
        from .bm25f import index_bm25f_transposed
        return (q @ index_bm25f_transposed(index, w)).toarray()
    if w.name == "lmdir":  # query likelihood: term part, plus |q| times the length part
        key = ("lmdir", str(w))
        if key not in index.cache:
            m, length = lmdir_parts(index.counts, **w.kwargs)
            index.cache[key] = (m.T.tocsr(), length)
        mt, length = index.cache[key]
        q_len = np.asarray(q.sum(axis=1)).ravel()   # the number of query terms (binary queries)
        return (q @ mt).toarray() + q_len[:, None] * length[None, :]
    tfw_t, idf, inv_len = _smart(index, w.name)
    return (q.multiply(idf[None, :]).tocsr() @ tfw_t).toarray() * inv_len[None, :]


def matches(index: Index, q: sp.csr_matrix) -> np.ndarray:
    """Boolean query × document: does the document share a term with the query?"""
    bt = _transposed(index, ("tfT", "b"), index.binary)  # the same matrix SMART 'b' uses
    return (q @ bt).toarray() > 0


def explain(index: Index, weighting, query: str, doc: int) -> pd.DataFrame:
    """Each matching term's contribution to one document's score (sums to the score)."""
    q = index.query_matrix([query])
    w = document_matrix(index, weighting)
    row = w.getrow(doc)
    cols = np.intersect1d(q.indices, row.indices)
    contrib = np.asarray(row[:, cols].todense()).ravel() if len(cols) else np.array([])
    tf = np.asarray(index.counts[doc, cols].todense()).ravel() if len(cols) else np.array([])
    df = pd.DataFrame({"term": [index.term(c) for c in cols], "tf": tf, "contribution": contrib})
    return df.sort_values("contribution", ascending=False, ignore_index=True)
