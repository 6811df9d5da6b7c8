"""SMART weightings (Salton & Buckley 1988): three letters ``<tf><collection><norm>``.

Document weights are ``diag(1/len) · tfw · diag(idf)`` (formulas in :mod:`core.weighting`),
so ``scores = ((Q · diag(idf)) @ tfwᵀ) · diag(1/len)``: idf goes on the small query matrix and
one transposed tf matrix serves every collection factor with the same tf letter.
"""
from __future__ import annotations

import scipy.sparse as sp

from ..weighting import COLLECTION, NORMALISATION, TF, smart_parts
from . import ScoringScheme, cached


def _parts(index, letters: str):
    """(transposed tf matrix, idf, 1/length), cached; the transpose is shared by all letters
    with the same tf factor."""
    def build():
        tfw, idf, inv_len = smart_parts(index.counts, letters, index.document_frequency())
        return cached(index, ("tfT", letters[0]), lambda: tfw.T.tocsr()), idf, inv_len
    return cached(index, ("smart", letters), build)


class Smart(ScoringScheme):
    name, label, order = "smart", "SMART", 0
    explains = True

    def owns(self, name: str) -> bool:
        return len(name) == 3 and name.isalpha()

    def check(self, spec) -> None:
        n = spec.name
        if n[0] not in TF or n[1] not in COLLECTION or n[2] not in NORMALISATION:
            raise ValueError(f"unknown SMART weighting {n!r}: letters are {{b,t}}{{x,f,p}}{{x,c}}")
        if spec.params:
            raise ValueError(f"SMART weighting {n} takes no parameters")

    def score(self, index, spec, q):
        tfw_t, idf, inv_len = _parts(index, spec.name)
        return (q.multiply(idf[None, :]).tocsr() @ tfw_t).toarray() * inv_len[None, :]

    def document_matrix(self, index, spec):
        def build():
            tfw_t, idf, inv_len = _parts(index, spec.name)
            return (sp.diags(inv_len) @ tfw_t.T @ sp.diags(idf)).tocsr()
        return cached(index, ("weights", str(spec)), build)


SCHEME = Smart()
