"""z-scores over all documents: like ``zsum`` but mean and std over *all* documents, an
unmatched document counting as score 0 (a component that matches few documents lifts them
further)."""
from __future__ import annotations

from . import FusionScheme
from .normalise import z_all


class ZAll(FusionScheme):
    name, label, order = "zall", "z-scores over all documents", 2

    def normalise(self, spec, scores, matched):
        return z_all(scores, matched)


SCHEME = ZAll()
