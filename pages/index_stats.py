"""Index stats: build time, memory and vocabulary size by configuration (the study's charts),
and a live measurement of the configuration chosen in the sidebar."""
from __future__ import annotations

import time

import streamlit as st

from ui.charts import index_bars
from ui import shared_config
from ui.data import current_source, engine_lock, get_engine, page_results
from ui.display import escape_md

st.title(":material/memory: Index stats")
source = current_source()
config = shared_config.config()
results = page_results(source)

idx = results.indexes.copy()
idx["indexing_ms"] = idx["indexing_time"] * 1000
idx["storage_mb"] = idx["storage"] / 1e6
STATS = {
    "indexing_ms": ("Build time (ms)", ",.0f"),
    "storage_mb": ("Memory (MB)", ",.2f"),
    "vocab_size": ("Vocabulary size (distinct terms)", ",.0f"),
}
st.caption(f"{len(idx)} indexes over {results.n_docs:,} documents, as recorded by the "
           "experiment grid (build time includes tokenising fields the first time a "
           "tokenisation needs them).")
for key, (title, fmt) in STATS.items():
    st.altair_chart(index_bars(idx, key, title, fmt), width="content")

table = idx[["config", "tokenisation", "fields", "attribution", "indexing_ms", "storage_mb",
             "vocab_size"]].sort_values("config")
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "indexing_ms": st.column_config.NumberColumn("build time (ms)", format="%.1f"),
    "storage_mb": st.column_config.NumberColumn("memory (MB)", format="%.2f"),
    "vocab_size": st.column_config.NumberColumn("vocabulary", format="%d")})
st.download_button("Download CSV", table.to_csv(index=False).encode(), "indexes.csv", "text/csv",
                   icon=":material/download:")

st.subheader("This configuration, measured now")
if len(config.components) != 1 or not config.lexical:
    st.info("Live measurement covers single lexical tokenisations (dense embeddings have no "
            "term index; they are cached beside the corpus database).")
    st.stop()
if not source.has_db:
    st.info("The corpus database is missing, so nothing can be measured live.")
    st.stop()
try:
    engine = get_engine(source)
    with engine_lock():
        t0 = time.perf_counter()
        index = engine.index(config.lexical[0].tokeniser, config.enrichment, config.attribution)
        waited = time.perf_counter() - t0
except Exception as e:
    st.error(f"Could not build the index: {escape_md(e)}")
    st.stop()
c1, c2, c3 = st.columns(3)
c1.metric("Build time", f"{index.build_seconds * 1000:,.0f} ms",
          help=f"when first built in this session (this request: {waited * 1000:,.0f} ms)")
c2.metric("Memory", f"{index.nbytes / 1e6:,.2f} MB")
c3.metric("Vocabulary", f"{index.vocab_size:,} terms")
st.caption(f"Index `{config.index_name}` on {source.db}.")
