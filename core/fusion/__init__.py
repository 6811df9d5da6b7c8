"""Fuse the rankings of several retrieval components into one score per document.

A fused configuration (``word+4gram.all.noattr.bm25(k1=0.9,b=0.4).rrf(k=60)``) scores every
component (one per tokenisation, ``dense`` included) and combines them per query. A document
is *matched* by the fusion when any component matches it (the union); a component gives a
document it did not match nothing (0 under ``rrf``, its minimum under the sums).

Each scheme is one module here (``rrf``, ``zsum``, ``zall``, ``ztop``, ``msum``, ``mnz``) with a
:class:`FusionScheme` named ``SCHEME``, found by :data:`REGISTRY`. Every scheme also takes one
optional weight per component, keyed by the component's name (or its tokeniser without
options, which names every component of that kind), default 1: ``zsum(dense=0.5)``,
``rrf(k=60,word=2)``. The total is Σ_c w_c · normalise_c(scores_c).
"""
from __future__ import annotations

import numpy as np

from ..scheme import Param, Registry, Scheme, Spec

DEFAULT = Spec("rrf", (("k", 60.0),))
WEIGHT = Param("weight", 1.0, 0.0, float("inf"), "a component's weight in the fused score "
               "(0 mutes it)", step=0.05, range=(0.0, 3.0))


class FusionScheme(Scheme):
    """A fusion scheme: ``normalise`` one component's (scores, matched) into what is summed."""

    def normalise(self, spec: Spec, scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def prepare(self, spec: Spec, scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
        """What this component's share needs that no weight changes (by default its
        normalisation): computed once per component when a grid varies the weights."""
        return self.normalise(spec, scores, matched)

    def weigh(self, spec: Spec, weight: float, prepared: np.ndarray) -> np.ndarray:
        return weight * prepared

    def weighted(self, spec: Spec, weight: float, scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
        """This component's share of the total: ``weight · normalise(…)`` by default."""
        return self.weigh(spec, weight, self.prepare(spec, scores, matched))

    def check(self, spec: Spec) -> None:
        """Only the scheme's own parameters (weights are checked by :func:`check`)."""
        for p in self.params:
            if p.name in spec.kwargs:
                p.check(spec.name, spec.kwargs[p.name])


REGISTRY = Registry(__name__, "fusion")


def base_name(component: str) -> str:
    return component.split("~", 1)[0]


def own_params(spec: Spec) -> set[str]:
    return {p.name for p in REGISTRY.get(spec.name).params}


def weight_keys(spec: Spec) -> dict[str, float]:
    """The component weights a fusion spec writes (its parameters minus the scheme's own)."""
    own = own_params(spec)
    return {k: v for k, v in spec.kwargs.items() if k not in own}


def component_weights(spec: Spec, names: list[str]) -> np.ndarray:
    """One weight per component, looked up by its full name or its base name
    (``dense`` also names ``dense~ocr~sr``)."""
    kw = weight_keys(spec)
    bases = [base_name(n) for n in names]
    unknown = set(kw) - set(names) - set(bases)
    if unknown:
        extra = set(unknown) & {"k"}
        if extra:
            takes = [s.name for s in REGISTRY.all() if s.param("k")]
            raise ValueError(f"fusion {spec.name} takes no k (only {' and '.join(takes)} do)")
        raise ValueError(f"fusion {spec}: weight(s) for {sorted(unknown)} but the components "
                         f"are {', '.join(names)}")
    return np.array([kw.get(n, kw.get(b, 1.0)) for n, b in zip(names, bases)], dtype=np.float64)


def check(spec: Spec, names: list[str]) -> None:
    REGISTRY.get(spec.name).check(spec)
    component_weights(spec, names)


def fuse(spec: Spec | None, names: list[str], parts: list[tuple[np.ndarray, np.ndarray]],
         prepared=None):
    """(scores, matched) of the fusion of components ``(scores, matched)`` named ``names``.

    ``prepared(i)``, when given, returns the scheme's ``prepare`` of part ``i`` computed
    earlier (:mod:`core.component_cache`)."""
    spec = spec or DEFAULT
    check(spec, names)
    scheme = REGISTRY.get(spec.name)
    weights = component_weights(spec, names)
    matched = np.logical_or.reduce([m for _, m in parts])
    total = np.zeros(parts[0][0].shape)
    for i, (w, (s, m)) in enumerate(zip(weights, parts)):
        if w != 0:
            total += scheme.weigh(spec, w, prepared(i)) if prepared else scheme.weighted(spec, w, s, m)
    return total, matched


def ranks(scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Competition rank (1 + #matched docs scoring higher) per query × doc; inf if unmatched."""
    out = np.full(scores.shape, np.inf)
    for i in range(scores.shape[0]):
        m = matched[i]
        if not m.any():
            continue
        s = scores[i, m]
        srt = np.sort(s)
        # number of matched scores strictly greater than each score
        higher = len(s) - np.searchsorted(srt, s, side="right")
        out[i, m] = 1 + higher
    return out
