"""Honest tuning: k-fold cross-validation over queries.

Queries are shuffled with a fixed seed and dealt into ``k`` folds (default 5). For each fold
the *tuner* is given only the other folds' queries and returns a configuration; that
configuration is then evaluated on the held-out fold. The reported figure is the metric
over all held-out rows, so no query is ever scored by parameters chosen with it.

Two layers:

* :func:`cross_validate` is generic: ``tune(train_queries) -> config`` and
  ``evaluate(config, test_queries) -> per-query DataFrame``.
* :class:`ScoreTable` + :func:`grid_tuner` make grid search cheap: a fixed configuration's
  result on one query depends only on the corpus, the configuration and that query (nothing
  is learnt from queries), so each candidate is scored once per query and memoised; the
  tuner then only *reads the training rows* of that table to choose (the tests record which
  query ids a tuner reads). Ties in the objective go to the earlier candidate, so list the
  default first.
* :func:`family_tuner` is *nested* selection among method families: on the queries it is
  given it runs an inner k-fold CV of each family's grid search and keeps the family with
  the best inner held-out figure, then tunes that family's parameters on all of them.
  Choosing the single best of hundreds of candidates on the training queries overfits them;
  choosing among a dozen families by an estimate of how each generalises does so far less.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .component_cache import ComponentCache
from .config import Config
from .evaluation import METRICS, per_query

DEFAULT_FOLDS = 5
DEFAULT_SEED = 2022


def fold_ids(query_ids, k: int = DEFAULT_FOLDS, seed: int = DEFAULT_SEED) -> list[np.ndarray]:
    """The query ids of each test fold (a fixed-seed shuffle dealt round-robin)."""
    ids = np.asarray(list(query_ids))
    if k < 2 or k > len(ids):
        raise ValueError(f"cross-validation needs 2 <= folds <= queries, got {k} folds for {len(ids)} queries")
    perm = np.random.default_rng(seed).permutation(len(ids))
    return [np.sort(ids[perm[i::k]]) for i in range(k)]


@dataclass
class CVResult:
    per_query: pd.DataFrame   # held-out rows of every fold, with the fold and chosen config
    chosen: list[str]         # configuration chosen for each fold

    @property
    def summary(self) -> dict:
        return {name: float(self.per_query[m.column].mean()) for name, m in METRICS.items()}


def cross_validate(queries: pd.DataFrame, tune, evaluate, k: int = DEFAULT_FOLDS,
                   seed: int = DEFAULT_SEED) -> CVResult:
    """k-fold CV: ``tune`` sees only training queries; ``evaluate`` scores the held-out fold."""
    frames, chosen = [], []
    for f, test in enumerate(fold_ids(queries["query_id"], k, seed)):
        is_test = queries["query_id"].isin(test)
        config = tune(queries[~is_test].copy())
        pq = evaluate(config, queries[is_test].copy()).copy()
        pq["fold"], pq["config"] = f, str(config)
        frames.append(pq)
        chosen.append(str(config))
    out = pd.concat(frames, ignore_index=True).sort_values("query_id", ignore_index=True)
    return CVResult(out, chosen)


class ScoreTable:
    """Memoised per-query results of candidate configurations on one engine and query set."""

    def __init__(self, engine, queries: pd.DataFrame):
        self.engine = ComponentCache(engine)   # candidates share most components
        self.queries = queries.reset_index(drop=True)
        self._rows: dict[str, pd.DataFrame] = {}

    def rows(self, config, query_ids=None) -> pd.DataFrame:
        """Per-query rows (indexed by query_id) of a configuration, for ``query_ids`` or all."""
        key = str(config)
        if key not in self._rows:
            cfg = config if isinstance(config, Config) else Config.parse(key)
            pq = per_query(self.engine, cfg, self.queries)
            self._rows[key] = pq.set_index("query_id", drop=False)
            drop = getattr(self.engine, "drop_weights", None)
            if drop:
                drop(cfg)  # keep memory flat over large grids
        t = self._rows[key]
        return t if query_ids is None else t.loc[list(query_ids)]

    def warm(self, candidates) -> None:
        """Build what scoring ``candidates`` reads once, here: the lexical indexes
        (:meth:`core.engine.Engine.warm`), and each dense part's passage embeddings and query
        embeddings. Worker processes forked after this inherit them instead of each building
        its own."""
        engine = self.engine.engine
        configs = [c if isinstance(c, Config) else Config.parse(str(c)) for c in candidates]
        engine.warm(configs)
        texts = self.queries["query_text"].tolist()
        dense = {(str(comp), comp.passage(cfg.enrichment)): (cfg, comp)
                 for cfg in configs for comp in cfg.components if comp.dense}
        for cfg, comp in dense.values() if texts else ():
            engine.dense_index(comp.model).encode_queries(texts)
            engine.component_scores(cfg, comp, texts[:1])


def objective_value(rows: pd.DataFrame, objective: str = "mrr") -> tuple:
    """What tuning maximises: the objective, then Success@1, then −mean rank."""
    return (rows[METRICS[objective].column].mean(), rows["s1"].mean(), -rows["rank"].mean())


def grid_tuner(table: ScoreTable, candidates, objective: str = "mrr"):
    """A tuner choosing, among ``candidates``, the best on the queries it is given."""
    candidates = [str(c) for c in candidates]

    def tune(train: pd.DataFrame) -> str:
        ids = train["query_id"].tolist()
        best, best_val = None, None
        for c in candidates:
            val = objective_value(table.rows(c, ids), objective)
            if best_val is None or val > best_val:
                best, best_val = c, val
        return best

    return tune


def table_evaluator(table: ScoreTable):
    def evaluate(config, test: pd.DataFrame) -> pd.DataFrame:
        return table.rows(config, test["query_id"].tolist()).reset_index(drop=True)
    return evaluate


def cross_validate_grid(table: ScoreTable, candidates, objective: str = "mrr", k: int = DEFAULT_FOLDS,
                        seed: int = DEFAULT_SEED) -> CVResult:
    """Cross-validated grid search over ``candidates`` (see the module docstring)."""
    return cross_validate(table.queries, grid_tuner(table, candidates, objective), table_evaluator(table),
                          k, seed)


def family_tuner(table: ScoreTable, families: dict[str, list[str]], objective: str = "mrr",
                 k: int = DEFAULT_FOLDS, seed: int = DEFAULT_SEED, chosen_families: list | None = None):
    """A tuner choosing a family by inner k-fold CV on its queries, then that family's best
    candidate on all of them (see the module docstring). ``chosen_families``, when given,
    records the family picked at each call."""
    families = {name: [str(c) for c in cands] for name, cands in families.items()}

    def tune(train: pd.DataFrame) -> str:
        best, best_val = None, None
        for name, cands in families.items():
            inner = cross_validate(train, grid_tuner(table, cands, objective), table_evaluator(table),
                                   min(k, len(train)), seed)
            val = objective_value(inner.per_query, objective)
            if best_val is None or val > best_val:
                best, best_val = name, val
        if chosen_families is not None:
            chosen_families.append(best)
        return grid_tuner(table, families[best], objective)(train)

    return tune


def choose(table: ScoreTable, candidates, objective: str = "mrr") -> str:
    """The candidate best on *all* the table's queries (the configuration to deploy)."""
    return grid_tuner(table, candidates, objective)(table.queries)
