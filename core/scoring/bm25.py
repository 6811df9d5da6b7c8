"""BM25 (Robertson et al.) with Lucene's non-negative idf (formula in :mod:`core.weighting`):
``w(t, d) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))``."""
from __future__ import annotations

import numpy as np

from ..postings import gather
from ..scheme import Param
from ..weighting import bm25_matrix, bm25_terms, bm25_weight, idf_bm25
from . import ScoringScheme, cached, doc_lengths, local_columns, query_term_weights

K1 = Param("k1", 1.2, 0.0, float("inf"), "term-frequency saturation: 0 = binary; larger = raw "
           "counts matter longer", step=0.1, range=(0.0, 3.0))
B = Param("b", 0.75, 0.0, 1.0, "length normalisation: 0 = none; 1 = full normalisation by "
          "document length", step=0.05)


class BM25(ScoringScheme):
    name, label, order = "bm25", "BM25", 1
    params = (K1, B)
    explains = True

    def document_matrix(self, index, spec):
        return cached(index, ("weights", str(spec)),
                      lambda: bm25_matrix(index.counts, **spec.kwargs, df=index.document_frequency()))

    def score(self, index, spec, q):
        """Weights of the query set's terms only (:func:`~core.weighting.bm25_terms`), so a
        new k1 or b costs the postings of those terms, not a new weight matrix; the last
        term set's weights are kept per setting (a test set scored again is a product).
        One query (a search) is scored straight from its terms' postings."""
        if q.shape[0] == 1:
            return self.score_one(index, spec, q)[None, :]
        terms, weights = query_term_weights(index, spec, q, lambda postings, terms: bm25_terms(
            postings, terms, doc_lengths(index), index.document_frequency(), **spec.kwargs,
            avgdl=average_length(index)))
        return (local_columns(q, terms) @ weights).toarray()

    def score_one(self, index, spec, q) -> np.ndarray:
        """One query's scores: Σ over its terms t of q_t · w(t, d), summed per document from
        the terms' postings alone (one bincount; no weight matrix is built)."""
        k1, b = (self.full(spec)[p] for p in ("k1", "b"))
        postings, dl = index.postings(), doc_lengths(index)
        pos, n = gather(postings.indptr, q.indices)
        docs = postings.indices[pos]
        idf = idf_bm25(index.document_frequency()[q.indices], len(dl)) * q.data
        w = bm25_weight(postings.data[pos], dl[docs], average_length(index), k1, b) * np.repeat(idf, n)
        return np.bincount(docs, weights=w, minlength=len(dl))


def average_length(index) -> float:
    dl = doc_lengths(index)
    return cached(index, ("avgdl",), lambda: dl.mean() if len(dl) and dl.mean() > 0 else 1.0)


SCHEME = BM25()
