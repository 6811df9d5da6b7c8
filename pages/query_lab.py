"""Query lab: one test query, its target's rank under the current configuration and why,
and the target's rank across every configuration in results.db."""
from __future__ import annotations

import re

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from ui import shared_config
from ui.query_filters import query_filters, query_label
from ui.data import (current_source, engine_lock, get_queries, prepare_dense, page_engine, page_results, tag_names,
                     token_order)
from ui.display import TermMatcher, document_details, escape_md, media_panel

ABOVE = 5  # documents ranked above the target that are explained

st.title(":material/science: Query lab")
source = current_source()
config = shared_config.config()
engine = page_engine(source)
results = page_results(source, required=False)
queries = results.queries if results is not None else get_queries(source)
if queries.empty:
    st.info("This corpus has no test queries. Queries are known-item questions with a target "
            "video; `make study` imports the study's 86, `make demo` generates some.")
    st.stop()

queries = query_filters(queries)
if queries.empty:
    st.info("No test query passes these filters; widen them to pick a query.")
    st.stop()
texts = dict(zip(queries["query_id"].astype(str), queries["query_text"]))
# the URL names the query by its id (?query=12; a label "#12 · …" from older links works too)
asked = re.match(r"#?(\d+)", st.query_params.get("query", ""))
first = asked.group(1) if asked and asked.group(1) in texts else next(iter(texts))
qid = st.selectbox("Test query", list(texts), index=list(texts).index(first), key="query",
                   format_func=lambda i: query_label(i, texts[i]))
st.query_params["query"] = qid
row = queries[queries["query_id"].astype(str) == qid].iloc[0]
docs = engine.corpus.docs
pos = docs.index[docs["id"] == str(row["target_id"])]
tags = [label for t, label in tag_names().items() if t in row and row[t] == 1]
st.markdown(f"> {escape_md(row['query_text'])}")
st.caption(f"by {escape_md(row.get('author') or 'unknown')} · target `{row['target_id']}`"
           + (f" · target is {', '.join(tags)}" if tags else ""))
if pos.empty:
    st.warning("The target of this query is not among the indexed documents of this corpus.")
    st.stop()
target = int(pos[0])

try:
    with engine_lock():
        prepare_dense(engine, config)   # a progress bar the first time
    with engine_lock(), st.spinner("Building the index for this configuration…"):
        ranked = engine.rank_queries(config, pd.DataFrame([row]))
        s, m = engine.scores(config, [row["query_text"]])
except Exception as e:  # QueryError, or an unknown scheme/parameter in a pasted configuration
    st.error(f"This configuration cannot rank queries: {escape_md(e)}")
    st.stop()
lo, hi = ranked["rank_lo"].iloc[0], ranked["rank_hi"].iloc[0]
n_match = int(m[0].sum())
c = st.columns(3)
if np.isnan(lo):
    c[0].metric("Target rank", "not ranked", help="The target shares no term with the query.")
else:
    c[0].metric("Target rank", f"{(lo + hi) / 2:g}",
                help=f"tied between ranks {lo:g} and {hi:g}" if hi > lo else None)
c[1].metric("Matching documents", f"{n_match:,}", help=f"of {engine.n_docs:,}")
c[2].metric("Target score", f"{s[0, target]:.3f}" if m[0, target] else "—")
st.caption(f"`{config}`")

left, right = st.columns([2, 3], gap="large")
matcher = TermMatcher(engine.source.normalise, config, row["query_text"])
with left:
    st.subheader("The target")
    doc = docs.loc[target].to_dict()
    media_panel(doc, base_dirs=(source.db.parent, source.db.parent.parent), height=520)
    document_details(doc, matcher)

with right:
    st.subheader("Why this rank")
    scores, matched = s[0], m[0]
    docs_m = np.flatnonzero(matched)
    order = docs_m[np.lexsort((docs_m, -scores[docs_m]))]
    above = [d for d in order if scores[d] > scores[target] and d != target][:ABOVE] \
        if matched[target] else list(order[:ABOVE])
    explain_docs = above + ([target] if matched[target] else [])
    frames = []
    if not explain_docs:
        st.info("No document shares a term with this query under this configuration.")
    elif len(config.components) > 1 or not config.lexical or config.lexical[0].options:
        st.info("Term contributions are shown for a single lexical component without query "
                "options; this configuration fuses components or expands the query.",
                icon=":material/info:")
    else:
        try:
            with engine_lock():
                for d in explain_docs:
                    ex = engine.explain(config, row["query_text"], int(d))
                    rank = int(np.flatnonzero(order == d)[0]) + 1
                    who = "target" if d == target else f"#{rank}"
                    ex["document"] = f"{who} · {str(docs.loc[d, 'creator_username'] or '')[:24]}"
                    ex["is_target"] = d == target
                    frames.append(ex)
        except ValueError:  # Engine.explain: BM25F or dense
            st.info("This configuration's score is not a sum of per-term contributions (BM25F "
                    "or dense), so there is no breakdown to show.", icon=":material/info:")
            frames = []
    if frames:
        ex = pd.concat(frames, ignore_index=True)
        ex["term"] = ex["term"].str.replace(" ", "␣")  # n-grams with spaces stay readable
        doc_order = list(dict.fromkeys(ex["document"]))
        chart = alt.Chart(ex).mark_bar().encode(
            y=alt.Y("document:N", sort=doc_order, title=None,
                    axis=alt.Axis(labelOverlap=False, labelLimit=220)),
            x=alt.X("sum(contribution):Q", title="Score = sum of term contributions"),
            color=alt.Color("term:N", legend=None),
            order=alt.Order("contribution:Q", sort="descending"),
            tooltip=["document:N", "term:N", "tf:Q", alt.Tooltip("contribution:Q", format=".3f")],
        ).properties(height=alt.Step(34),
                     title="Each bar segment is one matching term (hover for the term)")
        st.altair_chart(chart, width="stretch")
        wide = ex.pivot_table(index="term", columns="document", values="contribution",
                              aggfunc="sum").reindex(columns=doc_order).fillna(0.0)
        tgt = [d for d in doc_order if d.startswith("target")]
        wide = wide.sort_values(tgt[0] if tgt else doc_order[0], ascending=False, na_position="last")
        st.dataframe(wide.reset_index(), hide_index=True, width="stretch",
                     column_config={d: st.column_config.NumberColumn(format="%.3f") for d in doc_order})
        if matched[target] and not above:
            st.caption("Nothing scores above the target.")
        else:
            st.caption("␣ marks a space inside a character n-gram; 0 = the document lacks the term. "
                   f"Contribution of every query term to the {len(above)} best-scoring "
                       "document(s) above the target, and to the target.")

st.subheader("This target across every configuration")
if results is None:
    st.info("No results database: run the experiment grid to see this query under every "
            "configuration.")
    st.stop()
r = results.rows([int(qid)]).merge(results.experiments, on="experiment_id")
if r.empty:
    st.info("results.db has no rankings for this query.")
    st.stop()
r = r.assign(status=np.where(r["rank_lo"].isna(), "missing", "ranked"))
first = int((r["rank_lo"] == 1).sum())
st.caption(f"Ranked first (possibly tied) by {first} of {len(r)} configurations; missing in "
           f"{int(r['rank_lo'].isna().sum())}. Best: `{r.sort_values('rank').iloc[0]['config']}`.")
tokenisation_of = dict(zip(r["index_config"], r["tokenisation"]))
index_order = sorted(tokenisation_of, key=lambda s: (token_order(tokenisation_of[s]), s))
heat = alt.Chart(r).mark_rect().encode(
    x=alt.X("weighting:N", title="Weighting", axis=alt.Axis(labelAngle=0)),
    y=alt.Y("index_config:N", sort=index_order, title="Index (tokenisation.fields.attribution)"),
    color=alt.Color("rank:Q", scale=alt.Scale(type="log", scheme="viridis", reverse=True),
                    title="Target rank (log)"),
    tooltip=["config:N", alt.Tooltip("rank:Q", title="rank"), "status:N"],
).properties(height=max(200, 13 * len(index_order)),
             title=f"Target rank per configuration (missing shown as {results.missing_rank:g})")
st.altair_chart(heat, width="stretch")
