"""Score many queries at once with one sparse product, find matches, explain a score.

The scheme itself (SMART, BM25, BM25F, LM) comes from the scoring registry
(:mod:`core.scoring`). A document *matches* a query when it shares at least one term with it
(and the scheme agrees: BM25F leaves out fields weighted 0); only matching documents are
ranked, so a target that matches nothing has no rank.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .index import Index
from .scheme import Spec
from .scoring import cached, matches_one, scheme_of


def _spec(w) -> Spec:
    return w if isinstance(w, Spec) else Spec.parse(w)


def document_matrix(index: Index, weighting) -> sp.csr_matrix:
    """The weighted doc × column matrix (cached on the index)."""
    w = _spec(weighting)
    return scheme_of(w).document_matrix(index, w)


def score(index: Index, weighting, q: sp.csr_matrix) -> np.ndarray:
    """Dense query × document scores for a binary query matrix over the index's columns."""
    w = _spec(weighting)
    return scheme_of(w).score(index, w, q)


def matches(index: Index, q: sp.csr_matrix) -> np.ndarray:
    """Boolean query × document: does the document share a term with the query?"""
    if q.shape[0] == 1:   # one query (a search): its terms' postings
        return matches_one(index, q.indices[q.data > 0])[None, :]
    # a grid scores the same queries under many weightings: the last answer is kept (one
    # query set per index), keyed by the query matrix's content
    key = hashlib.sha1(b"".join(np.ascontiguousarray(a).tobytes() for a in (q.indptr, q.indices, q.data)))
    key = (q.shape, key.hexdigest())
    last = index.cache.get("matches")
    if last is None or last[0] != key:
        bt = cached(index, ("tfT", "b"), lambda: index.binary().T.tocsr())  # the matrix SMART 'b' uses
        m = (q @ bt).toarray() > 0
        m.flags.writeable = False      # shared by every weighting of the grid
        last = index.cache["matches"] = (key, m)
    return last[1]


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
