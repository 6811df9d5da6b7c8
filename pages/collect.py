"""Collect queries: add labelled known-item queries, manage the test set, rerun the grid.

A participant writes a query for a video they remember, picks the target from their viewing
history (or pastes its id) and ticks the tags that describe the target. The test set can be
filtered, exported and imported in the 2022 study's queries.json format, and the experiment
grid rerun on it, writing the results database of the current data source.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.grid import STUDY_TOKENS
from core.history import clean_participant, history
from core.query_set import (IMPORTED, PARTICIPANT_INSTRUCTIONS, TAG_HELP, QuerySetError,
                            add_query, export_queries, filter_queries, import_queries,
                            query_facets, rerun_experiments)
from core.store import TAGS, load_queries
from ui.data import current_source, get_results, show_missing_data, tag_names
from ui.display import clip, escape_md

NAME = "participant"
COLUMNS = {"query_id": st.column_config.NumberColumn("Id", format="%d"),
           "query_text": "Query", "target_id": st.column_config.TextColumn("Target"),
           "author": "Author", "collection": "Collection", "created_at": "Collected at",
           **{t: st.column_config.CheckboxColumn(label.capitalize()) for t, label in tag_names().items()}}


def _table(df: pd.DataFrame, columns: list[str], **kwargs) -> None:
    """Queries as a table (plain text cells, never Markdown) with tags as ticks."""
    shown = df[columns].copy()
    for t in TAGS:
        if t in shown:
            shown[t] = shown[t].fillna(0).astype(int).astype(bool)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=COLUMNS, **kwargs)
FORM_KEYS = ("cq_text", "cq_pick", "cq_typed") + tuple(f"cq_{t}" for t in TAGS)

st.title(":material/edit_note: Collect queries")
source = current_source()
if not show_missing_data(source):
    st.stop()

with st.expander("Instructions for participants", icon=":material/info:"):
    st.markdown(PARTICIPANT_INSTRUCTIONS)

# ------------------------------------------------------------------ add one query
st.subheader("Add a query")
name = st.text_input("Your name", key=NAME, bind="query-params", max_chars=40,
                     placeholder="the name you used in the Viewer",
                     help="A label, not an account: your viewing history and queries are kept "
                          "under it.")
try:
    author = clean_participant(name)
    seen = history(source.db, author, distinct=True)
except ValueError:
    author, seen = None, pd.DataFrame(columns=["video_id", "creator_username", "description"])
choices = {r.video_id: f"{r.video_id} · {clip(r.creator_username, 30)} · {clip(r.description, 70)}"
           for r in seen.itertuples()}


def _submit() -> None:
    """Validate and store the form's query; keep the form filled when something is wrong."""
    s = st.session_state
    target = (s.get("cq_typed") or "").strip() or s.get("cq_pick")
    tags = {t: bool(s.get(f"cq_{t}")) for t in TAGS}
    try:
        row = add_query(source.db, s.get("cq_text"), target, s.get(NAME), tags)
    except QuerySetError as e:
        s["_cq_message"] = ("error", escape_md(e))   # it may quote the pasted id
        return
    s["_cq_message"] = ("success", f"Added query {row['query_id']} for video {row['target_id']}. "
                                   "Thank you! Add another one below.")
    for k in FORM_KEYS:
        s.pop(k, None)


def _import() -> None:
    """Import the uploaded file before the page draws, so the table below is current."""
    s = st.session_state
    upload = s.get("cq_upload")
    if upload is None:
        return
    try:
        report = import_queries(source.db, upload.getvalue(),
                                collection=(s.get("cq_coll") or "").strip() or IMPORTED,
                                replace=bool(s.get("cq_replace")))
    except QuerySetError as e:
        s["_cq_import_message"] = [("error", escape_md(e))]
        return
    s["_cq_import_message"] = [("success", f"Imported {escape_md(upload.name)}: {escape_md(report)}.")] + [
        ("caption", f"skipped {escape_md(clip(p, 200))}") for p in report.problems[:10]]


with st.form("add_query", border=True):
    st.text_area("Query", key="cq_text", max_chars=500, height=80,
                 placeholder="what you would type to find the video again, e.g. "
                             "'cat knocks glass off table and stares'",
                 help="Write from memory, about one specific video.")
    pick_col, typed_col = st.columns([3, 2])
    pick_col.selectbox("Target: a video from your history", list(choices), index=None,
                       format_func=choices.get, key="cq_pick",
                       placeholder="pick a video you opened" if choices
                       else "no history yet for this name",
                       help="Videos you opened in the Viewer, newest first.")
    typed_col.text_input("…or paste its video id", key="cq_typed", max_chars=40,
                         help="Digits only; copy it from the Viewer or the History list. "
                              "A pasted id wins over the picked video.")
    st.caption("Tick what is true of the target video:")
    tag_cols = st.columns(len(TAGS))
    labels = tag_names()
    for col, t in zip(tag_cols, TAGS):
        col.checkbox(labels[t].capitalize(), key=f"cq_{t}", help=TAG_HELP[t])
    st.form_submit_button("Add query", type="primary", icon=":material/add:", on_click=_submit)

message = st.session_state.pop("_cq_message", None)
if message:
    kind, text = message
    (st.success if kind == "success" else st.error)(text)

queries = load_queries(source.db)
if author:
    mine = filter_queries(queries, authors=[author])
    if not mine.empty:
        st.caption(f"Your queries ({len(mine)})")
        _table(mine, ["query_id", "query_text", "target_id", "created_at", *TAGS])

# ------------------------------------------------------------------ the test set
st.divider()
st.subheader("The test set")
facets = query_facets(queries)
f1, f2, f3 = st.columns(3)
authors = f1.multiselect("Authors", list(facets["authors"]), key="cq_authors",
                         format_func=lambda a: f"{a or '(none)'} ({facets['authors'][a]})",
                         placeholder="all authors")
collections = f2.multiselect("Collections", list(facets["collections"]), key="cq_collections",
                             format_func=lambda c: f"{c or '(none)'} ({facets['collections'][c]})",
                             placeholder="all collections")
dates = f3.date_input("Collected between", value=(), key="cq_dates", format="YYYY-MM-DD",
                      help="Only queries with a collection time (the 2022 study's have none).")
since = dates[0] if isinstance(dates, (tuple, list)) and dates else (dates if isinstance(dates, date) else None)
until = dates[1] if isinstance(dates, (tuple, list)) and len(dates) > 1 else None
selected = filter_queries(queries, authors=authors or None, collections=collections or None,
                          since=since, until=until)
st.caption(f"{len(selected)} of {len(queries)} queries")
_table(selected, ["query_id", "query_text", "target_id", "author", "collection", "created_at", *TAGS],
       height=260)

exp_col, imp_col = st.columns(2, gap="large")
with exp_col:
    st.markdown("**Export**")
    st.download_button(f"Download {len(selected)} queries as queries.json", export_queries(selected),
                       file_name="queries.json", mime="application/json", key="cq_export",
                       icon=":material/download:", disabled=selected.empty, on_click="ignore")
    st.caption("The 2022 study's format, plus `created-at` and `collection` when known. "
               "Rebuilding the corpus (`make study`, `pipeline.import_study`, `pipeline.etl`) "
               "keeps collected queries and views, even ones added while it runs; an export is "
               "a copy you can share or keep.")
with imp_col:
    st.markdown("**Import**")
    upload = st.file_uploader("A queries.json file", type=["json"], key="cq_upload")
    st.text_input("Collection for entries without one", value=IMPORTED, key="cq_coll", max_chars=40)
    st.checkbox("Replace the whole test set", key="cq_replace",
                help="Off: add the file's queries; ones already in the set are skipped.")
    st.button("Import", key="cq_import", icon=":material/upload:", disabled=upload is None,
              on_click=_import)
    for kind, text in st.session_state.pop("_cq_import_message", []):
        {"success": st.success, "error": st.error, "caption": st.caption}[kind](text)

# ------------------------------------------------------------------ rerun the grid
st.divider()
st.subheader("Rerun the experiments")
st.caption(f"Runs the grid (each tokenisation × every field subset × attribution × the 12 SMART "
           f"weightings) and replaces `{source.results}` when it finishes.")
g1, g2 = st.columns([2, 1])
tokens = g1.multiselect("Tokenisations", list(STUDY_TOKENS), default=list(STUDY_TOKENS), key="cq_tokens")
which = g2.radio("Queries", ["all", "the selection above"], key="cq_which",
                 help=f"All {len(queries)} queries, or the {len(selected)} selected above.")
if st.button("Run the grid", key="cq_run", type="primary", icon=":material/play_arrow:",
             disabled=not tokens):
    chosen = queries if which == "all" else selected
    bar = st.progress(0.0, text="Building the first index…")

    def _progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done} of {total} indexes done")

    try:
        result = rerun_experiments(source.db, source.results, chosen, tokens=tokens, progress=_progress)
    except (QuerySetError, ValueError, FileNotFoundError) as e:
        st.error(escape_md(e))
    else:
        s1 = get_results(source).summary().set_index("config")["success_at_1"]
        names = s1[s1 >= s1.max() - 1e-12].index.tolist()
        ties = f" and {len(names) - 1} more" if len(names) > 1 else ""
        st.success(f"Ran {len(result.experiments)} experiments on {len(chosen)} queries in "
                   f"{result.seconds:.1f} s and wrote `{source.results}`. Best Success@1: "
                   f"{s1.max():.0%} (`{names[0]}`{ties}). See **Experiments** for the full picture.")
