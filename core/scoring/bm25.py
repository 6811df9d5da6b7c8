"""BM25 (Robertson et al.) with Lucene's non-negative idf (formula in :mod:`core.weighting`):
``w(t, d) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))``."""
from __future__ import annotations

from ..scheme import Param
from ..weighting import bm25_matrix, bm25_terms
from . import ScoringScheme, cached, doc_lengths, query_term_weights

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
        term set's weights are kept per setting (a test set scored again is a product)."""
        terms, weights = query_term_weights(index, spec, q, lambda postings, terms: bm25_terms(
            postings, terms, doc_lengths(index), index.document_frequency(), **spec.kwargs))
        return (q[:, terms] @ weights).toarray()


SCHEME = BM25()
