"""The Search page's presenter view: what you put on a projector.

A toggle bound to the URL (``present``) hides the research controls — the sidebar is
collapsed (``st.set_page_config(initial_sidebar_state="collapsed")``, Streamlit's one way to
do it) and the configuration widgets are not drawn — and enlarges the query box and the
result cards with a constant stylesheet of ours (nothing from the corpus goes into it).

While the widgets are not drawn, the configuration they showed is carried in the URL as one
configuration string (``pcfg``), so a reload keeps it; switching the view off puts it back
on the widgets (:func:`ui.controls.show_config`).
"""
from __future__ import annotations

import streamlit as st

from core.config import STUDY_BEST, Config
from ui import shared_config
from ui.controls import show_config
from ui.display import plain_error

K_PRESENT = "present"       # the toggle, bound to the URL
K_CONFIG = "pcfg"           # the configuration presented, a plain URL parameter
LAST_CONFIG = "_search_config"   # session: the configuration the widgets last showed
QUERY_BOX, RESULTS = "search_box", "search_results"   # keys of the containers styled
STYLE = f"""<style>
.st-key-{QUERY_BOX} input {{ font-size: 2rem; min-height: 3.6rem; }}
.st-key-{QUERY_BOX} label p {{ font-size: 1.3rem; }}
.st-key-{RESULTS} [data-testid="stMarkdown"] p {{ font-size: 1.45rem; line-height: 1.5; }}
.st-key-{RESULTS} [data-testid="stCaptionContainer"] p {{ font-size: 1.15rem; }}
.st-key-{RESULTS} [data-testid="stMetricValue"] {{ font-size: 3.5rem; }}
</style>"""


def _on_toggle() -> None:
    """Switched off: give the presented configuration back to the widgets."""
    if st.session_state.get(K_PRESENT):
        return
    try:
        show_config(Config.parse(st.query_params.get(K_CONFIG) or ""))
    except ValueError:
        pass   # none, or a hand-edited URL: the widgets keep what they show


def presenter_toggle(box=st) -> bool:
    return box.toggle("Presenter view", key=K_PRESENT, bind="query-params", on_change=_on_toggle,
                      help="For a projector: hides the research controls, shows a large query "
                           "box, large result cards and the chosen video playing.")


def requested() -> bool:
    """Whether this run presents, known before the toggle is drawn (app.py asks, to leave the
    configuration controls out): the toggle's value, or on a link's first load the link's."""
    if K_PRESENT in st.session_state:
        return bool(st.session_state[K_PRESENT])
    return st.query_params.get(K_PRESENT, "").lower() == "true"


def presented_config(default: Config = STUDY_BEST) -> Config:
    """The configuration presented: the one the widgets showed last in this session, else the
    one carried in the URL (a presenter link, a reload), else ``default``; written to the URL."""
    text = st.session_state.get(LAST_CONFIG) or st.query_params.get(K_CONFIG)
    if not text:
        return default
    if st.query_params.get(K_CONFIG) != text:
        st.query_params[K_CONFIG] = text
    try:
        return Config.parse(text)
    except ValueError as e:   # from the URL: plain text
        plain_error("The presented configuration cannot be read; showing the study's best:", e)
        return default


def search_config(presenting: bool) -> Config:
    """The configuration to search with: the sidebar's widgets (remembered for the presenter
    view), or, presenting, the one they showed (:func:`presented_config`), with the sidebar
    collapsed and the large stylesheet on."""
    if not presenting:
        st.query_params.pop(K_CONFIG, None)
        config = shared_config.config()
        st.session_state[LAST_CONFIG] = str(config)
        return config
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(STYLE)
    return presented_config()
