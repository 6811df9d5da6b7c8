"""Evaluate configurations on a query set: per-query figures, summaries with CIs, tag
breakdowns, paired significance and win/loss tables, all as DataFrames.

The per-query table (:func:`per_query`) is the unit everything else is computed from: one
row per query with ``rank_lo``/``rank_hi`` (tie range), ``rank`` (expected rank, NaN if the
target matched nothing), ``s1``/``s5``/``s10`` (tie-aware Success@k), ``rr`` (reciprocal
rank). Functions for the dashboard's Experiments page:

* :func:`summary_table` – per configuration: Success@1/5/10, MRR, mean rank, each with a
  percentile bootstrap 95% CI (resampling queries; :func:`core.stats.bootstrap_ci`).
* :func:`tag_breakdown` – the same metrics for the queries with / without each study tag.
* :func:`paired_tests` – every configuration against a baseline (or all pairs): mean
  difference, paired randomisation and Wilcoxon p-values, Holm-adjusted.
* :func:`win_loss` – per pair: queries where A is better, worse, tied on a metric.

:data:`METRICS` names every metric once: its per-query column, label and direction.
:mod:`core.results` reads the experiment grid's results.db into the same per-query tables.
"""
from __future__ import annotations

from itertools import combinations
from typing import NamedTuple

import numpy as np
import pandas as pd

from .metrics import STUDY_MISSING_RANK, missing_rank, reciprocal_rank, success_at, target_ranks
from .stats import bootstrap_ci, holm, paired_randomisation, wilcoxon
from .store import TAGS


class Metric(NamedTuple):
    column: str              # column of the per-query table
    label: str
    higher_is_better: bool


METRICS = {
    "success_at_1": Metric("s1", "Success@1", True),
    "success_at_5": Metric("s5", "Success@5", True),
    "success_at_10": Metric("s10", "Success@10", True),
    "mrr": Metric("rr", "MRR", True),
    "mean_rank": Metric("rank", "Mean rank", False),
}


def metric_label(metric: str, missing: float | None = None) -> str:
    """Axis/legend title of a metric; for mean rank with the rank a missing target counts as."""
    label = METRICS[metric].label
    if metric == "mean_rank" and missing is not None:
        return f"{label} (missing = {missing:g})"
    return label


def per_query_from_ranks(queries: pd.DataFrame, lo, hi,
                         missing: float = STUDY_MISSING_RANK) -> pd.DataFrame:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    columns = {"query_id": queries["query_id"].to_numpy() if "query_id" in queries else np.arange(1, len(lo) + 1),
               "rank_lo": lo, "rank_hi": hi, "rank": np.nan_to_num((lo + hi) / 2, nan=missing),
               **{f"s{k}": success_at(lo, hi, k) for k in (1, 5, 10)}, "rr": reciprocal_rank(lo, hi)}
    columns |= {t: queries[t].fillna(0).astype(int).to_numpy() for t in TAGS if t in queries}
    return pd.DataFrame(columns)


def per_query(engine, config, queries: pd.DataFrame, missing: float | None = None) -> pd.DataFrame:
    """One row per query for a configuration (see the module docstring); a missing rank
    counts as ``missing`` in mean rank, by default the middle of the corpus
    (:func:`core.metrics.missing_rank`)."""
    missing = missing_rank(engine.n_docs) if missing is None else missing
    s, m = engine.scores(config, queries["query_text"].tolist())
    lo, hi = target_ranks(s, m, engine.target_positions(queries["target_id"]))
    return per_query_from_ranks(queries, lo, hi, missing)


def summarise(pq: pd.DataFrame, n_resamples: int = 2000, seed: int = 0) -> dict:
    """Metrics with bootstrap CIs for one per-query table."""
    row = {"queries": len(pq)}
    v = pq[[m.column for m in METRICS.values()]].to_numpy(float)
    lo, hi = bootstrap_ci(v, n_resamples=n_resamples, seed=seed)   # every metric in one draw
    for i, name in enumerate(METRICS):
        row[name] = float(v[:, i].mean()) if len(v) else np.nan
        row[f"{name}_lo"], row[f"{name}_hi"] = float(lo[i]), float(hi[i])
    row["missing"] = int(pq["rank_lo"].isna().sum()) if "rank_lo" in pq else 0
    return row


def group_means(pq: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per value of ``by`` (e.g. ``experiment_id`` of a whole grid's per-query rows): number
    of queries, the mean of every metric, missing ranks. :func:`summarise` without CIs."""
    g = pq.groupby(by)
    out = pd.DataFrame({"queries": g.size()})
    for name, m in METRICS.items():
        out[name] = g[m.column].mean()
    out["missing"] = pq["rank_lo"].isna().groupby(pq[by]).sum().astype(int)
    return out.reset_index()


def summary_table(results: dict[str, pd.DataFrame], n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """One row per configuration (name → per-query table): metrics and 95% bootstrap CIs."""
    rows = [{"config": name, **summarise(pq, n_resamples, seed)} for name, pq in results.items()]
    return pd.DataFrame(rows)


def tag_breakdown(results: dict[str, pd.DataFrame], metrics=("success_at_1", "mrr")) -> pd.DataFrame:
    """Per configuration × tag × value (1 = the tag holds): number of queries and metrics
    (the mean over those queries, NaN values left out; NaN when there are none)."""
    rows = []
    for name, pq in results.items():
        values = pq[[METRICS[m].column for m in metrics]].to_numpy(float)
        for tag in (t for t in TAGS if t in pq):
            flags = pq[tag].to_numpy()
            for value in (1, 0):
                sub = values[flags == value]
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = np.nansum(sub, axis=0) / (~np.isnan(sub)).sum(axis=0)
                rows.append({"config": name, "tag": tag, "value": value, "queries": len(sub),
                             **{m: float(x) for m, x in zip(metrics, means)}})
    return pd.DataFrame(rows)


def _pairs(names, baseline):
    if baseline is None:
        return list(combinations(names, 2))
    return [(n, baseline) for n in names if n != baseline]


def paired_tests(results: dict[str, pd.DataFrame], baseline: str | None = None, metric: str = "mrr",
                 n_resamples: int = 10000, seed: int = 0) -> pd.DataFrame:
    """Paired comparisons on a per-query metric: each config vs ``baseline`` (or all pairs).

    Columns: a, b, metric, mean_a, mean_b, diff (a − b), p_randomisation, p_wilcoxon, and
    both Holm-adjusted over the pairs in the table.
    """
    col = METRICS[metric].column
    rows = []
    for a, b in _pairs(list(results), baseline):
        x = results[a].set_index("query_id")[col]
        y = results[b].set_index("query_id")[col].reindex(x.index)
        rows.append({"a": a, "b": b, "metric": metric, "mean_a": x.mean(), "mean_b": y.mean(),
                     "diff": x.mean() - y.mean(),
                     "p_randomisation": paired_randomisation(x.to_numpy(), y.to_numpy(), n_resamples, seed),
                     "p_wilcoxon": wilcoxon(x.to_numpy(), y.to_numpy())})
    df = pd.DataFrame(rows, columns=["a", "b", "metric", "mean_a", "mean_b", "diff",
                                     "p_randomisation", "p_wilcoxon"])
    df["p_randomisation_holm"] = holm(df["p_randomisation"]) if len(df) else []
    df["p_wilcoxon_holm"] = holm(df["p_wilcoxon"]) if len(df) else []
    return df


OUTCOME_TOL = 1e-9     # metric differences within this count as ties


def outcomes(a: pd.DataFrame, b: pd.DataFrame, metric: str = "mean_rank",
             tol: float = OUTCOME_TOL) -> pd.Series:
    """Per query of ``a``: 1 where a is better than b on ``metric``, −1 where worse, 0 tied
    (NaN where b lacks the query)."""
    m = METRICS[metric]
    x = a.set_index("query_id")[m.column]
    d = x - b.set_index("query_id")[m.column].reindex(x.index)
    d = d if m.higher_is_better else -d
    return pd.Series(np.select([d > tol, d < -tol, d.notna()], [1.0, -1.0, 0.0], np.nan),
                     index=x.index, name=metric)


def win_loss(results: dict[str, pd.DataFrame], baseline: str | None = None, tol: float = OUTCOME_TOL,
             metric: str = "mean_rank") -> pd.DataFrame:
    """Per pair: queries where a is better than b on ``metric`` (by default: ranks the target
    better, a lower expected rank), worse, tied; and how many targets each ranks first."""
    rows = []
    for a, b in _pairs(list(results), baseline):
        o = outcomes(results[a], results[b], metric, tol)
        rows.append({"a": a, "b": b, "a_better": int((o == 1).sum()), "b_better": int((o == -1).sum()),
                     "tied": int((o == 0).sum()),
                     "a_first": float(results[a]["s1"].sum()), "b_first": float(results[b]["s1"].sum())})
    return pd.DataFrame(rows, columns=["a", "b", "a_better", "b_better", "tied", "a_first", "b_first"])


def per_query_table(results: dict[str, pd.DataFrame], queries: pd.DataFrame | None = None,
                    metric: str = "mean_rank") -> pd.DataFrame:
    """``metric`` per query (rows) and configuration (columns), by default the expected
    target rank, with the query text."""
    col = METRICS[metric].column
    df = pd.DataFrame({name: pq.set_index("query_id")[col] for name, pq in results.items()})
    if queries is not None and "query_text" in queries:
        df.insert(0, "query_text", queries.set_index("query_id")["query_text"].reindex(df.index))
    return df
