"""The retrieval configuration the pages share, drawn once per run by the entrypoint.

Streamlit ties a widget to the page that draws it: the same control drawn by two pages is two
widgets, and a page switch resets it and drops its URL parameters (Search with word tokens,
then Tune, showed Tune with the defaults). Widgets drawn by ``app.py`` belong to no page, so
``app.py`` draws the configuration controls (:func:`draw`) for the pages that follow them
(:data:`PAGES`) and each of those pages takes the result (:func:`config`). Kept for the whole
session (``persist_state``, :data:`ui.weighting_widgets.BOUND`), the values also outlive a
visit to a page without them.

Not solved: Streamlit's front end sometimes leaves the controls' values out of the new page's
URL (seen in Chromium in 2 of 7 switches from Search to Tune) while the controls keep
them; the next change of a control writes it again. Streamlit refuses to set a parameter bound
to a widget from Python ("Cannot directly set query parameter … bound to a widget"). And a
page switch within about 2 s of opening a link (Streamlit 1.67, Chromium: the sidebar is
clickable before the session's first run starts) loses the link's values: the front end,
which has not yet seen the controls bound, leaves them out of the new page's URL, and the
server replaces the pending first run with the switch, so no Python code ever sees the
link (measured: ``/search?w=BM25&q=cat``, Tune clicked 0.5 s after the sidebar appeared,
gave ``/tune`` with the defaults, on a fresh and on a warm server). Drawing the page links
from app.py (``position="hidden"``) does not close it: until the first run says so, the
front end shows its own links.
"""
from __future__ import annotations

import streamlit as st

from core.config import Config
from ui.controls import config_sidebar

PAGES = {"search", "tune", "query_lab", "viewer", "index_stats"}   # url paths
_DRAWN = "_shared_config"   # session: what draw() returned in this run, taken by config()


def draw() -> Config:
    """Draw the controls in the sidebar (from app.py, before the page runs)."""
    st.session_state[_DRAWN] = config = config_sidebar()
    return config


def config() -> Config:
    """The configuration app.py drew in this run; drawn here (by the page) if it did not."""
    drawn = st.session_state.pop(_DRAWN, None)
    return drawn if drawn is not None else config_sidebar()
