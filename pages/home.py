"""Home: what the dataset is, the headline results, and where to go next."""
from __future__ import annotations

from pathlib import Path

import altair as alt
import streamlit as st

from core.config import STUDY_BEST
from ui.data import current_source, overview, page_results, show_missing_data
from ui.display import escape_md

st.title(":material/manage_search: TikTok Retrieval Lab")
st.markdown("Known-item search over TikToks: find *the* video someone remembers from a few "
            "words. Tune tokenisation, fields and weighting and see the effect at once.")
source = current_source()
if not show_missing_data(source):
    st.stop()

try:
    ov = overview(source)
except Exception as e:
    st.error(f"Could not read the corpus `{source.db}`: {escape_md(e)}")
    st.stop()

results = page_results(source, required=False)

st.subheader("The dataset")
c = st.columns(4)
c[0].metric("Documents", f"{ov['documents']:,}", help="TikToks in the corpus database")
c[1].metric("Usable documents", f"{ov['usable']:,}",
            help="Documents that are indexed (the study kept those with both OCR and "
                 "speech-to-text)")
c[2].metric("Comments", f"{ov.get('comments', 0):,}")
c[3].metric("Test queries", f"{len(results.queries) if results is not None else 0:,}",
            help="Known-item queries with a target video (from results.db)")
cov = ov["coverage"]
if not cov.empty:
    chart = alt.Chart(cov).mark_bar().encode(
        y=alt.Y("field:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
        x=alt.X("share:Q", axis=alt.Axis(format="%", tickCount=5), scale=alt.Scale(domain=[0, 1]),
                title="Share of usable documents with a non-empty field"),
        tooltip=["field:N", "documents:Q", alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=alt.Step(26), title="Field coverage")
    st.altair_chart(chart, width="stretch")

st.subheader("Headline results")
if results is None:
    st.info("No results database yet: run the experiment grid (`make demo` or `make study`) to "
            "see which configuration ranks the targets best.")
else:
    s = results.summary()
    best_rank = s.sort_values("mean_rank").iloc[0]
    best_s1 = s.sort_values("success_at_1", ascending=False).iloc[0]
    ref = s[s["config"] == str(STUDY_BEST)]
    c = st.columns(3)
    c[0].metric("Best mean rank", f"{best_rank['mean_rank']:.1f}", help=best_rank["config"])
    c[0].caption(f"`{best_rank['config']}`")
    c[1].metric("Best Success@1", f"{best_s1['success_at_1']:.1%}", help=best_s1["config"])
    c[1].caption(f"`{best_s1['config']}`")
    if not ref.empty:
        r = ref.iloc[0]
        c[2].metric("The 2022 study's best", f"{r['success_at_1']:.1%} at rank 1",
                    help=f"mean rank {r['mean_rank']:.1f}, MRR {r['mrr']:.3f}")
        c[2].caption(f"`{STUDY_BEST}` · mean rank {r['mean_rank']:.1f}")
    st.caption(f"{len(s)} experiments × {len(results.queries)} queries over {results.n_docs:,} "
               f"documents; a missing rank counts as {results.missing_rank:g} in mean rank.")

st.subheader("Where next")
links = [("pages/search.py", "Search", ":material/search:", "Live search with every control."),
         ("pages/query_lab.py", "Query lab", ":material/science:",
          "One test query: its target's rank, and why."),
         ("pages/experiments.py", "Experiments", ":material/leaderboard:",
          "Heatmaps, distributions, significance."),
         ("pages/index_stats.py", "Index stats", ":material/memory:",
          "Build time, memory, vocabulary.")]
for page, title, icon, text in (("pages/viewer.py", "Viewer", ":material/video_library:",
                                 "Watch the corpus one video at a time."),
                                ("pages/collect.py", "Collect queries", ":material/edit_note:",
                                 "Write new known-item queries.")):
    if (Path(__file__).resolve().parents[1] / page).exists():
        links.append((page, title, icon, text))
for col, (page, title, icon, text) in zip(st.columns(len(links)), links):
    with col.container(border=True):
        st.page_link(page, label=title, icon=icon)
        st.caption(text)
st.caption(f"Corpus `{source.db}` · results `{source.results}`")
