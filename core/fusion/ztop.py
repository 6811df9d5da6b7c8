"""z-scores over the top k: like ``zsum`` but mean and std over each component's ``k``
best-scoring matched documents only (the head of the ranking, where the target is; the long
tail of weak partial matches no longer sets the scale); unmatched documents take the lowest z."""
from __future__ import annotations

from ..scheme import Param
from . import FusionScheme
from .normalise import z_matched


class ZTop(FusionScheme):
    name, label, order = "ztop", "z-scores over the top k", 3
    params = (Param("k", 50.0, 2.0, float("inf"), "how many top documents set each "
                    "component's scale", step=1, range=(2.0, 200.0), integer=True),)

    def check(self, spec):
        if spec.kwargs.get("k", 2) < 2:
            raise ValueError(f"fusion {spec}: k must be at least 2")

    def normalise(self, spec, scores, matched):
        return z_matched(scores, matched, int(self.full(spec)["k"]))


SCHEME = ZTop()
