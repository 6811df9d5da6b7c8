"""z-scores over matched documents: Σ_c w_c · (s_c(d) − mean_c) / std_c, mean and std over
the documents component c matched for that query; unmatched documents take the lowest z."""
from __future__ import annotations

from . import FusionScheme
from .normalise import z_matched


class ZSum(FusionScheme):
    name, label, order = "zsum", "z-scores over matched documents", 1

    def normalise(self, spec, scores, matched):
        return z_matched(scores, matched)


SCHEME = ZSum()
