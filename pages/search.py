"""Search: type what you remember about a video, tweak the configuration, watch it; compare
two configurations side by side (A/B) or put it on a projector (presenter view)."""
from __future__ import annotations

import streamlit as st

from core.store import valid_id
from core.watched import LABELS, has_dates, within
from ui.ab import (ab_toggle, b_config, first_hit, search_side, show_answer, sides, test_rows,
                   watching_title)
from ui.data import current_source, get_queries, page_engine
from ui.display import TermMatcher, document_details, escape_md, media_panel
from ui.presenter import QUERY_BOX, RESULTS, presenter_toggle, search_config
from ui.watched import window_control
from ui.weighting_widgets import BOUND

VIDEO_PARAM = "video"

st.title(":material/search: Search")
source = current_source()
bar = st.container(horizontal=True, gap="large")
presenting, comparing = presenter_toggle(bar), ab_toggle(bar)
config = search_config(presenting)
engine = page_engine(source)
docs = engine.corpus.docs


def _set_query(text: str) -> None:
    st.session_state["q"] = text
    st.query_params.pop(VIDEO_PARAM, None)


def _use_example() -> None:
    pick = st.session_state.get("_example")
    if pick:
        _set_query(pick)
    st.session_state["_example"] = None


def _open(vid: str) -> None:
    st.query_params[VIDEO_PARAM] = vid


with st.container(key=QUERY_BOX):
    query = st.text_input("What do you remember about the video?", key="q", **BOUND,
                          placeholder="e.g. cat knocks a glass off the table",
                          icon=":material/search:")
queries = get_queries(source)
examples = queries["query_text"].dropna().head(4).tolist()
if examples:
    st.pills("Try a test query", examples, key="_example", selection_mode="single",
             format_func=escape_md, on_change=_use_example)   # pill labels are Markdown
config_b = b_config() if comparing else None

top_k = st.sidebar.select_slider("Results shown", [5, 10, 20, 50], value=10, key="k", **BOUND)
# a corpus from the user's own TikTok data export: "watched in the last week / month"
window = window_control(st.sidebar) if has_dates(docs) else "any"
allowed = None if window == "any" else set(docs.loc[within(docs, window), "id"])

if not query or not query.strip():
    st.info(f"Search {len(docs):,} TikToks by what you remember: words from the description, "
            "something said in the video, text on the cover, or what the comments were about.",
            icon=":material/lightbulb:")
    st.stop()

tests = test_rows(queries, query)
answers = [search_side(engine, side, query, top_k, tests, allowed)
           for side in sides(config, config_b)]
if allowed is not None:
    st.caption(f":material/history: Only videos you watched in the {LABELS[window]}: "
               f"{len(allowed)} (change it in the sidebar).")
chosen = st.query_params.get(VIDEO_PARAM)
try:
    chosen = valid_id(chosen) if chosen else None
except ValueError:
    chosen = None
if chosen not in set(docs["id"]):
    chosen = first_hit(answers)

with st.container(key=RESULTS):
    *cols, right = st.columns([3] * len(answers) + [2 if len(answers) == 1 else 3], gap="large")
    for answer, col in zip(answers, cols):
        with col:
            show_answer(engine, answer, query, tests, chosen=chosen, on_open=_open,
                        presenting=presenting, titled=len(answers) > 1)
    if chosen is not None:
        with right:
            doc = docs.loc[docs.index[docs["id"] == chosen][0]].to_dict()
            st.subheader(watching_title(chosen, answers))
            media_panel(doc, base_dirs=(source.db.parent, source.db.parent.parent),
                        autoplay=presenting)
            if not presenting:
                document_details(doc, TermMatcher(engine.source.normalise, config, query))
