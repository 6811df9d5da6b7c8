"""BM25 (Robertson et al.) with Lucene's non-negative idf (formula in :mod:`core.weighting`):
``w(t, d) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))``."""
from __future__ import annotations

from ..scheme import Param
from ..weighting import bm25_matrix
from . import ScoringScheme, cached

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
        wt = cached(index, ("weightsT", str(spec)), lambda: self.document_matrix(index, spec).T.tocsr())
        return (q @ wt).toarray()


SCHEME = BM25()
