"""The sidebar's widgets for each scoring scheme of :mod:`core.scoring`.

Ranges, steps, defaults and help text come from the parameters each scheme declares, so a
slider and the Tune page's sweep cover the same values. A scheme with widgets is a
:class:`SchemeWidgets` in :data:`WIDGETS` (keyed by the scheme's registry name): its widgets
(drawn in a container with the defaults and the enrichment, returning their values), the
:class:`~core.scheme.Spec` of those values, and the values showing a Spec (None when they
cannot). Every widget is bound to a URL query parameter whose key is part of shared links.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import streamlit as st

from core.fields import BY_NAME, active_fields
from core.scheme import Param, Spec
from core.scoring import REGISTRY, scheme_of
from core.scoring.bm25f import FIELDS as BM25F_FIELDS
from core.scoring.lmdir import MU

# How every configuration widget keeps its value: in the URL (its key is part of shared links),
# and for the whole session while it is not drawn (a page without the configuration, another
# weighting family), so it is still there when the user comes back (ui/shared_config.py).
# Search's query and A/B choice and Tune's pinned baseline are kept the same way.
BOUND = {"bind": "query-params", "persist_state": "session"}


@dataclass(frozen=True)
class Range:
    """A slider's range and step: can it show a value exactly?"""

    lo: float
    hi: float
    step: float

    @classmethod
    def of(cls, p: Param) -> "Range":
        lo, hi = p.span
        return cls(int(lo), int(hi), int(p.step)) if p.integer else cls(lo, hi, p.step)

    def holds(self, x) -> bool:
        k = (x - self.lo) / self.step
        return self.lo - 1e-9 <= x <= self.hi + 1e-9 and abs(k - round(k)) < 1e-6

    def cast(self, x):
        return int(round(x)) if isinstance(self.step, int) else float(x)


BM25F = REGISTRY.get("bm25f")
K1, B = Range.of(BM25F.param("k1")), Range.of(BM25F.param("b"))
FIELD_WEIGHT = Range.of(BM25F.param("desc"))
K_TF, K_IDF, K_NORM, K_K1, K_B, K_MU = "tf", "idf", "norm", "k1", "b", "mu"
K_FIELD_W = {f: f"w_{f}" for f in BM25F_FIELDS}   # BM25F weight per field
K_FIELD_B = {f: f"b_{f}" for f in BM25F_FIELDS}   # BM25F length normalisation per field
RANGES = {K_K1: K1, K_B: B, **{k: FIELD_WEIGHT for k in K_FIELD_W.values()},
          **{k: B for k in K_FIELD_B.values()}}
DEFAULTS = {K_TF: "b", K_IDF: "p", K_NORM: "x", K_K1: BM25F.defaults["k1"], K_B: BM25F.defaults["b"],
            K_MU: int(MU.default)}
TF_LABELS = {"b": "binary", "t": "raw tf"}
IDF_LABELS = {"x": "none", "f": "log N/df", "p": "log (N−df)/df"}
NORM_LABELS = {"x": "none", "c": "cosine"}
MU_STEPS = (10, 25, 50, 100, 250, 500, 1000, 2000, 4000, 8000)
_B_SEEN = "_b_seen"  # the b slider's value at the end of the last run (see _follow_b)


def same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


@dataclass(frozen=True)
class SchemeWidgets:
    scheme: str
    widgets: Callable[[object, dict, frozenset], dict]
    spec: Callable[[dict, frozenset], Spec]
    state: Callable[[Spec, frozenset], dict | None]

    @property
    def label(self) -> str:
        return REGISTRY.get(self.scheme).label


def _smart_widgets(box, d: dict, enrichment) -> dict:
    # options are the letters themselves (so the URL reads tf=b&idf=p), explained by captions
    def letter(label, options: dict, key):
        return box.radio(label, list(options), index=list(options).index(d[key]),
                         captions=list(options.values()), horizontal=True, key=key,
                         **BOUND)

    return {K_TF: letter("Term frequency", TF_LABELS, K_TF),
            K_IDF: letter("Collection weight", IDF_LABELS, K_IDF),
            K_NORM: letter("Normalisation", NORM_LABELS, K_NORM)}


def _smart_state(w: Spec, enrichment) -> dict | None:
    name = w.name
    if w.params or len(name) != 3 or name[0] not in TF_LABELS or name[1] not in IDF_LABELS \
            or name[2] not in NORM_LABELS:
        return None
    return dict(zip((K_TF, K_IDF, K_NORM), name))


def _slider(box, p: Param, label: str, value: float, key: str, **kw):
    r = Range.of(p)
    return box.slider(label, r.lo, r.hi, float(value), r.step, key=key, **BOUND,
                      help=p.help, **kw)


def _follow_b() -> None:
    """Per-field b sliders left at b keep following it when b moves."""
    old, new = st.session_state.get(_B_SEEN), st.session_state.get(K_B)
    for k in K_FIELD_B.values():
        if old is not None and k in st.session_state and same(st.session_state[k], old):
            st.session_state[k] = new


def _k1_b_widgets(box, d: dict, enrichment=None) -> dict:
    k1 = _slider(box, BM25F.param("k1"), "k1 · term-frequency saturation", d[K_K1], K_K1)
    b = _slider(box, BM25F.param("b"), "b · length normalisation", d[K_B], K_B, on_change=_follow_b)
    st.session_state[_B_SEEN] = b
    return {K_K1: k1, K_B: b}


def _bm25_state(w: Spec, enrichment) -> dict | None:
    p = scheme_of(w).full(w)
    return {K_K1: p["k1"], K_B: p["b"]}


def _bm25f_widgets(box, d: dict, enrichment) -> dict:
    v = _k1_b_widgets(box, d)
    fields = active_fields(enrichment)
    weights = box.expander("Field weights", icon=":material/tune:")
    weights.caption("Each field's length-normalised term counts are weighted and summed, "
                    "then saturated once (BM25F). 0 leaves a field out.")
    for f in fields:
        v[K_FIELD_W[f]] = _slider(weights, BM25F.param(f), BY_NAME[f].label,
                                  d.get(K_FIELD_W[f], BM25F.defaults[f]), K_FIELD_W[f])
    norms = box.expander("Length normalisation per field", icon=":material/straighten:")
    norms.caption("b of each field (0 = none, 1 = full); a field left at b follows the b slider.")
    for f in fields:
        own = d.get(K_FIELD_B[f])
        default = own if own is not None and not same(own, d[K_B]) else v[K_B]
        v[K_FIELD_B[f]] = _slider(norms, BM25F.param(f"b_{f}"), f"b · {BY_NAME[f].label}",
                                  default, K_FIELD_B[f])
    return v


def _bm25f_spec(v: dict, enrichment) -> Spec:
    p = {"k1": v[K_K1], "b": v[K_B]}
    for f in active_fields(enrichment):
        weight, b = v.get(K_FIELD_W[f], 1.0), v.get(K_FIELD_B[f], v[K_B])
        if not same(weight, 1.0):
            p[f] = weight
        if not same(b, v[K_B]):
            p[f"b_{f}"] = b
    return Spec.of("bm25f", **{k: round(float(x), 3) for k, x in p.items()})


def _bm25f_state(w: Spec, enrichment) -> dict | None:
    p = BM25F.full(w)
    for f in BM25F_FIELDS:
        p[f"b_{f}"] = w.kwargs.get(f"b_{f}", p["b"])
    fields = active_fields(enrichment)
    if any(not same(p[f], 1.0) or not same(p[f"b_{f}"], p["b"])
           for f in BM25F_FIELDS if f not in fields):
        return None  # a setting of a field this configuration does not index
    return {K_K1: p["k1"], K_B: p["b"], **{K_FIELD_W[f]: p[f] for f in fields},
            **{K_FIELD_B[f]: p[f"b_{f}"] for f in fields}}


def _lmdir_widgets(box, d: dict, enrichment) -> dict:
    mu = box.select_slider("μ · Dirichlet smoothing", MU_STEPS, value=d[K_MU], key=K_MU,
                           **BOUND, help=MU.help)
    return {K_MU: mu}


def _lmdir_state(w: Spec, enrichment) -> dict | None:
    mu = scheme_of(w).full(w)["mu"]
    return {K_MU: int(mu)} if mu in MU_STEPS else None


WIDGETS: dict[str, SchemeWidgets] = {
    s.scheme: s for s in (
        SchemeWidgets("smart", _smart_widgets, lambda v, e: Spec(v[K_TF] + v[K_IDF] + v[K_NORM]),
                      _smart_state),
        SchemeWidgets("bm25", _k1_b_widgets,
                      lambda v, e: Spec.of("bm25", k1=round(v[K_K1], 3), b=round(v[K_B], 3)), _bm25_state),
        SchemeWidgets("bm25f", _bm25f_widgets, _bm25f_spec, _bm25f_state),
        SchemeWidgets("lmdir", _lmdir_widgets, lambda v, e: Spec.of("lmdir", mu=v[K_MU]), _lmdir_state))
}
"""Schemes the sidebar offers, by registry name (cosine is for dense-only configurations)."""


def widgets_of(w: Spec) -> str | None:
    """The key in :data:`WIDGETS` of the scheme of ``w`` (None: no widgets show it)."""
    name = scheme_of(w).name
    return name if name in WIDGETS else None
