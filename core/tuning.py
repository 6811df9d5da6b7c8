"""The tuning loop: what a sweep can move in a configuration, what moving it does to a
whole test set, and how the result compares with a pinned baseline.

* :func:`parameters` lists the numeric parameters of a :class:`~core.config.Config`, read
  from where each is declared, never from a list kept here: the n of each character n-gram
  component (:data:`core.config.NGRAM`), every parameter of the weighting's scheme
  (:mod:`core.scoring`), the fusion scheme's own parameters (:mod:`core.fusion`, e.g. rrf k),
  one weight per fused component (:data:`core.fusion.WEIGHT`) and the window of each dense
  component (:data:`core.config.WINDOW_WORDS`). Each comes with its current value and a grid
  of about a dozen values across its declared span.
* :func:`with_value` is the configuration with one of them changed, built from typed parts.
* :func:`sweep` evaluates every grid value on a query set with
  :func:`core.evaluation.per_query` (tie-aware, as everywhere else), and optionally on the
  training and held-out queries of each fold of :func:`core.crossval.fold_ids`:
  a parameter whose best value on the training folds does worse on the held-out ones is
  being fitted to the queries, not to the task.
* :func:`compare` sets a configuration's per-query table against a baseline's: metrics with
  bootstrap intervals, differences with paired randomisation p-values, queries better, worse
  and the same, and the queries that moved most.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import fusion as fusion_registry
from .config import NGRAM, WINDOW_WORDS, Config, Lexical
from .crossval import DEFAULT_SEED, fold_ids
from .evaluation import METRICS, OUTCOME_TOL, per_query, summarise
from .fields import BY_NAME, active_fields
from .scheme import Param, Spec
from .scoring import scheme_of
from .stats import paired_randomisation

POINTS = 13        # grid points across a parameter's span (fewer when its steps are fewer)
GEOMETRIC = 20     # a span whose ends differ more than this many times is spaced geometrically


@dataclass(frozen=True)
class Parameter:
    """One numeric parameter of a configuration.

    ``kind`` says where it lives: ``n`` and ``window`` (of component number ``target``),
    ``weight`` (the fusion weight of component number ``target``), ``weighting`` and
    ``fusion`` (the scheme parameter named ``target``). Components are addressed by position,
    so the key stays the same when the value (and with it the component's name) changes."""

    kind: str
    target: int | str
    label: str
    value: float | None     # None: not set (a dense component scoring its whole passage)
    param: Param
    grid: tuple[float, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}"

    @property
    def help(self) -> str:
        return self.param.help

    @property
    def rebuilds(self) -> bool:
        """Does each value need a new index (n) or new embeddings (a window)?"""
        return self.kind in ("n", "window")


def grid(param: Param, current: float | None = None, points: int = POINTS) -> tuple[float, ...]:
    """About ``points`` values across ``param.span`` on multiples of its step, plus ``current``.

    Evenly spaced; geometrically when the span's ends differ more than :data:`GEOMETRIC`-fold
    (μ 10–8000, rrf k 1–200, windows 8–512), where equal ratios matter, not equal steps."""
    lo, hi = param.span
    step = param.step or (hi - lo) / (points - 1)
    if lo > 0 and hi / lo > GEOMETRIC:
        raw = np.geomspace(lo, hi, points)
    else:
        steps = max(1, math.ceil(round((hi - lo) / step, 9) / (points - 1)))
        raw = np.arange(lo, hi + step * steps / 2, step * steps)
    values = {round(lo + round((v - lo) / step) * step, 6) for v in raw}
    values.add(round(hi, 6))
    if current is not None and lo <= current <= hi:
        values.add(round(float(current), 6))
    values = {v for v in values if lo <= v <= hi}
    return tuple(sorted(int(v) if param.integer else v for v in values))


def _parameter(kind, target, label, value, param: Param) -> Parameter:
    return Parameter(kind, target, label, value, param, grid(param, value))


def _unused(name: str, enrichment) -> bool:
    """A parameter named after a field (BM25F's ``c``, ``b_c``) that the configuration does
    not index: moving it changes nothing."""
    field = name[2:] if name.startswith("b_") else name
    return field in BY_NAME and field not in active_fields(enrichment)


def parameters(config: Config) -> list[Parameter]:
    """Every numeric parameter of ``config`` a sweep can move (see the module docstring):
    the scoring and fusion parameters first, then those that need a new index or new
    embeddings for each value (n, windows)."""
    scheme = scheme_of(config.weighting)
    full = scheme.full(config.weighting)
    out = [_parameter("weighting", p.name, f"{p.name} · {scheme.label}", full[p.name], p)
           for p in scheme.params if not _unused(p.name, config.enrichment)]
    if config.fusion is not None:
        fusion = fusion_registry.REGISTRY.get(config.fusion.name)
        own = fusion.full(config.fusion)
        out += [_parameter("fusion", p.name, f"{p.name} · {fusion.name} fusion", own[p.name], p)
                for p in fusion.params]
        out += [_parameter("weight", i, f"weight of {t}", w, fusion_registry.WEIGHT)
                for i, (t, w) in enumerate(config.weights_of().items())]
    for i, c in enumerate(config.components):
        if not c.dense and c.n is not None:
            out.append(_parameter("n", i, f"n of {c.name}", c.n, NGRAM))
        elif c.dense:
            out.append(_parameter("window", i, f"window of {c.name} (words)", c.window, WINDOW_WORDS))
    return out


def _with_components(config: Config, components, weights) -> Config:
    """``config`` with new components (same positions) and one fusion weight each."""
    if config.fusion is None:
        return config.replace(components=tuple(components))
    f = config.fusion
    scheme = fusion_registry.REGISTRY.get(f.name)
    own = {k: v for k, v in f.kwargs.items() if scheme.param(k)}
    named = dict(zip((c.name for c in components), weights))
    return config.replace(components=tuple(components), fusion=Spec.of(f.name, **own, **named))


def with_value(config: Config, parameter: Parameter, value: float) -> Config:
    """``config`` with ``parameter`` set to ``value`` and nothing else changed (ValueError
    when the result is not a valid configuration, e.g. two components become the same)."""
    kind, target = parameter.kind, parameter.target
    if kind == "weighting":
        w = config.weighting
        return config.replace(weighting=Spec.of(w.name, **{**w.kwargs, target: value}))
    if kind == "fusion":
        f = config.fusion
        return config.replace(fusion=Spec.of(f.name, **{**f.kwargs, target: value}))
    weights = list(config.weights_of().values())
    components = list(config.components)
    if kind == "weight":
        weights[target] = float(value)
    elif kind == "n":
        components[target] = Lexical.ngram(int(value), components[target].options)
    elif kind == "window":
        components[target] = components[target].replace(window=int(value))
    else:
        raise ValueError(f"unknown kind of parameter {kind!r}")
    return _with_components(config, components, weights)


def parameter_of(config: Config, key: str) -> Parameter | None:
    """The parameter of ``config`` with this key (None when it has none)."""
    return next((p for p in parameters(config) if p.key == key), None)


# ---------------------------------------------------------------- sweep

def _means(pq: pd.DataFrame) -> dict:
    return {"queries": len(pq), **{name: float(pq[m.column].mean()) if len(pq) else np.nan
                                   for name, m in METRICS.items()}}


def sweep(engine, config: Config, queries: pd.DataFrame, parameter: Parameter, values=None,
          folds: int | None = None, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The metrics of ``config`` with ``parameter`` at each of ``values`` (default its grid).

    One row per value with ``split`` ``all`` (every query); with ``folds``, also one row per
    value, fold and split ``train`` (the other folds' queries) or ``held-out`` (the fold's).
    Columns: value, config, split, fold, queries and each metric of
    :data:`core.evaluation.METRICS`. Values giving no valid configuration are left out.
    Weight matrices built for other weightings are dropped after use (keeping the current
    configuration's warm)."""
    values = parameter.grid if values is None else values
    folds_of = {}
    if folds:
        folds_of = {int(q): f for f, ids in enumerate(fold_ids(queries["query_id"], folds, seed), 1)
                    for q in ids}
    rows = []
    for v in values:
        try:
            cfg = with_value(config, parameter, v)
        except ValueError:
            continue
        pq = per_query(engine, cfg, queries)
        point = {"value": v, "config": str(cfg)}
        rows.append({**point, "split": "all", "fold": 0, **_means(pq)})
        fold = pq["query_id"].astype(int).map(folds_of)
        for f in sorted(set(folds_of.values())):
            rows.append({**point, "split": "train", "fold": f, **_means(pq[fold != f])})
            rows.append({**point, "split": "held-out", "fold": f, **_means(pq[fold == f])})
        if cfg.weighting != config.weighting:
            engine.drop_weights(cfg)
    return pd.DataFrame(rows, columns=["value", "config", "split", "fold", "queries", *METRICS])


def fold_choices(swept: pd.DataFrame, objective: str = "mrr") -> pd.DataFrame:
    """Per fold of a :func:`sweep` with folds: the value best on the training queries (the
    first of equals), its training figure and its held-out figure. The held-out figures,
    weighted by fold size, estimate what tuning this parameter is worth on unseen queries."""
    sign = 1 if METRICS[objective].higher_is_better else -1
    rows = []
    for f, g in swept[swept["split"] == "train"].groupby("fold"):
        best = g.loc[(sign * g[objective]).idxmax()]
        held = swept[(swept["split"] == "held-out") & (swept["fold"] == f) & (swept["value"] == best["value"])]
        rows.append({"fold": int(f), "value": best["value"], "train": best[objective],
                     "held_out": float(held[objective].iloc[0]), "queries": int(held["queries"].iloc[0])})
    return pd.DataFrame(rows, columns=["fold", "value", "train", "held_out", "queries"])


# ---------------------------------------------------------------- comparison

@dataclass
class Comparison:
    """A configuration against a baseline on the same queries.

    ``headline``: one row per metric of :data:`core.evaluation.METRICS` (metric, label,
    current with its bootstrap 95% interval, baseline likewise, diff = current − baseline,
    the paired randomisation p, and queries better / worse / same on that metric).
    ``per_query``: query_id, both expected ranks and tie ranges, both reciprocal ranks,
    ``gain`` = log2(baseline rank / current rank) and ``outcome`` (better, worse, same)."""

    headline: pd.DataFrame
    per_query: pd.DataFrame

    def movers(self, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``n`` queries that gained most and the ``n`` that lost most. Gains are rank
        ratios, so 5 → 1 outranks 500 → 400: near the top is where a user looks."""
        pq = self.per_query.assign(_moved=(self.per_query["baseline_rank"] - self.per_query["rank"]).abs())
        up = pq[pq["gain"] > 0].sort_values(["gain", "_moved"], ascending=False).head(n)
        down = pq[pq["gain"] < 0].sort_values(["gain", "_moved"], ascending=[True, False]).head(n)
        return up.drop(columns="_moved"), down.drop(columns="_moved")


def compare(current: pd.DataFrame, baseline: pd.DataFrame, queries: pd.DataFrame | None = None,
            n_resamples: int = 2000, seed: int = 0) -> Comparison:
    """:class:`Comparison` of two per-query tables (:func:`core.evaluation.per_query`) of
    the same queries; ``queries`` adds each query's text and target to ``per_query``.

    The p-values are :func:`core.evaluation.paired_tests`' randomisation p (10,000 sign
    patterns, seed ``seed``), computed for the five metrics in one pass."""
    cur = current.sort_values("query_id", ignore_index=True)
    base = baseline.set_index("query_id").reindex(cur["query_id"]).reset_index()
    a, b = summarise(cur, n_resamples, seed), summarise(base, n_resamples, seed)
    columns = [m.column for m in METRICS.values()]
    x, y = (np.column_stack([t[c].to_numpy(float) for c in columns]) for t in (cur, base))
    p = paired_randomisation(x, y, seed=seed)
    # :func:`core.evaluation.outcomes` of every metric at once (the rows are aligned)
    d = (x - y) * np.where([m.higher_is_better for m in METRICS.values()], 1.0, -1.0)
    signs = np.select([d > OUTCOME_TOL, d < -OUTCOME_TOL, ~np.isnan(d)], [1.0, -1.0, 0.0], np.nan)
    rows = []
    for i, ((name, m), p_value) in enumerate(zip(METRICS.items(), p)):
        o = signs[:, i]
        rows.append({"metric": name, "label": m.label, "higher_is_better": m.higher_is_better,
                     "current": a[name], "current_lo": a[f"{name}_lo"], "current_hi": a[f"{name}_hi"],
                     "baseline": b[name], "baseline_lo": b[f"{name}_lo"], "baseline_hi": b[f"{name}_hi"],
                     "diff": a[name] - b[name], "p": float(p_value),
                     "better": int((o == 1).sum()), "worse": int((o == -1).sum()),
                     "same": int((o == 0).sum())})
    ids = cur["query_id"].to_numpy()
    per = {"query_id": ids}
    if queries is not None:
        where = pd.Index(queries["query_id"].to_numpy()).get_indexer(ids)
        for c in ("query_text", "target_id"):
            per[c] = np.where(where >= 0, queries[c].to_numpy(object)[where], None)
    for c in ("rank", "rank_lo", "rank_hi"):
        per[c], per[f"baseline_{c}"] = cur[c].to_numpy(float), base[c].to_numpy(float)
    per["rr"], per["baseline_rr"] = cur["rr"].to_numpy(float), base["rr"].to_numpy(float)
    per["gain"] = np.log2(per["baseline_rank"] / per["rank"])
    o = signs[:, list(METRICS).index("mean_rank")]
    per["outcome"] = np.select([o == 1, o == -1], ["better", "worse"], "same")
    order = ["query_id", *(["query_text", "target_id"] if queries is not None else []), "rank", "rank_lo",
             "rank_hi", "baseline_rank", "baseline_rank_lo", "baseline_rank_hi", "rr", "baseline_rr",
             "gain", "outcome"]
    per = pd.DataFrame({c: per[c] for c in order})
    return Comparison(pd.DataFrame(rows), per)
