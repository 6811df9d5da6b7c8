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
* :func:`win_loss` – per pair: queries where A ranks the target better, worse, tied.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from .metrics import reciprocal_rank, success_at, target_ranks
from .stats import bootstrap_ci, holm, paired_randomisation, wilcoxon
from .store import TAGS

METRICS = {"success_at_1": "s1", "success_at_5": "s5", "success_at_10": "s10", "mrr": "rr",
           "mean_rank": "rank"}


def per_query_from_ranks(queries: pd.DataFrame, lo, hi, missing: float = 731.0) -> pd.DataFrame:
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    out = pd.DataFrame({"query_id": queries["query_id"].to_numpy() if "query_id" in queries
                        else np.arange(1, len(lo) + 1)})
    out["rank_lo"], out["rank_hi"] = lo, hi
    out["rank"] = np.nan_to_num((lo + hi) / 2, nan=missing)
    out["s1"], out["s5"], out["s10"] = (success_at(lo, hi, k) for k in (1, 5, 10))
    out["rr"] = reciprocal_rank(lo, hi)
    for t in TAGS:
        if t in queries:
            out[t] = queries[t].fillna(0).astype(int).to_numpy()
    return out


def per_query(engine, config, queries: pd.DataFrame, missing: float | None = None) -> pd.DataFrame:
    """One row per query for a configuration (see the module docstring); a missing rank
    counts as ``missing`` in mean rank, by default the middle of the corpus (the study's 731
    of 1,462)."""
    missing = engine.n_docs / 2 if missing is None else missing
    s, m = engine.scores(config, queries["query_text"].tolist())
    lo, hi = target_ranks(s, m, engine.target_positions(queries["target_id"]))
    return per_query_from_ranks(queries, lo, hi, missing)


def summarise(pq: pd.DataFrame, n_resamples: int = 2000, seed: int = 0) -> dict:
    """Metrics with bootstrap CIs for one per-query table."""
    row = {"queries": len(pq)}
    for name, col in METRICS.items():
        v = pq[col].to_numpy(float)
        lo, hi = bootstrap_ci(v, n_resamples=n_resamples, seed=seed)
        row[name], row[f"{name}_lo"], row[f"{name}_hi"] = float(v.mean()) if len(v) else np.nan, lo, hi
    row["missing"] = int(pq["rank_lo"].isna().sum()) if "rank_lo" in pq else 0
    return row


def summary_table(results: dict[str, pd.DataFrame], n_resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """One row per configuration (name → per-query table): metrics and 95% bootstrap CIs."""
    rows = [{"config": name, **summarise(pq, n_resamples, seed)} for name, pq in results.items()]
    return pd.DataFrame(rows)


def tag_breakdown(results: dict[str, pd.DataFrame], metrics=("success_at_1", "mrr")) -> pd.DataFrame:
    """Per configuration × tag × value (1 = the tag holds): number of queries and metrics."""
    rows = []
    for name, pq in results.items():
        for tag in TAGS:
            if tag not in pq:
                continue
            for value in (1, 0):
                sub = pq[pq[tag] == value]
                row = {"config": name, "tag": tag, "value": value, "queries": len(sub)}
                for mname in metrics:
                    row[mname] = float(sub[METRICS[mname]].mean()) if len(sub) else np.nan
                rows.append(row)
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
    col = METRICS[metric]
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


def win_loss(results: dict[str, pd.DataFrame], baseline: str | None = None, tol: float = 1e-9) -> pd.DataFrame:
    """Per pair: queries where a ranks the target better (lower expected rank), worse, tied;
    and how many targets each ranks first."""
    rows = []
    for a, b in _pairs(list(results), baseline):
        x = results[a].set_index("query_id")["rank"]
        y = results[b].set_index("query_id")["rank"].reindex(x.index)
        d = y - x
        rows.append({"a": a, "b": b, "a_better": int((d > tol).sum()), "b_better": int((d < -tol).sum()),
                     "tied": int((d.abs() <= tol).sum()),
                     "a_first": float(results[a]["s1"].sum()), "b_first": float(results[b]["s1"].sum())})
    return pd.DataFrame(rows, columns=["a", "b", "a_better", "b_better", "tied", "a_first", "b_first"])


def per_query_table(results: dict[str, pd.DataFrame], queries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected target rank per query (rows) and configuration (columns), with the query text."""
    df = pd.DataFrame({name: pq.set_index("query_id")["rank"] for name, pq in results.items()})
    if queries is not None and "query_text" in queries:
        df.insert(0, "query_text", queries.set_index("query_id")["query_text"].reindex(df.index))
    return df
