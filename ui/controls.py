"""Every retrieval-configuration widget, in one place, bound to the URL.

:func:`config_sidebar` draws the controls and returns a :class:`core.config.Config`:

* the main lexical component: tokenisation (words or character n-grams with an n slider) and
  its query options (``fuzzy``, ``split``, ``rm3``; :mod:`core.query_expansion`);
* enrichment toggles (speech, OCR, comments) and field attribution;
* a weighting family with its own widgets: SMART letters, BM25 k1/b, BM25F k1/b plus one
  weight and one length normalisation per field (in expanders), or query likelihood (LM,
  Dirichlet μ);
* "Fusion" (an expander): a second lexical component, dense passages (sentence embeddings,
  with one or more models per passage when several are installed, each (passage, model) a
  component, and a window per passage for MaxP), the fusion scheme and one weight per
  component.

Each widget is bound to a URL query parameter (``bind="query-params"``), so a view can be
shared or bookmarked and survives a reload; a value equal to its default is left out of the
URL. Defaults come from :data:`core.config.STUDY_BEST`.

The widget values form one flat dict keyed by the widgets' keys, the *state*. :func:`_build`
turns a state into a Config and :func:`_state_of` a Config into a state; a pasted
configuration is applied to the widgets exactly when the state it gives builds a Config that
means the same (:func:`_expressible`). Anything else (dense alone, options the widgets do
not offer) can be pasted in the "Configuration string" box and is used as it is.

Adding an option is a few lines here and nothing in the pages: a weighting family is a
:class:`Family` in :data:`FAMILIES` (widgets, Weighting from values, values from Weighting);
a dense passage is an entry of :data:`PASSAGES`. Pages only ever see the returned Config.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

import core.dense
from core.bm25f import DEFAULTS as BM25_DEFAULTS
from core.bm25f import FIELDS as BM25F_FIELDS
from core.bm25f import active_fields, check_params
from core.config import (QUERY_OPTIONS, STUDY_BEST, WINDOW, Config, Weighting, base_token, is_dense,
                         query_options)
from core.families import TUNED_ON_STUDY, WINDOWS
from core.fusion import DEFAULT as DEFAULT_FUSION
from core.fusion import SCHEMES, TAKES_K
from core.query_set import filter_queries, query_facets

DEFAULT_MODEL = core.dense.DEFAULT_MODEL   # its option is never written in a token


@dataclass(frozen=True)
class Lexical:
    """The widget keys of one lexical component: tokenisation, n, query options, fusion weight."""

    tok: str
    n: str
    opts: str
    weight: str


# URL keys (short, stable: they are part of shared links)
MAIN = Lexical("tok", "n", "qo", "cw")
SECOND = Lexical("tok2", "n2", "qo2", "cw2")
K_ATTR, K_FAMILY = "attr", "w"
K_FIELDS = {"sr": "sr", "ocr": "ocr", "c": "c"}
K_TF, K_IDF, K_NORM, K_K1, K_B, K_MU = "tf", "idf", "norm", "k1", "b", "mu"
K_FIELD_W = {f: f"w_{f}" for f in BM25F_FIELDS}   # BM25F weight per field
K_FIELD_B = {f: f"b_{f}" for f in BM25F_FIELDS}   # BM25F length normalisation per field
K_DENSE, K_FUSION, K_RRF_K, K_ZTOP_K = "dense", "fu", "rk", "zk"
K_CFG = "cfg"  # the paste box, bound too: it holds a configuration the widgets cannot show

TOKENISATIONS = {"word": "Words", "ngram": "Character n-grams"}
FIELD_LABELS = {"sr": "Speech-to-text (SR)", "ocr": "Cover-photo OCR", "c": "Comments (C)"}
BM25F_LABELS = {"desc": "Description", "creator": "Creator (username, nickname)",
                "music": "Music title", "sr": "Speech-to-text", "ocr": "Cover-photo OCR",
                "c": "Comments"}
TF_LABELS = {"b": "binary", "t": "raw tf"}
IDF_LABELS = {"x": "none", "f": "log N/df", "p": "log (N−df)/df"}
NORM_LABELS = {"x": "none", "c": "cosine"}
SCHEME_LABELS = {"rrf": "reciprocal ranks", "zsum": "z-scores over matched documents",
                 "zall": "z-scores over all documents", "ztop": "z-scores over the top k",
                 "msum": "scores over their maximum", "mnz": "min-max normalised scores"}
# dense passage (the token's options without the model) -> label; "all" is plain ``dense``
PASSAGES = {"all": "Config's fields", "ocr~sr": "Basic + OCR + speech",
            "c~only": "Comments alone", "basic": "Basic fields alone"}
K_MODEL = {p: f"dm_{p.replace('~', '_')}" for p in PASSAGES}   # the passage's models (a list)
# weight of each (passage, model) component: the default model's key has no suffix (older links)
K_DENSE_W = {(p, m): f"cw_{p.replace('~', '_')}" + ("" if m == DEFAULT_MODEL else f"_{m}")
             for p in PASSAGES for m in core.dense.MODELS}
K_WINDOW = {p: f"dw_{p.replace('~', '_')}" for p in PASSAGES}
WINDOW_SIZES = tuple(w or 0 for w in WINDOWS)   # the window select's options, 0: whole passage
OPTIONS_HELP = ("**fuzzy**: misspelt query words also match close corpus words (words only) · "
                "**split**: hashtags and run-together words (#onepiece ↔ one piece) · "
                "**rm3**: add terms of the component's own top documents (pseudo-relevance "
                "feedback)")
_B_SEEN = "_b_seen"  # the b slider's value at the end of the last run (see _follow_b)


@dataclass(frozen=True)
class Range:
    """A slider's range and step: can it show a value exactly?"""

    lo: float
    hi: float
    step: float

    def holds(self, x) -> bool:
        k = (x - self.lo) / self.step
        return self.lo - 1e-9 <= x <= self.hi + 1e-9 and abs(k - round(k)) < 1e-6

    def cast(self, x):
        return int(round(x)) if isinstance(self.step, int) else float(x)


N, K1, B, WEIGHT = Range(2, 8, 1), Range(0.0, 3.0, 0.1), Range(0.0, 1.0, 0.05), Range(0.0, 3.0, 0.05)
RANGES = {MAIN.n: N, SECOND.n: N, K_K1: K1, K_B: B, K_RRF_K: Range(1, 200, 1),
          K_ZTOP_K: Range(2, 200, 1), MAIN.weight: WEIGHT, SECOND.weight: WEIGHT,
          **{k: WEIGHT for k in K_FIELD_W.values()}, **{k: B for k in K_FIELD_B.values()},
          **{k: WEIGHT for k in K_DENSE_W.values()}}
# widget defaults where the default configuration says nothing (bpx, BM25's own defaults)
_FALLBACK = {K_TF: "b", K_IDF: "p", K_NORM: "x", K_K1: BM25_DEFAULTS["k1"], K_B: BM25_DEFAULTS["b"],
             K_FUSION: "zsum", K_RRF_K: int(TAKES_K["rrf"]), K_ZTOP_K: int(TAKES_K["ztop"]), K_MU: 1000}


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def _params(p: dict) -> tuple:
    return tuple(sorted((k, round(float(x), 3)) for k, x in p.items()))


def dense_models() -> dict[str, str]:
    """The installed sentence-embedding models, token option -> model name (nothing loaded)."""
    return {m: name for m, name in core.dense.MODELS.items() if core.dense.installed(m)}


# ----------------------------------------------------------------------------- weightings
@dataclass(frozen=True)
class Family:
    """A weighting family: its label, which Weightings belong to it, its widgets (drawn in a
    container with the defaults and the enrichment, returning their values), the Weighting
    of those values, and the values showing a Weighting (None when they cannot)."""

    label: str
    owns: Callable[[Weighting], bool]
    widgets: Callable[[object, dict, frozenset], dict]
    weighting: Callable[[dict, frozenset], Weighting]
    state: Callable[[Weighting, frozenset], dict | None]


def _smart_widgets(box, d: dict, enrichment) -> dict:
    # options are the letters themselves (so the URL reads tf=b&idf=p), explained by captions
    def letter(label, options: dict, key):
        return box.radio(label, list(options), index=list(options).index(d[key]),
                         captions=list(options.values()), horizontal=True, key=key,
                         bind="query-params")

    return {K_TF: letter("Term frequency", TF_LABELS, K_TF),
            K_IDF: letter("Collection weight", IDF_LABELS, K_IDF),
            K_NORM: letter("Normalisation", NORM_LABELS, K_NORM)}


def _smart_state(w: Weighting, enrichment) -> dict | None:
    name = w.name
    if w.params or len(name) != 3 or name[0] not in TF_LABELS or name[1] not in IDF_LABELS \
            or name[2] not in NORM_LABELS:
        return None
    return dict(zip((K_TF, K_IDF, K_NORM), name))


def _follow_b() -> None:
    """Per-field b sliders left at b keep following it when b moves."""
    old, new = st.session_state.get(_B_SEEN), st.session_state.get(K_B)
    for k in K_FIELD_B.values():
        if old is not None and k in st.session_state and _same(st.session_state[k], old):
            st.session_state[k] = new


def _k1_b_widgets(box, d: dict) -> dict:
    k1 = box.slider("k1 · term-frequency saturation", K1.lo, K1.hi, float(d[K_K1]), K1.step,
                    key=K_K1, bind="query-params", help="0 = binary; larger = raw counts matter longer.")
    b = box.slider("b · length normalisation", B.lo, B.hi, float(d[K_B]), B.step, key=K_B,
                   bind="query-params", on_change=_follow_b,
                   help="0 = none; 1 = full normalisation by document length.")
    st.session_state[_B_SEEN] = b
    return {K_K1: k1, K_B: b}


def _bm25_widgets(box, d: dict, enrichment) -> dict:
    return _k1_b_widgets(box, d)


def _bm25_weighting(v: dict, enrichment) -> Weighting:
    return Weighting("bm25", _params({"k1": v[K_K1], "b": v[K_B]}))


def _bm25_state(w: Weighting, enrichment) -> dict | None:
    p = {**BM25_DEFAULTS, **w.kwargs}
    return {K_K1: p["k1"], K_B: p["b"]} if set(p) == {"k1", "b"} else None


def _bm25f_widgets(box, d: dict, enrichment) -> dict:
    v = _k1_b_widgets(box, d)
    fields = active_fields(enrichment)
    weights = box.expander("Field weights", icon=":material/tune:")
    weights.caption("Each field's length-normalised term counts are weighted and summed, "
                    "then saturated once (BM25F). 0 leaves a field out.")
    for f in fields:
        v[K_FIELD_W[f]] = weights.slider(BM25F_LABELS[f], WEIGHT.lo, WEIGHT.hi,
                                         float(d.get(K_FIELD_W[f], 1.0)), WEIGHT.step,
                                         key=K_FIELD_W[f], bind="query-params")
    norms = box.expander("Length normalisation per field", icon=":material/straighten:")
    norms.caption("b of each field (0 = none, 1 = full); a field left at b follows the b slider.")
    for f in fields:
        own = d.get(K_FIELD_B[f])
        default = own if own is not None and not _same(own, d[K_B]) else v[K_B]
        v[K_FIELD_B[f]] = norms.slider(f"b · {BM25F_LABELS[f]}", B.lo, B.hi, float(default),
                                       B.step, key=K_FIELD_B[f], bind="query-params")
    return v


def _bm25f_weighting(v: dict, enrichment) -> Weighting:
    p = {"k1": v[K_K1], "b": v[K_B]}
    for f in active_fields(enrichment):
        weight, b = v.get(K_FIELD_W[f], 1.0), v.get(K_FIELD_B[f], v[K_B])
        if not _same(weight, 1.0):
            p[f] = weight
        if not _same(b, v[K_B]):
            p[f"b_{f}"] = b
    return Weighting("bm25f", _params(p))


def _bm25f_state(w: Weighting, enrichment) -> dict | None:
    try:
        p = check_params(w.kwargs)
    except ValueError:
        return None
    fields = active_fields(enrichment)
    if any(not _same(p[f], 1.0) or not _same(p[f"b_{f}"], p["b"])
           for f in BM25F_FIELDS if f not in fields):
        return None  # a setting of a field this configuration does not index
    return {K_K1: p["k1"], K_B: p["b"], **{K_FIELD_W[f]: p[f] for f in fields},
            **{K_FIELD_B[f]: p[f"b_{f}"] for f in fields}}


MU_STEPS = (10, 25, 50, 100, 250, 500, 1000, 2000, 4000, 8000)


def _lmdir_widgets(box, d: dict, enrichment) -> dict:
    mu = box.select_slider("μ · Dirichlet smoothing", MU_STEPS, value=d[K_MU], key=K_MU,
                           bind="query-params",
                           help="How many collection-model tokens each document is padded with: "
                                "small μ trusts a document's own counts, large μ favours long "
                                "documents less.")
    return {K_MU: mu}


def _lmdir_state(w: Weighting, enrichment) -> dict | None:
    mu = w.kwargs.get("mu", 1000)
    return {K_MU: int(mu)} if set(w.kwargs) <= {"mu"} and mu in MU_STEPS else None


FAMILIES: dict[str, Family] = {
    "smart": Family("SMART", lambda w: w.name not in ("bm25", "bm25f", "lmdir"), _smart_widgets,
                    lambda v, e: Weighting(v[K_TF] + v[K_IDF] + v[K_NORM]), _smart_state),
    "bm25": Family("BM25", lambda w: w.name == "bm25", _bm25_widgets, _bm25_weighting, _bm25_state),
    "bm25f": Family("BM25F", lambda w: w.name == "bm25f", _bm25f_widgets, _bm25f_weighting,
                    _bm25f_state),
    "lmdir": Family("LM", lambda w: w.name == "lmdir", _lmdir_widgets,
                    lambda v, e: Weighting("lmdir", (("mu", float(v[K_MU])),)), _lmdir_state),
}


def _family_of(w: Weighting) -> str:
    return next((k for k, f in FAMILIES.items() if f.owns(w)), "smart")


# ----------------------------------------------------------------------------- components
def _options_for(kind: str) -> tuple[str, ...]:
    """The query options that change a component of this kind (fuzzy is for words only)."""
    return QUERY_OPTIONS if kind == "word" else tuple(o for o in QUERY_OPTIONS if o != "fuzzy")


def _lexical_token(v: dict, keys: Lexical) -> str:
    kind = v[keys.tok]
    base = "word" if kind == "word" else f"{int(v[keys.n])}gram"
    return "~".join((base, *sorted(o for o in v.get(keys.opts) or () if o in _options_for(kind))))


def _lexical_state(token: str, keys: Lexical) -> dict | None:
    base, opts = base_token(token), query_options(token)
    kind = "word" if base == "word" else "ngram"
    if not set(opts) <= set(_options_for(kind)):
        return None
    return {keys.tok: kind, keys.opts: list(opts), **({keys.n: int(base[:-4])} if kind == "ngram" else {})}


def _dense_token(passage: str, model: str, window: int = 0) -> str:
    opts = ([] if passage == "all" else passage.split("~")) + ([] if model == DEFAULT_MODEL else [model])
    return "~".join(("dense", *sorted(opts), *([f"w{window}"] if window else [])))   # w<n> sorts last


def _components(v: dict) -> list[tuple[str, str]]:
    """(weight key, token) of every component the values name: main, second, and one per
    model of each dense passage."""
    main = _lexical_token(v, MAIN)
    out = [(MAIN.weight, main)]
    if v.get(SECOND.tok) and _lexical_token(v, SECOND) != main:
        out.append((SECOND.weight, _lexical_token(v, SECOND)))
    dense = [(K_DENSE_W[p, m], _dense_token(p, m, v.get(K_WINDOW[p]) or 0))
             for p in v.get(K_DENSE) or () for m in v.get(K_MODEL[p]) or [DEFAULT_MODEL]]
    return out + sorted(dense, key=lambda c: c[1])


def _weights(fusion: Weighting, tokens) -> dict[str, float]:
    """Each component's fusion weight (by its name, else its base name; default 1)."""
    kw = {k: x for k, x in fusion.kwargs.items() if k != "k"}
    return {t: kw.get(t, kw.get(base_token(t), 1.0)) for t in tokens}


def _written(weights: dict[str, float]) -> dict[str, float]:
    """The fusion weights a configuration string writes: those not 1, and a 1 that a base-name
    weight would otherwise override. Several components sharing a base name that is not a
    component itself and one weight (MiniLM and mpnet on a passage: ``dense=0.5``) are
    written once, under the base name."""
    groups: dict[str, list[str]] = {}
    for t in weights:
        groups.setdefault(base_token(t), []).append(t)
    out = {}
    for base, tokens in groups.items():
        w = weights[tokens[0]]
        if len(tokens) > 1 and base not in weights and not _same(w, 1.0) \
                and all(_same(weights[t], w) for t in tokens):
            out[base] = w
            continue
        for t in tokens:
            if not _same(weights[t], 1.0) or base != t and not _same(weights.get(base, 1.0), 1.0):
                out[t] = weights[t]
    return out


# ----------------------------------------------------------------------------- state <-> Config
def _build(v: dict) -> Config:
    """The Config the widget values show."""
    enrichment = frozenset(e for e, k in K_FIELDS.items() if v[k])
    comps = _components(v)
    fusion = None
    if len(comps) > 1:
        scheme = v[K_FUSION]
        p = {"k": v[K_RRF_K if scheme == "rrf" else K_ZTOP_K]} if scheme in TAKES_K else {}
        p.update(_written({t: float(v.get(k, 1.0)) for k, t in comps}))
        fusion = Weighting(scheme, _params(p))
    family = v[K_FAMILY]
    return Config(tuple(t for _, t in comps), enrichment, bool(v.get(K_ATTR)) and family != "bm25f",
                  FAMILIES[family].weighting(v, enrichment), fusion)


def _state_of(config: Config) -> dict | None:
    """The widget values that show ``config``, or None when the widgets cannot."""
    lexical = [t for t in config.tokens if not is_dense(t)]
    dense = [t for t in config.tokens if is_dense(t)]
    if not 1 <= len(lexical) <= 2:
        return None
    s = {SECOND.tok: None, SECOND.opts: [], K_DENSE: []}
    for keys, token in zip((MAIN, SECOND), lexical):
        part = _lexical_state(token, keys)
        if part is None:
            return None
        s.update(part)
    weight_keys = dict(zip(lexical, (MAIN.weight, SECOND.weight)))
    models = dense_models() if dense else {}
    for token in dense:   # a passage's models share its one window
        opts = query_options(token)
        window = core.dense.window_of(opts) or 0
        opts = [o for o in opts if not WINDOW.match(o)]
        model = next((o for o in opts if o in models), DEFAULT_MODEL)
        passage = "~".join(o for o in opts if o != model) or "all"
        if passage not in PASSAGES or model not in models or window not in WINDOW_SIZES \
                or model in s.get(K_MODEL[passage], ()) or s.get(K_WINDOW[passage], window) != window:
            return None
        if passage not in s[K_DENSE]:
            s[K_DENSE].append(passage)
        s[K_MODEL[passage]] = [m for m in models if m in (*s.get(K_MODEL[passage], ()), model)]
        s[K_WINDOW[passage]] = window
        weight_keys[token] = K_DENSE_W[passage, model]
    s.update({k: e in config.enrichment for e, k in K_FIELDS.items()})
    s[K_ATTR] = config.attribution
    s[K_FAMILY] = _family_of(config.weighting)
    part = FAMILIES[s[K_FAMILY]].state(config.weighting, config.enrichment)
    if part is None:
        return None
    s.update(part)
    if len(config.tokens) > 1:
        fusion = config.fusion or DEFAULT_FUSION
        s[K_FUSION] = fusion.name
        if fusion.name in TAKES_K:
            s[K_RRF_K if fusion.name == "rrf" else K_ZTOP_K] = fusion.kwargs.get("k", TAKES_K[fusion.name])
        s.update({weight_keys[t]: w for t, w in _weights(fusion, config.tokens).items()})
    if not all(RANGES[k].holds(x) for k, x in s.items() if k in RANGES):
        return None
    return {k: RANGES[k].cast(x) if k in RANGES else x for k, x in s.items()}


def _meaning(config: Config) -> tuple:
    """What a configuration computes, whatever order and defaults its string uses."""
    w = config.weighting
    if w.name == "bm25":
        params = tuple(sorted({**BM25_DEFAULTS, **w.kwargs}.items()))
    elif w.name == "bm25f":
        params = tuple(sorted(check_params(w.kwargs).items()))
    elif w.name == "lmdir":
        params = (("mu", float(w.kwargs.get("mu", 1000))),)
    else:
        params = w.params
    fusion = None
    if len(config.tokens) > 1:
        f = config.fusion or DEFAULT_FUSION
        fusion = (f.name, f.kwargs.get("k", TAKES_K.get(f.name)),
                  tuple(sorted(_weights(f, config.tokens).items())))
    return (frozenset(config.tokens), config.enrichment, config.attribution, w.name, params, fusion)


def _expressible(config: Config) -> bool:
    """Can the widgets show this configuration exactly?"""
    s = _state_of(config)
    if s is None:
        return False
    try:
        return _meaning(_build(s)) == _meaning(config)
    except (ValueError, KeyError):
        return False


def _apply(config: Config) -> None:
    """Set the widgets' session state to show ``config`` (used by paste and reset)."""
    for k, x in (_state_of(config) or {}).items():
        st.session_state[k] = x


def _on_paste() -> None:
    """A configuration the widgets can show is applied to them and the box cleared; any
    other stays in the box (and the URL) and overrides the widgets."""
    text = (st.session_state.get(K_CFG) or "").strip()
    try:
        config = Config.parse(text) if text else None
    except ValueError:
        return  # config_sidebar says what is wrong
    if config is not None and _expressible(config):
        _apply(config)
        st.session_state[K_CFG] = ""


def _on_reset(default: Config) -> None:
    st.session_state[K_CFG] = ""
    _apply(default)


# ----------------------------------------------------------------------------- widgets
def _lexical_widgets(box, keys: Lexical, d: dict, label: str, required: bool) -> dict:
    """Tokenisation, n and query options of one lexical component (none when not required
    and nothing is selected)."""
    kind = box.segmented_control(label, list(TOKENISATIONS), default=d.get(keys.tok),
                                 format_func=TOKENISATIONS.get, key=keys.tok, bind="query-params",
                                 required=required)
    if required:
        kind = kind or d[keys.tok]
    if kind is None:
        return {keys.tok: None}
    v = {keys.tok: kind}
    if kind == "ngram":
        v[keys.n] = box.slider("n (characters per n-gram)", N.lo, N.hi, d.get(keys.n, 4),
                               key=keys.n, bind="query-params")
    options = _options_for(kind)
    v[keys.opts] = box.pills("Query options", options, selection_mode="multi",
                             default=[o for o in d.get(keys.opts) or () if o in options],
                             key=keys.opts, bind="query-params", help=OPTIONS_HELP)
    return v


def _attribution_widget(box, d: dict, family: str) -> bool:
    if family == "bm25f":  # shown off and disabled: BM25F is the field-aware weighting itself
        box.toggle("Field attribution", value=False, disabled=True, key="_attr_bm25f",
                   help="BM25F weights each field itself, so terms are not prefixed with their "
                        "field: attribution is off.")
        return False
    return box.toggle("Field attribution", value=d[K_ATTR], key=K_ATTR, bind="query-params",
                      help="Prefix terms with their field (sr:, ocr:, c:) so the same word in "
                           "two fields has its own document frequency.")


def _keep_a_model(key: str) -> None:
    """A passage needs a model: emptying its models' pills selects the default one again."""
    if not st.session_state.get(key):
        st.session_state[key] = [DEFAULT_MODEL]


def _dense_widgets(box, d: dict) -> dict:
    models = dense_models()
    if not models:
        box.caption(":material/info: Dense retrieval (sentence embeddings) needs the optional "
                    "packages: `pip install -r requirements-dense.txt`.")
        return {}
    v = {K_DENSE: box.pills(
        "Dense passages (sentence embeddings)", list(PASSAGES), selection_mode="multi",
        default=d.get(K_DENSE) or None, format_func=PASSAGES.get, key=K_DENSE, bind="query-params",
        help="Each chosen passage is one dense component: the config's fields; basic fields "
             "(creator, description, music) with OCR and speech; the comments alone; or the "
             "basic fields alone. The first search embeds the corpus once.")}
    for p in v[K_DENSE]:
        if len(models) > 1:
            v[K_MODEL[p]] = box.pills(
                f"Models · {PASSAGES[p]}", list(models), selection_mode="multi",
                default=d.get(K_MODEL[p]) or [DEFAULT_MODEL], format_func=models.get, key=K_MODEL[p],
                bind="query-params", on_change=_keep_a_model, args=(K_MODEL[p],),
                help="Each chosen model embeds the passage as its own component (own weight); "
                     "both side by side fuse their rankings.") or [DEFAULT_MODEL]
        v[K_WINDOW[p]] = box.selectbox(
            f"Window · {PASSAGES[p]}", WINDOW_SIZES, index=WINDOW_SIZES.index(d.get(K_WINDOW[p], 0)),
            format_func=lambda w: f"{w}-word windows" if w else "Whole passage", key=K_WINDOW[p],
            bind="query-params",
            help="MaxP: the passage is cut into overlapping windows and a document's score is its "
                 "best window's cosine, so nothing past the model's 256 word-piece limit is lost.")
    if v[K_DENSE] and len(models) == 1:
        box.caption(f"Model: {next(iter(models.values()))}")
    return v


def _fusion_widgets(box, d: dict, v: dict) -> dict:
    """A second lexical component, dense passages, and how their rankings are fused."""
    main = _lexical_token(v, MAIN)
    fused = bool(st.session_state.get(SECOND.tok) or st.session_state.get(K_DENSE)
                 or d.get(SECOND.tok) or d.get(K_DENSE))
    box = box.expander("Fusion · more components", icon=":material/join:", expanded=fused)
    d2 = {**d, SECOND.n: d.get(SECOND.n, 3 if main.startswith("4gram") else 4)}
    out = _lexical_widgets(box, SECOND, d2, "Second lexical component", required=False)
    if out[SECOND.tok] and _lexical_token(out, SECOND) == main:
        box.caption(":material/warning: Same as the main component: choose another to fuse.")
    out.update(_dense_widgets(box, d))
    comps = _components({**v, **out})
    if len(comps) < 2:
        box.caption("Add a component to fuse its ranking with the main one.")
        return out
    out[K_FUSION] = box.pills("Fusion scheme", SCHEMES, default=d[K_FUSION], required=True,
                              key=K_FUSION, bind="query-params",
                              help="How the components' rankings are combined: "
                                   + " · ".join(f"**{s}** {SCHEME_LABELS[s]}" for s in SCHEMES)
                              ) or d[K_FUSION]
    if out[K_FUSION] in TAKES_K:
        key = K_RRF_K if out[K_FUSION] == "rrf" else K_ZTOP_K
        r = RANGES[key]
        out[key] = box.slider(f"k ({out[K_FUSION]})", r.lo, r.hi, d[key], key=key, bind="query-params",
                              help="rrf: rank offset (larger flattens the top); ztop: how many "
                                   "top documents set each component's scale.")
    box.caption("Weight of each component (0 mutes it)")
    for key, token in comps:
        out[key] = box.slider(f"`{token}`", WEIGHT.lo, WEIGHT.hi, float(d.get(key, 1.0)), WEIGHT.step,
                              key=key, bind="query-params")
    return out


def config_sidebar(default: Config = STUDY_BEST, container=None) -> Config:
    """Draw the configuration controls (in the sidebar by default) and return the Config.

    The main lexical component (tokenisation, n, query options), enrichment toggles,
    attribution, a weighting family with its widgets (SMART letters; BM25 k1/b; BM25F with
    per-field weights and b), fusion with more components (a second lexical one, dense
    passages) and the paste box. Every widget is bound to the URL.
    """
    box = container if container is not None else st.sidebar
    d = {**_FALLBACK, **(_state_of(default) or _state_of(STUDY_BEST))}
    box.subheader("Retrieval configuration")
    left, right = box.columns(2)
    left.button("Study's best", on_click=_on_reset, args=(default,),
                key="_config_reset", width="stretch",
                help=f"The 2022 study's best configuration: `{default}`")
    tuned = Config.parse(TUNED_ON_STUDY)
    if core.dense.models_in(tuned) <= dense_models().keys():
        right.button("Tuned hybrid", on_click=_on_reset, args=(tuned,), key="_config_tuned",
                     width="stretch",
                     help=f"4-gram BM25 fused with MiniLM and mpnet, each scoring a document by its "
                          f"best 64-word window of basic+OCR+speech, tuned by cross-validation on "
                          f"the 2022 study's queries: `{TUNED_ON_STUDY}`")
    v = _lexical_widgets(box, MAIN, d, "Tokenisation", required=True)
    box.caption("Fields (creator, description and music are always indexed)")
    for e, k in K_FIELDS.items():
        v[k] = box.toggle(FIELD_LABELS[e], value=d[k], key=k, bind="query-params")
    enrichment = frozenset(e for e, k in K_FIELDS.items() if v[k])
    attr_slot = box.container()  # drawn once the weighting family is known
    v[K_FAMILY] = box.segmented_control("Weighting", list(FAMILIES), default=d[K_FAMILY],
                                        format_func=lambda k: FAMILIES[k].label, key=K_FAMILY,
                                        bind="query-params", required=True) or d[K_FAMILY]
    v.update(FAMILIES[v[K_FAMILY]].widgets(box, d, enrichment))
    v[K_ATTR] = _attribution_widget(attr_slot, d, v[K_FAMILY])
    v.update(_fusion_widgets(box, d, v))
    config = _build(v)

    with box.expander("Configuration string", expanded=bool(st.session_state.get(K_CFG))):
        text = (st.text_input("Paste a configuration", key=K_CFG, on_change=_on_paste,
                              bind="query-params",
                              placeholder="e.g. word+4gram.all.bm25(k1=0.9,b=0.4).rrf(k=60)")
                or "").strip()
        if text:
            try:
                config = Config.parse(text)
                st.info("Using this configuration (the controls cannot show it); clear the "
                        "box or reset to go back to the controls.", icon=":material/info:")
            except ValueError as e:
                st.error(str(e))
        st.code(str(config), language=None)
    return config


def query_filters(queries: pd.DataFrame, key: str = "qf") -> pd.DataFrame:
    """Author, collection and collection-date filters for a test set (core.query_set).

    Each widget appears only when there is a choice to make; author and collection are bound
    to the URL. Returns the queries that pass.
    """
    facets = query_facets(queries)
    authors = collections = since = until = None
    left, middle, right = st.columns(3)
    if len(facets["authors"]) > 1:
        authors = left.multiselect(
            "Query authors", list(facets["authors"]), key=f"{key}_authors", bind="query-params",
            format_func=lambda a: f"{a or 'unknown'} ({facets['authors'][a]})",
            placeholder="all authors") or None
    if len(facets["collections"]) > 1:
        collections = middle.multiselect(
            "Query collections", list(facets["collections"]), key=f"{key}_collections",
            bind="query-params", format_func=lambda c: f"{c or 'unnamed'} ({facets['collections'][c]})",
            placeholder="all collections") or None
    if facets["first"] is not None and right.toggle("Only queries collected between…",
                                                      key=f"{key}_dated"):
        chosen = right.date_input("Collection dates", value=(facets["first"], facets["last"]),
                                  key=f"{key}_dates", label_visibility="collapsed")
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2:
            since, until = chosen
    return filter_queries(queries, authors=authors, since=since, until=until, collections=collections)
