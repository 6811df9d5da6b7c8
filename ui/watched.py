"""The user's own TikTok history in the dashboard: the "watched in the last week / month"
filter and the list of watched videos (:mod:`core.watched`), for a corpus built from a TikTok
data export with `pipeline.collect`. Shown only when the corpus has watch dates."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from core.watched import LABELS, watched_date, watched_videos
from ui.display import clip

SOURCES = {"history": "watched", "likes": "liked", "favourites": "favourite", "links": "link"}


def window_control(box=st, key: str = "watched") -> str:
    """Any time / last week / last month, bound to the URL; returns the window's key."""
    return box.segmented_control(
        "Watched", list(LABELS), default="any", format_func=LABELS.get, key=key,
        bind="query-params", required=True,
        help="Only videos from your TikTok data export watched (or liked, or saved) in this "
             "period.") or "any"


def _lists(text) -> str:
    return ", ".join(SOURCES.get(s, "?") for s in str(text or "").split(",") if s)


def watched_panel(db, on_open: Callable[[str], None], key: str = "watched") -> None:
    """Your TikTok history, latest first, filtered by when you watched, with a Watch button."""
    everything = watched_videos(db)
    if everything.empty:
        return
    st.markdown("**Your TikTok history** (from your data export)")
    window = window_control(st, key)
    shown = everything if window == "any" else watched_videos(db, window)
    st.caption(f"{len(shown)} of {len(everything)} videos of your TikTok history, "
               f"latest first ({LABELS[window]}).")
    if shown.empty:
        st.info("Nothing you watched in that period is in this corpus.", icon=":material/history:")
        return
    table = shown.assign(watched=shown["watched_at"].map(watched_date),
                         lists=shown["collected_from"].map(_lists),
                         description=shown["description"].map(lambda t: clip(t, 120)))
    st.dataframe(table[["watched", "id", "creator_username", "lists", "description"]],
                 hide_index=True, width="stretch",
                 column_config={"watched": "Watched (UTC)", "id": st.column_config.TextColumn("Video id"),
                                "creator_username": "Creator", "lists": "In",
                                "description": "Description"})
    labels = {r.id: f"{watched_date(r.watched_at)} · {r.id} · {clip(r.creator_username, 30)} · "
                    f"{clip(r.description, 60)}" for r in shown.itertuples()}
    pick_col, go_col = st.columns([4, 1], vertical_alignment="bottom")
    pick = pick_col.selectbox("Watch again from your TikTok history", list(labels),
                              format_func=labels.get, key=f"{key}_pick")
    go_col.button("Watch", on_click=on_open, args=(pick,), key=f"{key}_open",
                  icon=":material/play_circle:", width="stretch")
