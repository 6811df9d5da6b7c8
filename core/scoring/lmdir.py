"""Query likelihood with Dirichlet smoothing (Zhai & Lafferty 2001), ``lmdir(mu=1000)``:
``score(q, d) = Σ_t log(1 + tf(t, d) / (mu · p(t | C))) + |q| · log(mu / (|d| + mu))``
(parts in :func:`core.weighting.lmdir_parts`)."""
from __future__ import annotations

import numpy as np

from ..scheme import Param
from ..weighting import lmdir_parts
from . import ScoringScheme, cached

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
        def build():
            m, length = lmdir_parts(index.counts, **spec.kwargs)
            return m.T.tocsr(), length
        mt, length = cached(index, ("lmdir", str(spec)), build)
        q_len = np.asarray(q.sum(axis=1)).ravel()   # the number of query terms (binary queries)
        return (q @ mt).toarray() + q_len[:, None] * length[None, :]


SCHEME = LMDirichlet()
