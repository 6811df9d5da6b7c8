"""Reciprocal rank fusion (Cormack et al. 2009): Σ_c w_c / (k + rank_c(d)), where
rank_c(d) = 1 + #(documents the component matched with a higher score), so tied documents
share the better rank and the result never depends on tie order; 1/∞ = 0 if unmatched."""
from __future__ import annotations

from ..scheme import Param
from . import FusionScheme, ranks


class RRF(FusionScheme):
    name, label, order = "rrf", "reciprocal ranks", 0
    params = (Param("k", 60.0, 1.0, float("inf"), "rank offset (larger flattens the top)",
                    step=1, range=(1.0, 200.0), integer=True),)

    def normalise(self, spec, scores, matched):
        return 1 / (self.full(spec)["k"] + ranks(scores, matched))

    def prepare(self, spec, scores, matched):
        return ranks(scores, matched)

    def weigh(self, spec, weight, prepared):
        return weight / (self.full(spec)["k"] + prepared)


SCHEME = RRF()
