"""Every retrieval-configuration widget, in one place, bound to the URL.

:func:`config_sidebar` draws the controls (tokenisation, enrichment, attribution,
weighting) and returns a :class:`core.config.Config`. Each widget is bound to a URL query
parameter (``bind="query-params"``), so a view can be shared or bookmarked and survives a
reload; a value equal to its default is left out of the URL. Defaults come from
:data:`core.config.STUDY_BEST`.

Adding an option is a few lines here and nothing in the pages:

* a weighting family (BM25F, dense…): write ``def _my_widgets(container, default) ->
  Weighting`` and add a :class:`Family` to :data:`FAMILIES`;
* another tokenisation (fusion, dense): extend :data:`TOKENISATIONS` and
  :func:`_tokens_widgets`.

Pages only ever see the returned Config (and ``str(config)``), never the widget values.
Configurations the widgets cannot express can be pasted as a configuration string in the
"Configuration string" box; it is parsed with :meth:`Config.parse`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from core.config import STUDY_BEST, Config, Weighting
from core.query_set import filter_queries, query_facets

# URL keys (short, stable: they are part of shared links)
K_TOK, K_N, K_ATTR, K_FAMILY = "tok", "n", "attr", "w"
K_FIELDS = {"sr": "sr", "ocr": "ocr", "c": "c"}
K_TF, K_IDF, K_NORM, K_K1, K_B = "tf", "idf", "norm", "k1", "b"
K_CFG = "cfg"  # the paste box, bound too: it holds a configuration the widgets cannot show

TOKENISATIONS = {"word": "Words", "ngram": "Character n-grams"}
FIELD_LABELS = {"sr": "Speech-to-text (SR)", "ocr": "Cover-photo OCR", "c": "Comments (C)"}
TF_LABELS = {"b": "binary", "t": "raw tf"}
IDF_LABELS = {"x": "none", "f": "log N/df", "p": "log (N−df)/df"}
NORM_LABELS = {"x": "none", "c": "cosine"}
N_RANGE = (2, 8)


@dataclass(frozen=True)
class Family:
    """A weighting family: its label, which Weightings belong to it, and its widgets."""

    label: str
    owns: Callable[[Weighting], bool]
    widgets: Callable[[object, Weighting], Weighting]


def _smart_widgets(box, default: Weighting) -> Weighting:
    letters = default.name if len(default.name) == 3 and default.name[0] in TF_LABELS else "bpx"
    # options are the letters themselves (so the URL reads tf=b&idf=p), explained by captions
    def letter(label, options: dict, i, key):
        return box.radio(label, list(options), index=list(options).index(letters[i]),
                         captions=list(options.values()), horizontal=True, key=key,
                         bind="query-params")

    tf = letter("Term frequency", TF_LABELS, 0, K_TF)
    idf = letter("Collection weight", IDF_LABELS, 1, K_IDF)
    norm = letter("Normalisation", NORM_LABELS, 2, K_NORM)
    return Weighting(f"{tf}{idf}{norm}")


def _bm25_widgets(box, default: Weighting) -> Weighting:
    kw = default.kwargs if default.name == "bm25" else {}
    k1 = box.slider("k1 · term-frequency saturation", 0.0, 3.0, float(kw.get("k1", 1.2)), 0.1,
                    key=K_K1, bind="query-params",
                    help="0 = binary; larger = raw counts matter longer.")
    b = box.slider("b · length normalisation", 0.0, 1.0, float(kw.get("b", 0.75)), 0.05,
                   key=K_B, bind="query-params",
                   help="0 = none; 1 = full normalisation by document length.")
    return Weighting("bm25", tuple(sorted({"k1": round(k1, 3), "b": round(b, 3)}.items())))


FAMILIES: dict[str, Family] = {
    "smart": Family("SMART", lambda w: w.name != "bm25", _smart_widgets),
    "bm25": Family("BM25", lambda w: w.name == "bm25", _bm25_widgets),
}


def _family_of(w: Weighting) -> str:
    return next((k for k, f in FAMILIES.items() if f.owns(w)), "smart")


def _tokens_widgets(box, default: Config) -> tuple[str, ...]:
    tok0 = default.tokens[0]
    kind = "word" if tok0 == "word" else "ngram"
    n_default = int(tok0[:-4]) if kind == "ngram" else 4
    kind = box.segmented_control("Tokenisation", list(TOKENISATIONS), default=kind,
                                 format_func=TOKENISATIONS.get, key=K_TOK, bind="query-params",
                                 required=True) or kind
    if kind == "word":
        return ("word",)
    n = box.slider("n (characters per n-gram)", *N_RANGE, n_default, key=K_N, bind="query-params")
    return (f"{n}gram",)


def _apply(config: Config) -> None:
    """Set the widgets' session state to show ``config`` (used by paste and reset)."""
    tok = config.tokens[0]
    st.session_state[K_TOK] = "word" if tok == "word" else "ngram"
    if tok != "word":
        st.session_state[K_N] = int(tok[:-4])
    for e, k in K_FIELDS.items():
        st.session_state[k] = e in config.enrichment
    st.session_state[K_ATTR] = config.attribution
    w = config.weighting
    fam = _family_of(w)
    st.session_state[K_FAMILY] = fam
    if fam == "smart":
        st.session_state[K_TF], st.session_state[K_IDF], st.session_state[K_NORM] = w.name
    elif fam == "bm25":
        kw = w.kwargs
        st.session_state[K_K1] = float(kw.get("k1", 1.2))
        st.session_state[K_B] = float(kw.get("b", 0.75))


def _expressible(config: Config) -> bool:
    """Can the widgets show this configuration exactly?"""
    if len(config.tokens) != 1 or config.fusion is not None:
        return False
    tok = config.tokens[0]
    if tok != "word" and not (N_RANGE[0] <= int(tok[:-4]) <= N_RANGE[1]):
        return False
    w = config.weighting
    if w.name == "bm25":
        return set(w.kwargs) <= {"k1", "b"}
    return len(w.name) == 3 and not w.params


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


def config_sidebar(default: Config = STUDY_BEST, container=None) -> Config:
    """Draw the configuration controls (in the sidebar by default) and return the Config.

    The controls: tokenisation (words or character n-grams with an n slider), enrichment
    toggles (speech, OCR, comments), attribution, and a weighting family with its own
    widgets (SMART letters; BM25 k1/b sliders). Every widget is bound to the URL.
    """
    box = container if container is not None else st.sidebar
    box.subheader("Retrieval configuration")
    tokens = _tokens_widgets(box, default)
    box.caption("Fields (creator, description and music are always indexed)")
    enrichment = frozenset(
        e for e, k in K_FIELDS.items()
        if box.toggle(FIELD_LABELS[e], value=e in default.enrichment, key=k, bind="query-params"))
    attribution = box.toggle("Field attribution", value=default.attribution, key=K_ATTR,
                             bind="query-params",
                             help="Prefix terms with their field (sr:, ocr:, c:) so the same "
                                  "word in two fields has its own document frequency.")
    fam_default = _family_of(default.weighting)
    family = box.segmented_control("Weighting", list(FAMILIES), default=fam_default,
                                   format_func=lambda k: FAMILIES[k].label, key=K_FAMILY,
                                   bind="query-params", required=True) or fam_default
    fam_weighting = default.weighting if FAMILIES[family].owns(default.weighting) else Weighting("")
    weighting = FAMILIES[family].widgets(box, fam_weighting)
    config = Config(tokens, enrichment, attribution, weighting)

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
        st.button("Reset to the study's best", on_click=_on_reset, args=(default,),
                  icon=":material/restart_alt:", key="_config_reset")
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
