"""BM25 (Robertson et al.) with Lucene's non-negative idf (formula in :mod:`core.weighting`):
``w(t, d) = idf(t) · tf · (k1 + 1) / (tf + k1 · (1 − b + b · |d| / avgdl))``."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..scheme import Param
from ..postings import gather
from ..weighting import bm25_matrix, bm25_terms, bm25_weight, idf_bm25
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
        """Weights of the query set's terms only (:func:`~core.weighting.bm25_terms`), so a
        new k1 or b costs the postings of those terms, not a new weight matrix; the last
        term set's weights are kept per setting (a test set scored again is a product).
        One query (a search) is scored straight from its terms' postings."""
        postings, dl, avgdl = self.lengths(index)
        if q.shape[0] == 1:
            return self.score_one(index, spec, q, postings, dl, avgdl)[None, :]
        terms = np.unique(q.indices)
        key = ("query_terms", str(spec))
        kept = index.cache.get(key)
        if kept is None or not np.array_equal(kept[0], terms):
            kept = index.cache[key] = (terms, bm25_terms(postings, terms, dl, index.document_frequency(),
                                                         **spec.kwargs, avgdl=avgdl))
        # q's columns renumbered to positions in `terms` (q[:, terms] without a pass over all columns)
        local = sp.csr_matrix((q.data, np.searchsorted(terms, q.indices), q.indptr), shape=(q.shape[0], len(terms)))
        return (local @ kept[1]).toarray()

    @staticmethod
    def lengths(index):
        """(term × doc postings, document lengths, their mean), kept on the index."""
        dl = cached(index, ("doc_length",),
                    lambda: np.asarray(index.counts.sum(axis=1)).ravel().astype(np.float64))
        return index.postings(), dl, cached(index, ("avgdl",), lambda: dl.mean() if len(dl) and dl.mean() > 0 else 1.0)

    def score_one(self, index, spec, q, postings, dl, avgdl) -> np.ndarray:
        """One query's scores: Σ over its terms t of q_t · w(t, d), summed per document from
        the terms' postings alone (one bincount; no weight matrix is built)."""
        k1, b = (self.full(spec)[p] for p in ("k1", "b"))
        pos, n = gather(postings.indptr, q.indices)
        docs = postings.indices[pos]
        idf = idf_bm25(index.document_frequency()[q.indices], len(dl)) * q.data
        w = bm25_weight(postings.data[pos], dl[docs], avgdl, k1, b) * np.repeat(idf, n)
        return np.bincount(docs, weights=w, minlength=len(dl))


SCHEME = BM25()
