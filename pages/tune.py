"""Tune: the sidebar's configuration on the whole (filtered) test set at once, against a
pinned baseline: headline metrics, rank charts, the queries that moved, a sweep of any
parameter, and saving the configuration as an experiment."""
from __future__ import annotations

import streamlit as st

from core.evaluation import METRICS
from core.metrics import missing_rank
from core.query_set import tagged_query_ids
from core.tuning import fold_choices, parameters
from ui.charts import sweep_lines
from ui import shared_config
from ui.data import current_source, get_queries, page_engine, tag_names
from ui.display import plain_error
from ui.evaluation import csv_button
from ui.query_filters import query_filters
from ui.tune import (K_SCATTER, baseline_picker, follow_selection, link_params, open_selected, query_columns,
                     chart_specs, compared, query_table, save, saved_message, swept)

FOLDS = 5
SWEEP_METRICS = {"mrr": "MRR", "success_at_1": "Success@1"}
TABS = [":material/bar_chart: Charts", ":material/swap_vert: Movers", ":material/table: Per query",
        ":material/ssid_chart: Sweep"]

st.title(":material/tune: Tune")
source = current_source()
config = shared_config.config()
follow_selection()     # a point clicked on the scatter opens Query lab
engine = page_engine(source)
all_queries = get_queries(source)
if all_queries.empty:
    st.info("This corpus has no test queries to tune on. `make study` imports the study's 86, "
            "`make demo` generates some, and **Collect queries** adds your own.")
    st.stop()
if not (engine.target_positions(all_queries["target_id"]) >= 0).any():
    st.info("None of this corpus's test queries has its target among the searchable documents, "
            "so there is no rank to tune: the corpus may have no usable documents yet (run the "
            "pipeline's stages, then `python -m pipeline.etl`).")
    st.stop()

tags = tag_names()
chosen_tags = st.pills("Only queries whose target is tagged", list(tags), format_func=tags.get,
                       selection_mode="multi", key="t_tags", bind="query-params")
shown = set(query_filters(all_queries)["query_id"].astype(int))
ids = [q for q in tagged_query_ids(all_queries, chosen_tags) if q in shown]
if not ids:
    st.warning("No query passes the chosen tags and filters; remove one to see results.",
               icon=":material/filter_alt_off:")
    st.stop()
queries = all_queries[all_queries["query_id"].astype(int).isin(ids)].reset_index(drop=True)
baseline = baseline_picker(config)
if baseline is None:
    st.stop()

try:
    with st.spinner("Scoring every query…"):
        cmp = compared(source, config, baseline, all_queries, ids)
except Exception as e:  # an unknown scheme or parameter in a pasted configuration, dense missing…
    plain_error("This configuration cannot be evaluated:", e)
    st.stop()
missing = missing_rank(engine.n_docs)

# ---------------------------------------------------------------- headline
st.caption(f"`{config}` against `{baseline}` on {len(ids)} of {len(all_queries)} queries · "
           f"{engine.n_docs:,} documents · a target never matched counts as rank {missing:g} "
           "in mean rank and as failure in Success@k and MRR")
head = cmp.headline
for col, r in zip(st.columns(len(head)), head.itertuples()):
    fmt = ".1f" if r.metric == "mean_rank" else ".3f"
    delta = format(r.diff, "+" + fmt) if abs(r.diff) > 1e-12 else None
    col.metric(r.label, format(r.current, fmt), delta=delta,
               delta_color="normal" if r.higher_is_better else "inverse", border=True,
               help=f"95% bootstrap interval {r.current_lo:{fmt}}–{r.current_hi:{fmt}}; baseline "
                    f"{r.baseline:{fmt}}; paired randomisation p = {r.p:.3g}; queries better / worse / "
                    f"same: {r.better} / {r.worse} / {r.same}")
table = head.rename(columns={"label": "metric", "metric": "key"}).drop(columns=["higher_is_better"])
st.dataframe(table, hide_index=True, width="stretch", column_order=[
    "metric", "current", "current_lo", "current_hi", "baseline", "diff", "p", "better", "worse", "same"],
    column_config={"current_lo": st.column_config.NumberColumn("95% low", format="%.3f"),
                   "current_hi": st.column_config.NumberColumn("95% high", format="%.3f"),
                   "current": st.column_config.NumberColumn(format="%.3f"),
                   "baseline": st.column_config.NumberColumn(format="%.3f"),
                   "diff": st.column_config.NumberColumn("Δ vs baseline", format="%+.3f"),
                   "p": st.column_config.NumberColumn("p (paired randomisation)", format="%.4f")})
left, right = st.columns([1, 3], vertical_alignment="center")
left.button("Save as experiment", key="t_save", icon=":material/save:", on_click=save,
            args=(source, config, all_queries),
            help=f"Write this configuration's ranks on all {len(all_queries)} queries into "
                 f"`{source.results}` under its name; saving again replaces it.")
saved = saved_message(config)
if saved is not None:
    (right.success if saved.ok else right.error)(saved.text, icon=saved.icon)

params = link_params()
tab_charts, tab_movers, tab_table, tab_sweep = st.tabs(TABS, key="t_tab", bind="query-params")

# ---------------------------------------------------------------- charts
with tab_charts:
    if tab_charts.open:
        charts = chart_specs(source, config, baseline, all_queries, ids, tags, SWEEP_METRICS)
        a, b = st.columns(2)
        a.vega_lite_chart(spec=charts["ecdf"], width="stretch")
        b.vega_lite_chart(spec=charts["box"], width="stretch")
        st.vega_lite_chart(spec=charts["scatter"], width="stretch", key=K_SCATTER, on_select=open_selected)
        metric = st.segmented_control("Metric per tag", list(SWEEP_METRICS), format_func=SWEEP_METRICS.get,
                                      default="mrr", key="t_tagm", bind="query-params", required=True) or "mrr"
        st.vega_lite_chart(spec=charts[f"tags:{metric}"], width="stretch")

# ---------------------------------------------------------------- movers
with tab_movers:
    if tab_movers.open:
        up, down = cmp.movers(10)
        for title, rows in (("Gained most", up), ("Lost most", down)):
            st.subheader(title)
            if rows.empty:
                st.caption("None: no query moved this way.")
            else:
                st.dataframe(query_table(rows, engine.corpus.docs, params), hide_index=True, width="stretch",
                             column_config=query_columns())
        st.caption("Moves are rank ratios (log2 of baseline rank / current rank): 5 → 1 outranks "
                   "500 → 400, since users look at the top.")

# ---------------------------------------------------------------- per query
with tab_table:
    if tab_table.open:
        per = query_table(cmp.per_query, engine.corpus.docs, params)
        st.dataframe(per, hide_index=True, width="stretch", column_config=query_columns())
        csv_button(per.drop(columns="open").assign(config=str(config), baseline=str(baseline)),
                   "tune_per_query", "t_csv")


# ---------------------------------------------------------------- sweep
@st.fragment
def sweep_section() -> None:
    """Its own widgets rerun only this section."""
    ps = {p.key: p for p in parameters(config)}
    if not ps:
        st.info("This configuration has no numeric parameter to sweep (SMART letters have none): "
                "choose BM25, BM25F or LM in the sidebar, or character n-grams.")
        return
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    key = c1.selectbox("Parameter", list(ps), format_func=lambda k: ps[k].label, key="t_sweep",
                       bind="query-params") or next(iter(ps))
    folds = FOLDS if c2.toggle(f"Training vs held-out ({FOLDS} folds)", key="t_folds", bind="query-params",
                               help="Also draw each fold's curve on its training queries and on "
                                    "its held-out ones: a best value that does worse held out "
                                    "is fitted to these queries, not to the task.") else 0
    p = ps[key]
    st.caption(f"{p.help}. {len(p.grid)} values from {p.grid[0]:g} to {p.grid[-1]:g}; "
               f"current {p.value if p.value is not None else 'unset'}."
               + (" Each new value builds its own index or embeddings the first time (seconds "
                  "each on the 2022 corpus); later sweeps reuse them." if p.rebuilds else ""))
    if config.dense and not st.session_state.get(f"_t_ran_{config}_{key}_{folds}"):
        st.info("Sweeps of configurations with dense components encode every query per value "
                "(and a window sweep embeds the corpus once per window).", icon=":material/hourglass:")
        if not st.button("Run the sweep", key="t_run"):
            return
    if len(queries) < FOLDS and folds:
        folds = 0
        st.caption(f"Folds need at least {FOLDS} queries.")
    with st.spinner(f"Scoring {len(queries)} queries at {len(p.grid)} values…"):
        sw = swept(source, config, queries, key, folds)
    st.session_state[f"_t_ran_{config}_{key}_{folds}"] = True
    if sw.empty:
        st.warning("No value of this parameter gives a valid configuration.")
        return
    st.altair_chart(sweep_lines(sw, p.value, p.label, SWEEP_METRICS), width="stretch")
    every = sw[sw["split"] == "all"].drop(columns=["split", "fold"])
    st.dataframe(every, hide_index=True, width="stretch",
                 column_config={m: st.column_config.NumberColumn(METRICS[m].label, format="%.3f")
                                for m in METRICS})
    csv_button(sw, "sweep", "t_sweep_csv")
    if folds:
        chosen = fold_choices(sw)
        st.dataframe(chosen, hide_index=True, width="stretch", column_config={
            "value": st.column_config.NumberColumn("best on training", format="%g"),
            "train": st.column_config.NumberColumn("MRR, training", format="%.3f"),
            "held_out": st.column_config.NumberColumn("MRR, held out", format="%.3f")})
        honest = (chosen["held_out"] * chosen["queries"]).sum() / chosen["queries"].sum()
        best = every["mrr"].max()
        st.caption(f"Chosen on the training folds and scored held out, this parameter gives MRR "
                   f"{honest:.3f}; the best value on all queries gives {best:.3f}, an estimate "
                   "that has seen the queries it is scored on.")


with tab_sweep:
    if tab_sweep.open:
        sweep_section()
