"""Cosine similarity of sentence embeddings: the weighting of a configuration made of dense
components only (``dense.all.noattr.cos``); the scores come from :mod:`core.dense`."""
from __future__ import annotations

from . import ScoringScheme


class Cosine(ScoringScheme):
    name, label, order = "cos", "Cosine (dense only)", 4
    lexical = False

    def score(self, index, spec, q):
        raise ValueError("weighting 'cos' is for dense-only configurations; "
                         "lexical components need e.g. bm25(k1=0.9,b=0.4)")


SCHEME = Cosine()
