"""Query likelihood with Dirichlet smoothing (Zhai & Lafferty 2001), ``lmdir(mu=1000)``:
``score(q, d) = Σ_t log(1 + tf(t, d) / (mu · p(t | C))) + |q| · log(mu / (|d| + mu))``
(parts in :func:`core.weighting.lmdir_parts`)."""
from __future__ import annotations

import numpy as np

from ..scheme import Param
from ..weighting import lmdir_terms
from . import ScoringScheme, cached, doc_lengths, local_columns, query_term_weights

MU = Param("mu", 1000.0, 0.0, float("inf"), "Dirichlet smoothing: how many collection-model "
           "tokens each document is padded with (small μ trusts a document's own counts)",
           step=10, range=(10.0, 8000.0))


class LMDirichlet(ScoringScheme):
    name, label, order = "lmdir", "LM", 3
    params = (MU,)

    def check(self, spec) -> None:
        if set(spec.kwargs) - {"mu"} or spec.kwargs.get("mu", 1) <= 0:
            raise ValueError(f"{spec}: lmdir takes one parameter, mu > 0 (e.g. lmdir(mu=1000))")

    def score(self, index, spec, q):
        """From the query set's terms' postings alone (as BM25 does), so a new μ costs those
        postings, not a new weight matrix; the last term set's weights are kept per μ."""
        cf = cached(index, ("collection_frequency",),
                    lambda: np.asarray(index.counts.sum(axis=0)).ravel().astype(np.float64))
        terms, (weights, length) = query_term_weights(index, spec, q, lambda postings, terms: lmdir_terms(
            postings, terms, cf, doc_lengths(index), **spec.kwargs))
        q_len = np.asarray(q.sum(axis=1)).ravel()   # the number of query terms (binary queries)
        return (local_columns(q, terms) @ weights).toarray() + q_len[:, None] * length[None, :]


SCHEME = LMDirichlet()
