"""Min-max normalised sum: like ``msum`` but (s − min) / (max − min) over matched documents."""
from __future__ import annotations

from . import FusionScheme
from .normalise import max_norm


class MNZ(FusionScheme):
    name, label, order = "mnz", "min-max normalised scores", 5

    def normalise(self, spec, scores, matched):
        return max_norm(scores, matched, minmax=True)


SCHEME = MNZ()
