"""BM25 (Robertson et al.) with Lucene's non-negative idf (formula in :mod:`core.weighting`):
``w(t, d) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))``."""
from __future__ import annotations

import numpy as np

from ..postings import gather
from ..scheme import Param
from ..weighting import bm25_length_norm, bm25_matrix, bm25_saturation, bm25_terms, idf_bm25
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
            return self.score_one(index, spec, q.indices, q.data)[0][None, :]
        terms, weights = query_term_weights(index, spec, q, lambda postings, terms: bm25_terms(
            postings, terms, doc_lengths(index), index.document_frequency(), **spec.kwargs,
            avgdl=average_length(index)))
        return (local_columns(q, terms) @ weights).toarray()

    def score_one(self, index, spec, columns, weights=None):
        """One query's scores: Σ over its terms t of q_t · w(t, d), summed per document from
        the terms' postings alone (one bincount; no weight matrix is built); the idf of every
        term and the length part of every document's denominator are kept (per setting), so
        a posting costs a look-up of each. The documents matched are those postings'."""
        k1 = self.full(spec)["k1"]
        norm = cached(index, ("length_norm", str(spec)), lambda: bm25_length_norm(
            doc_lengths(index), average_length(index), k1, self.full(spec)["b"]))
        idf = cached(index, ("idf_bm25",), lambda: idf_bm25(index.document_frequency(), index.n_docs))[columns]
        if weights is not None:
            idf = idf * weights
        postings = index.postings()
        pos, n = gather(postings.indptr, columns)
        docs = postings.indices[pos]
        w = bm25_saturation(postings.data[pos], norm[docs], k1) * np.repeat(idf, n)
        matched = np.zeros(index.n_docs, dtype=bool)
        matched[docs] = True
        return np.bincount(docs, weights=w, minlength=index.n_docs), matched


def average_length(index) -> float:
    dl = doc_lengths(index)
    return cached(index, ("avgdl",), lambda: dl.mean() if len(dl) and dl.mean() > 0 else 1.0)


SCHEME = BM25()
