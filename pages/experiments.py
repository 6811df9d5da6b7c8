"""Experiments: the grid in results.db as heatmaps, distributions, a pinned baseline with
paired significance tests, and a parallel-coordinates view; and method families compared
honestly, cross-validated on the corpus's own queries (ui/evaluation.py), which needs only
the corpus database."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.config import STUDY_BEST
from core.evaluation import METRICS, metric_label, outcomes, paired_tests, per_query_table, win_loss
from core.query_set import tagged_query_ids
from ui.charts import heatmap, parallel_coordinates, rank_distribution
from ui.query_filters import query_filters
from ui.data import current_source, page_results, readable_corpus, show_missing_data, tag_names
from ui.evaluation import corpus_queries, csv_button, cv_section, metric_columns

CV_TAB = ":material/verified: Methods, cross-validated"

st.title(":material/leaderboard: Experiments")
source = current_source()
if source.has_db and not readable_corpus(source):
    st.stop()
results = page_results(source, required=False)
if results is None:
    if not source.has_db:
        show_missing_data(source, need_results=True)
        st.stop()
    st.info(f"The experiment grid (heatmaps, baseline comparison, parallel coordinates) needs the "
            f"results database `{source.results}`: `make demo` builds the demo's, `python -m "
            "pipeline.experiments --db … --results …` runs the grid on any corpus. The "
            "cross-validated comparison of method families below needs only the corpus.",
            icon=":material/database:")
db_queries = corpus_queries(source)

# ---------------------------------------------------------------- filters
tags = tag_names()
f2, f1 = st.columns([2, 5])
chosen_tags = f1.pills("Only queries whose target is tagged", list(tags), format_func=tags.get,
                       selection_mode="multi", key="tags", bind="query-params",
                       help="Tags the query authors gave each target video (all chosen tags "
                            "must hold).")
# the filters offer every query of the corpus and of results.db (usually the same set)
filter_base = db_queries if results is None else results.queries if db_queries.empty else \
    pd.concat([db_queries, results.queries]).drop_duplicates("query_id")
shown = set(query_filters(filter_base)["query_id"].astype(int))
cv_ids = [q for q in tagged_query_ids(db_queries, chosen_tags) if q in shown]
filtered = len(cv_ids) < len(db_queries)
if results is None:
    st.caption(f"{len(cv_ids)} of {len(db_queries)} queries of the corpus")
    cv_section(source, db_queries, cv_ids, filtered)
    st.stop()

metric = f2.segmented_control("Metric", list(METRICS), format_func=metric_label,
                              default="mean_rank", key="metric", bind="query-params",
                              required=True) or "mean_rank"
qids = [q for q in tagged_query_ids(results.queries, chosen_tags) if q in shown]
label, higher = METRICS[metric].label, METRICS[metric].higher_is_better
mlabel = metric_label(metric, results.missing_rank)
if not qids:
    st.warning("No query passes the chosen tags and filters; remove one to see results.",
               icon=":material/filter_alt_off:")
    st.stop()
summary = results.summary(qids)
st.caption(f"{len(qids)} of {len(results.queries)} queries · {len(summary)} experiments · "
           f"{results.n_docs:,} documents · missing rank counted as {results.missing_rank:g} "
           "in mean rank, as failure in Success@k and MRR")
best = summary.sort_values(metric, ascending=not higher).iloc[0]
configs_all = summary["config"].tolist()

tab_heat, tab_cmp, tab_par, tab_all, tab_cv = st.tabs(
    [":material/grid_on: Heatmaps", ":material/compare_arrows: Compare to a baseline",
     ":material/timeline: Parallel coordinates", ":material/table: All experiments", CV_TAB],
    key="tab", bind="query-params")

# ---------------------------------------------------------------- heatmaps
with tab_heat:
    weightings = sorted(summary["weighting"].unique())
    default_w = [w for w in dict.fromkeys([str(STUDY_BEST.weighting), best["weighting"]])
                 if w in weightings] or weightings[:1]
    chosen_w = st.multiselect("Weightings", weightings, default=default_w, key="hw",
                              bind="query-params")
    if not chosen_w:
        st.info("Choose at least one weighting to draw its heatmap.")
    else:
        fmt = ".1f" if metric == "mean_rank" else ".2f"
        d = summary[summary["weighting"].isin(chosen_w)]
        st.altair_chart(heatmap(d, metric, mlabel, higher, fmt), width="content")
        st.caption(f"Best under {label}: `{best['config']}` ({best[metric]:.3g}). Brighter (yellow) is better.")

# ---------------------------------------------------------------- comparison
with tab_cmp:
    default_cmp = [c for c in dict.fromkeys([str(STUDY_BEST), best["config"],
                                              summary.sort_values(metric, ascending=higher)
                                              .iloc[0]["config"]]) if c in configs_all]
    chosen = st.multiselect("Configurations", configs_all, default=default_cmp, key="cmp",
                            bind="query-params", help="Type to filter, e.g. '4gram' or 'bm25'.")
    base_default = str(STUDY_BEST) if str(STUDY_BEST) in configs_all else best["config"]
    c1, c2 = st.columns([3, 2])
    baseline = c1.selectbox("Pinned baseline", configs_all, index=configs_all.index(base_default),
                            key="base", bind="query-params")
    kind = c2.segmented_control("Distribution", ["box", "violin", "ecdf"], default="box",
                                format_func={"box": "Box", "violin": "Violin", "ecdf": "ECDF"}.get,
                                key="dist", bind="query-params", required=True) or "box"
    shown = list(dict.fromkeys([baseline] + chosen))
    pqs = results.per_query(shown, qids)
    long = pd.concat([pq.assign(config=c) for c, pq in pqs.items()], ignore_index=True)
    st.altair_chart(rank_distribution(long, kind, results.missing_rank), width="stretch")

    others = [c for c in shown if c != baseline]
    if not others:
        st.info("Choose configurations besides the baseline to compare them with it.")
    else:
        tests = paired_tests(pqs, baseline=baseline, metric=metric)
        wl = win_loss(pqs, baseline=baseline, metric=metric)
        cmp = pd.DataFrame({
            "configuration": tests["a"], label: tests["mean_a"], "Δ vs baseline": tests["diff"],
            "improved": wl["a_better"], "degraded": wl["b_better"], "unchanged": wl["tied"],
            "p (randomisation)": tests["p_randomisation"], "p (Wilcoxon)": tests["p_wilcoxon"],
            "p Holm (randomisation)": tests["p_randomisation_holm"],
            "p Holm (Wilcoxon)": tests["p_wilcoxon_holm"]})
        cmp["significant (α=0.05, Holm)"] = cmp["p Holm (randomisation)"] < 0.05
        st.subheader(f"Against `{baseline}` ({label} {tests['mean_b'].iloc[0]:.3g})")
        st.dataframe(cmp, hide_index=True, width="stretch", column_config={
            label: st.column_config.NumberColumn(format="%.3f"),
            "Δ vs baseline": st.column_config.NumberColumn(format="%+.3f"),
            **{k: st.column_config.NumberColumn(format="%.4f") for k in cmp.columns
               if k.startswith("p ")}})
        st.caption(f"Per query: improved = better {label} than the baseline. Two-sided paired "
                   "tests over the chosen queries; p-values Holm-corrected across the "
                   f"{len(others)} comparison(s).")
        csv_button(cmp, "comparison", "dl_cmp")

        st.subheader("Per-query wins and losses")
        table = per_query_table(pqs, results.queries, metric).rename(columns={"query_text": "query"})
        for c in others:
            o = outcomes(pqs[c], pqs[baseline], metric).reindex(table.index)
            table[f"{c} vs baseline"] = o.map({1: "win", -1: "loss", 0: "="})
        table = table.rename_axis("query_id").reset_index()
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(format="%.3g") for c in shown})
        st.caption(f"Values are {label.lower()} per query" +
                   (f" (missing counted as {results.missing_rank:g})." if metric == "mean_rank" else "."))
        csv_button(table, "per_query", "dl_perq")

# ---------------------------------------------------------------- parallel coordinates
with tab_par:
    top = st.slider("Highlight the best", 5, 100, 20, 5, key="top", bind="query-params",
                    help="experiments, by the chosen metric")
    st.altair_chart(parallel_coordinates(summary, metric, label, higher, top), width="stretch")

# ---------------------------------------------------------------- table
with tab_all:
    cols = ["config", "tokenisation", "fields", "attribution", "weighting", *METRICS, "missing",
            "queries"]
    table = summary[cols].sort_values(metric, ascending=not higher)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        **metric_columns(), "missing": st.column_config.NumberColumn("missing ranks")})
    csv_button(table, "experiments", "dl_all")

# ---------------------------------------------------------------- cross-validated methods
with tab_cv:
    if tab_cv.open:  # computed only when shown
        cv_section(source, db_queries, cv_ids, filtered)
