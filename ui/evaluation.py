"""The honest evaluation of method families for the Experiments page, cached.

For the corpus database's own queries (or those the page's filters keep), each chosen
method family (:mod:`core.families`) gets its untuned default and its k-fold cross-validated
figure (parameters chosen on the training folds, scored on the held-out fold:
:mod:`core.crossval`), with bootstrap 95% CIs, tag breakdowns, paired tests against a
baseline with Holm correction and win/loss counts (:mod:`core.evaluation`).

Caching: one :class:`core.crossval.ScoreTable` per (database, corpus build, normalisation
mode, query set) holds every candidate's per-query rows, so families, filters, fold counts
and seeds share them; each family's cross-validation is cached per (that key, the queries
kept, the family's candidates, folds, seed, objective). Everything that touches the shared
Engine runs under :func:`ui.data.engine_lock`.

:func:`evaluate` and the table builders below are plain functions of their arguments;
:func:`cv_section` draws the widgets and tables.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from core.crossval import (DEFAULT_FOLDS, DEFAULT_SEED, ScoreTable, cross_validate, family_tuner,
                           grid_tuner, table_evaluator)
from core.evaluation import (METRICS, metric_label, paired_tests, per_query_table, summary_table,
                             tag_breakdown, win_loss)
from core.families import Family, available_families
from core.metrics import STUDY_MISSING_RANK, missing_rank
from core.store import QUERY_COLUMNS, corpus_version, count_documents
from ui.charts import ci_chart
from ui.data import DataSource, engine_lock, get_engine, get_queries, tag_names
from ui.display import escape_md

PSEUDO = " · tuned on pseudo-queries"   # suffix of a family tuned on the comments' pseudo-queries
POOLED = "Pooled: best candidate of the chosen families on the training folds"
NESTED = "Nested: family chosen by an inner CV on the training folds, then tuned"
OBJECTIVES = {m: METRICS[m].label for m in ("mrr", "success_at_1")}
DEFAULT_FIG, CV_FIG, PSEUDO_FIG = "untuned default", "cross-validated", "tuned on pseudo-queries"
STUDY_FAMILY = "2022 study best (4-gram bpx)"
# cheap lexical families selected when the tab opens (seconds on the 2022 corpus)
DEFAULT_FAMILIES = (STUDY_FAMILY, "BM25 4-gram", "BM25 words", "Fusion words+4-gram BM25")


# ---------------------------------------------------------------- computation

@dataclass(frozen=True)
class Method:
    """One row of the comparison: a family's grid, or a selection over several families."""

    name: str
    default: str | None                       # untuned configuration (None: no such figure)
    candidates: tuple[str, ...]
    grids: tuple[tuple[str, tuple[str, ...]], ...] = ()  # for NESTED: (family, candidates)


def methods(families: list[Family], pooled: bool = False, nested: bool = False) -> list[Method]:
    """The rows to compute: each family, then optionally the pooled and nested selections
    over the given families."""
    out = [Method(f.name, f.default, tuple(f.candidates)) for f in families]
    pool = tuple(dict.fromkeys(c for f in families for c in f.candidates))
    if pooled and families:
        out.append(Method(POOLED, None, pool))
    if nested and families:
        out.append(Method(NESTED, None, pool, tuple((f.name, tuple(f.candidates)) for f in families)))
    return out


def queries_digest(queries: pd.DataFrame) -> str:
    """What identifies a query set for scoring: ids, texts and targets."""
    h = hashlib.sha256()
    for col in ("query_id", "query_text", "target_id"):
        h.update("\x00".join(map(str, queries[col])).encode() + b"\x01")
    return h.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=4)
def _score_table(path: str, version: str, mode: str, digest: str, _engine, _queries) -> ScoreTable:
    return ScoreTable(_engine, _queries)


def score_table(source: DataSource, queries: pd.DataFrame) -> tuple[ScoreTable, tuple]:
    """The shared ScoreTable of the source's engine on ``queries``, and its cache key."""
    engine = get_engine(source)
    path = str(source.db.resolve())
    key = (path, corpus_version(path), engine.mode, queries_digest(queries))
    return _score_table(*key, engine, queries.reset_index(drop=True)), key


@st.cache_data(show_spinner=False, max_entries=512)
def _method_cv(key: tuple, ids: tuple, method: Method, k: int, seed: int, objective: str,
               _table: ScoreTable) -> dict:
    table = _table
    queries = table.queries[table.queries["query_id"].isin(ids)].reset_index(drop=True)
    chosen_families: list[str] = []
    if method.grids:
        tune = family_tuner(table, dict(method.grids), objective, k, seed, chosen_families=chosen_families)
    else:
        tune = grid_tuner(table, method.candidates, objective)
    cv = cross_validate(queries, tune, table_evaluator(table), k, seed)
    chosen = cv.chosen if not chosen_families else [f"{c} ({f})" for c, f in zip(cv.chosen, chosen_families)]
    default = (table.rows(method.default, list(ids)).reset_index(drop=True)
               if method.default else None)
    return {"cv": cv.per_query, "chosen": chosen, "default": default}


@dataclass
class Evaluation:
    """Per method: held-out per-query rows (``cv``), untuned rows (``defaults``), the
    configuration chosen in each fold; methods that failed, with the reason."""

    queries: pd.DataFrame
    folds: int
    seed: int
    objective: str
    methods: list[Method]
    cv: dict[str, pd.DataFrame] = field(default_factory=dict)
    defaults: dict[str, pd.DataFrame] = field(default_factory=dict)
    chosen: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    missing_rank: float = STUDY_MISSING_RANK   # what a never-matched target counts as


def evaluate(source: DataSource, all_queries: pd.DataFrame, ids, chosen: list[Method],
             k: int = DEFAULT_FOLDS, seed: int = DEFAULT_SEED, objective: str = "mrr",
             progress=None) -> Evaluation:
    """Cross-validate each method on the queries ``ids`` of ``all_queries`` (the corpus's
    queries; rows are memoised per corpus and query set). ``progress(done, total, name)`` is
    called before each method."""
    ids = tuple(sorted(int(i) for i in ids))
    queries = all_queries[all_queries["query_id"].astype(int).isin(ids)].reset_index(drop=True)
    ev = Evaluation(queries, k, seed, objective, chosen)
    with engine_lock():
        table, key = score_table(source, all_queries)
        ev.missing_rank = missing_rank(table.engine.n_docs)
        for i, m in enumerate(chosen):
            if progress:
                progress(i, len(chosen), m.name)
            try:
                r = _method_cv(key, ids, m, k, seed, objective, table)
            except Exception as e:  # dense packages missing, a bad candidate…: say so, go on
                ev.errors[m.name] = f"{type(e).__name__}: {e}"
                continue
            ev.cv[m.name], ev.chosen[m.name] = r["cv"], r["chosen"]
            if r["default"] is not None:
                ev.defaults[m.name] = r["default"]
    if progress:
        progress(len(chosen), len(chosen), "")
    return ev


def summary(ev: Evaluation) -> pd.DataFrame:
    """One row per method and figure (untuned default, cross-validated): candidates,
    queries, each metric with its bootstrap 95% CI (``<metric>_lo``/``_hi``), missing ranks."""
    frames = []
    cands = {m.name: len(m.candidates) for m in ev.methods}
    for fig, results in ((DEFAULT_FIG, ev.defaults), (CV_FIG, ev.cv)):
        if results:
            t = summary_table(results).rename(columns={"config": "method"})
            t.insert(1, "figure", [PSEUDO_FIG if m.endswith(PSEUDO) else fig for m in t["method"]])
            frames.append(t)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out.insert(2, "candidates", out["method"].map(cands))
    order = {m.name: i for i, m in enumerate(ev.methods)}
    return out.sort_values(["method", "figure"], key=lambda s: s.map(order) if s.name == "method"
                           else s.map({DEFAULT_FIG: 0, CV_FIG: 1, PSEUDO_FIG: 2}), ignore_index=True)


def chart_data(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Long form of one metric for :func:`ui.charts.ci_chart`: method, figure, value, lo, hi."""
    return pd.DataFrame({"method": table["method"], "figure": table["figure"], "value": table[metric],
                         "lo": table[f"{metric}_lo"], "hi": table[f"{metric}_hi"]})


def chosen_table(ev: Evaluation) -> pd.DataFrame:
    """The configuration each fold chose, per method (rows) and fold (columns)."""
    return pd.DataFrame({name: pd.Series(c, index=[f"fold {i + 1}" for i in range(len(c))])
                         for name, c in ev.chosen.items()}).T.rename_axis("method").reset_index()


def tag_table(ev: Evaluation, metric: str) -> pd.DataFrame:
    """``metric`` (Success@1 or MRR) per tag, tag value and method; with query counts."""
    t = tag_breakdown(ev.cv)
    if t.empty:
        return t
    names = tag_names()
    wide = t.pivot(index=["tag", "value", "queries"], columns="config", values=metric)
    wide = wide.reindex(pd.MultiIndex.from_frame(t[["tag", "value", "queries"]].drop_duplicates()))
    wide = wide[[n for n in ev.cv if n in wide.columns]].reset_index()
    wide.columns.name = None
    wide["tag"] = wide["tag"].map(names)
    wide["value"] = wide["value"].map({1: "yes", 0: "no"})
    return wide.rename(columns={"value": "tag holds"})


def per_query_ranks(ev: Evaluation) -> pd.DataFrame:
    """Held-out expected target rank per query (rows) and method (columns), with the query
    text and the fold it was held out in."""
    t = per_query_table(ev.cv, ev.queries)
    first = next(iter(ev.cv.values()))
    t.insert(1, "fold", first.set_index("query_id")["fold"].reindex(t.index) + 1)
    return t.rename_axis("query_id").reset_index()


# ---------------------------------------------------------------- view

def csv_button(df: pd.DataFrame, name: str, key: str) -> None:
    st.download_button("Download CSV", df.to_csv(index=False).encode(), file_name=f"{name}.csv",
                       mime="text/csv", icon=":material/download:", key=key)


def _num(fmt: str, label: str | None = None):
    return st.column_config.NumberColumn(label, format=fmt)


def metric_columns(ci: bool = False) -> dict:
    """``st.dataframe`` column settings of the metric columns (and of their CI bounds)."""
    cfg = {}
    for m, spec in METRICS.items():
        fmt = "%.1f" if m == "mean_rank" else "%.3f"
        cfg[m] = _num(fmt, spec.label)
        if ci:
            cfg[f"{m}_lo"] = _num(fmt, f"{spec.label} 95% low")
            cfg[f"{m}_hi"] = _num(fmt, f"{spec.label} 95% high")
    return cfg


def _family_label(fams: dict[str, Family]):
    def fmt(name: str) -> str:
        f = fams.get(name)
        return f"{name} · dense" if f is not None and f.dense else name
    return fmt


def cv_section(source: DataSource, all_queries: pd.DataFrame, ids: list[int], filtered: bool) -> None:
    """The "Methods, cross-validated" view: controls, then figures, tests and tables."""
    if not source.has_db:
        st.info(f"Cross-validating method families needs the corpus database `{source.db}`.",
                icon=":material/database:")
        return
    if count_documents(source.db) == 0:
        st.info("Cross-validating method families needs searchable documents, and this corpus has "
                "none yet (run the pipeline's stages, then `python -m pipeline.etl`).",
                icon=":material/database:")
        return
    fams = {f.name: f for f in available_families()}
    options = list(fams) + [POOLED, NESTED]
    c1, c2, c3, c4 = st.columns([6, 1, 1, 2])
    chosen = c1.multiselect(
        "Method families", options, default=[n for n in DEFAULT_FAMILIES if n in fams], key="cv_fam",
        bind="query-params", format_func=_family_label(fams),
        help="Each family is a default configuration and a grid of candidates (core/families.py). "
             "The last two choose among the chosen families inside each training fold.")
    n = len(ids)
    k_max = max(2, min(n, 20))
    k = int(c2.number_input("Folds", 2, k_max, min(DEFAULT_FOLDS, k_max), key="cv_k",
                            bind="query-params", help="k-fold cross-validation over queries"))
    seed = int(c3.number_input("Seed", 0, 2**31 - 1, DEFAULT_SEED, key="cv_seed", bind="query-params",
                               help="Shuffles the queries before they are dealt into folds"))
    objective = c4.segmented_control("Tuned on", list(OBJECTIVES), format_func=OBJECTIVES.get,
                                     default="mrr", key="cv_obj", bind="query-params",
                                     required=True) or "mrr"
    with_pseudo = st.toggle(
        "Also tune each family on pseudo-queries from the comments", key="cv_pseudo", bind="query-params",
        help="Thousands of viewers' comments that read like descriptions (core/pseudo_queries.py) "
             "tune each family's parameters; the choice is scored on these queries, which it never "
             "saw. The first time takes a minute or more on the 2022 corpus.")
    st.caption(
        f"Tuning never sees the queries it is scored on: the {n} queries are shuffled (seed {seed}) "
        f"into {k} folds; each family's parameters are chosen by {OBJECTIVES[objective]} on the other "
        "folds and scored on the held-out one. *Untuned default* is the family's first candidate on "
        "every query. "
        + ("The cross-validation runs on the queries that pass the tags and filters above. "
           if filtered else "")
        + "Dense families embed the corpus once with their model (minutes on the 2022 corpus on two "
        "cores), cached on disk beside the database, then load in milliseconds.")
    if not chosen:
        st.info("Choose at least one method family to cross-validate.", icon=":material/checklist:")
        return
    if n < 2:
        st.warning(f"Cross-validation needs at least 2 queries; {n} {'passes' if n == 1 else 'pass'} "
                   "the tags and filters.",
                   icon=":material/filter_alt_off:")
        return
    k = min(k, n)
    families = [fams[c] for c in chosen if c in fams]
    if not families:
        st.info("Pooled and nested selections choose among families: choose some families too.",
                icon=":material/checklist:")
        return
    ms = methods(families, POOLED in chosen, NESTED in chosen)
    bar = st.progress(0.0, text="Cross-validating…")

    def progress(done, total, name):
        bar.progress(done / max(total, 1), text=f"Cross-validating {name} ({done + 1} of {total})…"
                     if name else "Done")

    ev = evaluate(source, all_queries, ids, ms, k, seed, objective, progress)
    if with_pseudo:
        bar.progress(1.0, text="Tuning each family on pseudo-queries from the comments…")
        from ui.pseudo_tuning import pseudo_methods
        n_pseudo = pseudo_methods(source, all_queries, ids, [m for m in ms if m.default], objective, ev)
        if n_pseudo:
            st.caption(f"Rows ending *{PSEUDO.strip(' ·')}*: parameters chosen on {n_pseudo:,} "
                       "pseudo-queries (the held-aside fifth of the videos left out), each scored "
                       "against the corpus without its own comment; then scored here on queries "
                       "the tuning never saw.")
        else:
            st.info("This corpus's comments give too few pseudo-queries (200 are needed) to tune on.",
                    icon=":material/forum:")
    bar.empty()
    for name, err in ev.errors.items():
        st.error(f"{escape_md(name)}: {escape_md(err)}", icon=":material/error:")
    if not ev.cv:
        return
    _show(ev)


def _show(ev: Evaluation) -> None:
    table = summary(ev)
    names = list(ev.cv)
    st.subheader("Untuned and cross-validated figures")
    metric = st.segmented_control("Chart", list(METRICS), format_func=metric_label,
                                  default=ev.objective, key="cv_chart", bind="query-params",
                                  required=True) or ev.objective
    st.caption(f"Means over {len(ev.queries)} queries with percentile bootstrap 95% intervals "
               f"(resampling queries). Mean rank counts a target the method never matches as rank "
               f"{ev.missing_rank:g}, the middle of the corpus (the 2022 study's rule).")
    st.altair_chart(ci_chart(chart_data(table, metric), metric_label(metric),
                             METRICS[metric].higher_is_better),
                    width="stretch")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={**metric_columns(ci=True), "queries": _num("%d"), "missing": _num("%d")})
    csv_button(table, "methods_cross_validated", "dl_cv_summary")

    st.subheader("Configuration chosen in each fold")
    chosen = chosen_table(ev)
    st.dataframe(chosen, hide_index=True, width="stretch")
    csv_button(chosen, "chosen_per_fold", "dl_cv_chosen")

    st.subheader("By query tag (cross-validated)")
    tmetric = st.segmented_control("Tag metric", list(OBJECTIVES), format_func=OBJECTIVES.get,
                                   default=ev.objective, key="cv_tagm", bind="query-params",
                                   required=True) or ev.objective
    tags = tag_table(ev, tmetric)
    st.dataframe(tags, hide_index=True, width="stretch",
                 column_config={n: _num("%.3f") for n in names})
    st.caption(f"{OBJECTIVES[tmetric]} on the queries whose target has (yes) or lacks (no) each tag.")
    csv_button(tag_breakdown(ev.cv), "by_tag", "dl_cv_tags")

    st.subheader("Paired tests against a baseline")
    if len(names) < 2:
        st.info("Choose two or more methods to compare them.", icon=":material/compare_arrows:")
    else:
        base_default = STUDY_FAMILY if STUDY_FAMILY in names else names[0]
        baseline = st.selectbox("Baseline", names, index=names.index(base_default), key="cv_base",
                                bind="query-params")
        tests = paired_tests(ev.cv, baseline=baseline, metric=ev.objective)
        tests["significant (α=0.05, Holm)"] = tests["p_randomisation_holm"] < 0.05
        st.dataframe(tests, hide_index=True, width="stretch", column_config={
            "mean_a": _num("%.3f"), "mean_b": _num("%.3f"), "diff": _num("%+.3f"),
            **{c: _num("%.4f") for c in tests.columns if c.startswith("p_")}})
        st.caption(f"Held-out {OBJECTIVES[ev.objective]} per query, each method (a) against `{baseline}` "
                   "(b): two-sided paired randomisation (sign-flip) and Wilcoxon signed-rank tests, "
                   f"Holm-adjusted over the {len(tests)} comparison(s).")
        csv_button(tests, "paired_tests", "dl_cv_tests")
        wl = win_loss(ev.cv, baseline=baseline)
        st.dataframe(wl, hide_index=True, width="stretch", column_config={
            "a_better": st.column_config.NumberColumn("a ranks target better"),
            "b_better": st.column_config.NumberColumn("baseline better"),
            "a_first": _num("%.1f", "a: targets first"), "b_first": _num("%.1f", "baseline: targets first")})
        st.caption("Queries where each method ranks the target better than, worse than or as well as "
                   "the baseline (held-out expected ranks); targets first counts ties fractionally.")
        csv_button(wl, "win_loss", "dl_cv_winloss")

    st.subheader("Held-out target rank per query")
    pq = per_query_ranks(ev)
    st.dataframe(pq, hide_index=True, width="stretch",
                 column_config={n: _num("%.1f") for n in names})
    st.caption("Expected rank of the target (ties averaged) under the configuration chosen without "
               f"that query; a target never matched counts as {ev.missing_rank:g}.")
    csv_button(pq, "held_out_ranks", "dl_cv_per_query")


def corpus_queries(source: DataSource) -> pd.DataFrame:
    """The corpus database's queries (empty when there is no database)."""
    return get_queries(source) if source.has_db else pd.DataFrame(columns=list(QUERY_COLUMNS))
