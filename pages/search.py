"""Search: type what you remember about a video, tweak the configuration, watch it."""
from __future__ import annotations

import time

import streamlit as st

from core.engine import QueryError
from core.fields import fields_for
from core.store import load_queries, valid_id
from ui.controls import config_sidebar
from ui.data import current_source, engine_lock, page_engine
from ui.display import TermMatcher, document_details, escape_md, media_panel, result_card

VIDEO_PARAM = "video"

st.title(":material/search: Search")
source = current_source()
config = config_sidebar()
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


query = st.text_input("What do you remember about the video?", key="q", bind="query-params",
                      placeholder="e.g. cat knocks a glass off the table",
                      icon=":material/search:")
examples = load_queries(source.db)["query_text"].dropna().head(4).tolist()
if examples:
    st.pills("Try a test query", examples, key="_example", selection_mode="single",
             on_change=_use_example)

top_k = st.sidebar.select_slider("Results shown", [5, 10, 20, 50], value=10, key="k",
                                 bind="query-params")

if not query or not query.strip():
    st.info(f"Search {len(docs):,} TikToks by what you remember: words from the description, "
            "something said in the video, text on the cover, or what the comments were about.",
            icon=":material/lightbulb:")
    st.stop()

t0 = time.perf_counter()
try:
    with engine_lock(), st.spinner("Building the index for this configuration…"):
        hits = engine.search(config, query, k=top_k)
except QueryError as e:
    st.warning(escape_md(e), icon=":material/edit:")
    st.stop()
except Exception as e:  # an unknown scheme or parameter in a pasted configuration
    st.error(f"This configuration cannot be searched: {escape_md(e)}")
    st.stop()
elapsed = (time.perf_counter() - t0) * 1000

if hits.empty:
    st.warning("No video shares a term with that query under this configuration. Try other "
               "words, add fields (speech, OCR, comments) or use character n-grams, which "
               "forgive typos.", icon=":material/search_off:")
    st.stop()

st.caption(f"Top {len(hits)} · `{config}` · {elapsed:.0f} ms")
matcher = TermMatcher(engine.source.normalise, config, query)
fields = fields_for(config.enrichment)

chosen = st.query_params.get(VIDEO_PARAM)
try:
    chosen = valid_id(chosen) if chosen else None
except ValueError:
    chosen = None
ids = hits["id"].tolist()
if chosen is None or chosen not in set(docs["id"]):
    chosen = ids[0]

left, right = st.columns([3, 2], gap="large")
with left:
    for r in hits.itertuples():
        doc = docs.iloc[int(r.doc)].to_dict()
        result_card(doc, rank=int(r.rank), score=float(r.score), matcher=matcher, fields=fields,
                    on_open=_open, selected=(r.id == chosen))
with right:
    pos = docs.index[docs["id"] == chosen][0]
    doc = docs.loc[pos].to_dict()
    st.subheader(f"Watching #{ids.index(chosen) + 1}" if chosen in ids else "Watching")
    media_panel(doc, base_dirs=(source.db.parent, source.db.parent.parent))
    document_details(doc, matcher)
