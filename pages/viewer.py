"""Viewer: watch the corpus one video at a time, TikTok-like, with a History and a Search tab.

Each participant (a name, no account) gets their own shuffled queue; the name, the queue
position and a video opened from History or Search are in the URL, so a link or a reload
keeps the place. Every video shown is recorded in the corpus database's ``views`` table.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.engine import QueryError
from core.fields import fields_for
from core.history import clean_participant, feed, history, record_view, top_comments, usable_ids, video
from core.query_set import PARTICIPANT_INSTRUCTIONS
from core.store import valid_id
from ui import shared_config
from ui.data import current_source, engine_lock, get_engine, show_missing_data
from ui.display import TermMatcher, clip, creator_line, escape_md, media_panel, result_card
from ui.watched import watched_panel

NAME, POS, VIDEO = "participant", "pos", "video"  # URL query parameters

st.title(":material/video_library: Viewer")
source = current_source()
config = shared_config.config()
if not show_missing_data(source):
    st.stop()

name = st.text_input("Your name", key=NAME, bind="query-params", max_chars=40,
                     placeholder="any label, e.g. your first name",
                     help="No account: the name only labels your history and your queries. "
                          "Use the same name next time to get the same queue and history back.")
with st.expander("Instructions for participants", expanded=not name.strip(), icon=":material/info:"):
    st.markdown(PARTICIPANT_INSTRUCTIONS)
if not name.strip():
    st.info("Type your name above to start watching.", icon=":material/person:")
    st.stop()
try:
    name = clean_participant(name)
except ValueError as e:
    st.warning(escape_md(e))
    st.stop()

queue = feed(usable_ids(source.db), name)
if not queue:
    st.info("This corpus has no searchable videos to watch yet.")
    st.stop()


def _step(delta: int) -> None:
    st.session_state[POS] = min(max(1, int(st.session_state.get(POS) or 1) + delta), len(queue))
    st.query_params.pop(VIDEO, None)


def _open(vid: str) -> None:
    st.query_params[VIDEO] = vid


def _back_to_queue() -> None:
    st.query_params.pop(VIDEO, None)


opened = st.query_params.get(VIDEO)
try:
    opened = valid_id(opened) if opened else None
except ValueError:
    opened = None
doc = video(source.db, opened) if opened else None

left, right = st.columns([3, 2], gap="large")
with right:
    prev_col, next_col = st.columns(2)
    prev_col.button("Previous", icon=":material/arrow_back:", shortcut="Left", on_click=_step,
                    args=(-1,), key="prev", width="stretch", help="Previous video in your queue (←)")
    next_col.button("Next", icon=":material/arrow_forward:", shortcut="Right", on_click=_step,
                    args=(1,), key="next", width="stretch", help="Next video in your queue (→)")
    pos = st.number_input(f"Position in your queue of {len(queue):,}", min_value=1,
                          max_value=len(queue), value=1, step=1, key=POS, bind="query-params")
    if doc is None:
        doc = video(source.db, queue[int(pos) - 1])
    else:
        st.info(f"Opened from History or Search. Your place in the queue (#{int(pos)}) is kept.",
                icon=":material/bookmark:")
        st.button("Back to my queue", on_click=_back_to_queue, icon=":material/undo:")
    vid = doc["id"]
    if st.session_state.get("_viewer_last") != (str(source.db), name, vid):
        record_view(source.db, name, vid)
        st.session_state["_viewer_last"] = (str(source.db), name, vid)

    st.markdown(f"#### {creator_line(doc)}")
    st.markdown(escape_md(clip(doc.get("description"), 600)) or "_no description_")
    if doc.get("music_title"):
        st.caption(f":material/music_note: {escape_md(clip(doc['music_title'], 120))}")
    counts = [f"{icon} {escape_md(doc[col])} {what}" for col, icon, what in (
        ("like_count", ":material/favorite:", "likes"), ("comment_count", ":material/chat:", "comments"))
        if doc.get(col)]
    if counts:
        st.caption(" · ".join(counts))
    st.caption("Video id (copy it for your query)")
    st.code(vid, language=None)
    comments = top_comments(source.db, vid, n=5)
    with st.container(border=True):
        st.markdown("**Top comments**")
        if comments.empty:
            st.caption("No comments were scraped for this video.")
        for c in comments.itertuples():
            who = escape_md(clip(c.commenter_name, 40)) if c.commenter_name else "someone"
            st.markdown(f"{escape_md(clip(c.comment_text, 300))}  \n:gray[— {who}]")
with left:
    media_panel(doc, base_dirs=(source.db.parent, source.db.parent.parent))

history_tab, search_tab = st.tabs([":material/history: History", ":material/search: Search"])

with history_tab:
    st.page_link("pages/collect.py", label="Done watching and had your break? Write your queries",
                 icon=":material/edit_note:", query_params={NAME: name})
    watched_panel(source.db, _open)
    seen = history(source.db, name)
    if seen.empty:
        st.caption("Videos you open appear here, newest first.")
    else:
        st.caption(f"Every video you opened, newest first ({len(seen)} openings). "
                   "Select an id in the table to copy it.")
        shown = seen.assign(
            opened=pd.to_datetime(seen["opened_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
            description=seen["description"].map(lambda t: clip(t, 120)))
        st.dataframe(shown[["opened", "video_id", "creator_username", "description"]],
                     hide_index=True, width="stretch",
                     column_config={"video_id": st.column_config.TextColumn("Video id"),
                                    "creator_username": "Creator", "opened": "Opened",
                                    "description": "Description"})
        distinct = seen.drop_duplicates("video_id")
        labels = {r.video_id: f"{r.video_id} · {clip(r.creator_username, 30)} · "
                              f"{clip(r.description, 60)}" for r in distinct.itertuples()}
        pick_col, go_col = st.columns([4, 1], vertical_alignment="bottom")
        pick = pick_col.selectbox("Watch again", list(labels), format_func=labels.get,
                                  key="history_pick")
        go_col.button("Watch", on_click=_open, args=(pick,), key="history_open",
                      icon=":material/play_circle:", width="stretch")

def _search(query: str) -> tuple[list[tuple[int, float, dict]], TermMatcher | None, str | None]:
    """Top results as (rank, score, document) with a matcher, or an error message.

    Kept per (database, configuration, query) in the session, so moving through the queue
    with a search typed does not search (and load the corpus) again.
    """
    key = (str(source.db), str(config), query)
    cached = st.session_state.get("_viewer_search")
    if cached and cached[0] == key:
        return cached[1]
    engine = get_engine(source)
    try:
        with engine_lock(), st.spinner("Searching…"):
            hits = engine.search(config, query, k=10)
    except (QueryError, ValueError) as e:
        out = ([], None, str(e))
    else:
        docs = engine.corpus.docs
        out = ([(int(r.rank), float(r.score), docs.iloc[int(r.doc)].to_dict()) for r in hits.itertuples()],
               TermMatcher(engine.source.normalise, config, query), None)
    st.session_state["_viewer_search"] = (key, out)
    return out


with search_tab:
    query = st.text_input("Search by what you remember", key="viewer_q",
                          placeholder="e.g. cat knocks a glass off the table", max_chars=500)
    if query.strip():
        results, matcher, error = _search(query)
        if error:
            st.warning(escape_md(error))
        else:
            if not results:
                st.caption("No video shares a word with that search; try other words.")
            st.caption(f"Configuration `{config}` (change it in the sidebar).")
            fields = fields_for(config.enrichment)
            for rank, score, found in results:
                result_card(found, rank=rank, score=score, matcher=matcher, fields=fields,
                            on_open=_open, selected=(found["id"] == vid), key="viewer_")
