"""Max-normalised sum: Σ_c w_c · s_c(d) / max_d s_c(d); unmatched documents 0."""
from __future__ import annotations

from . import FusionScheme
from .normalise import max_norm


class MSum(FusionScheme):
    name, label, order = "msum", "scores over their maximum", 4

    def normalise(self, spec, scores, matched):
        return max_norm(scores, matched, minmax=False)


SCHEME = MSum()
