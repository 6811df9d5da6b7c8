"""The experiment grid's results database (``results.db``, :mod:`pipeline.experiments`) in
:mod:`core.evaluation`'s per-query shape.

:func:`read_results` reads a database once into :class:`Results`, whose ``rankings`` hold one
per-query row (:func:`core.evaluation.per_query_from_ranks`: ``rank_lo``, ``rank_hi``,
``rank``, ``s1``, ``s5``, ``s10``, ``rr`` and the query's tags) per (experiment, query), plus
``experiment_id`` and ``retrieval_time``. :meth:`Results.per_query` gives the
configuration → per-query table mapping that :func:`core.evaluation.summary_table`,
:func:`~core.evaluation.paired_tests` and :func:`~core.evaluation.win_loss` take;
:meth:`Results.summary` the mean of every metric for every experiment at once.

A missing rank counts as the middle of the corpus in mean rank
(:func:`core.metrics.missing_rank`). The corpus size is the database's ``meta.documents``;
the 2022 study's original results.db lacks it, so it is then counted in the corpus database
when one is given, else taken to be the study's (:data:`core.metrics.STUDY_DOCUMENTS`).

:func:`save_experiment` adds one configuration's per-query ranks to a results database (the
Tune page's "Save as experiment"), in the rows :mod:`core.grid` builds for the experiment grid
and through :mod:`core.store`'s writer, so every reader treats it like a grid experiment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Config, Lexical
from .evaluation import group_means, per_query_from_ranks
from .grid import experiment_rows, index_row
from .scheme import Spec
from .metrics import STUDY_DOCUMENTS, missing_rank
from .store import (TAGS, count_documents, load_queries, read_table, replace_experiments,
                    table_columns, write_results)


@dataclass
class Results:
    """A results database, read once.

    ``experiments`` has one row per experiment: ``experiment_id``, ``index_id``, ``config``
    (the configuration name; absent in the study's original database, whose readers name
    the rows from the other columns) and the experiment's and its index's other columns.
    """

    path: str
    experiments: pd.DataFrame
    indexes: pd.DataFrame
    queries: pd.DataFrame
    rankings: pd.DataFrame
    n_docs: int
    missing_rank: float
    meta: dict = field(default_factory=dict)

    @property
    def configs(self) -> list[str]:
        return self.experiments["config"].tolist()

    def rows(self, query_ids=None) -> pd.DataFrame:
        """The per-query rows of every experiment, of the given queries only if any."""
        r = self.rankings
        return r if query_ids is None else r[r["query_id"].isin(list(query_ids))]

    def per_query(self, configs=None, query_ids=None) -> dict[str, pd.DataFrame]:
        """Configuration name → its per-query table (in query order), for the configurations
        given (default: all; unknown names are left out) and the queries given (default: all)."""
        ids = dict(zip(self.experiments["config"], self.experiments["experiment_id"]))
        names = [c for c in dict.fromkeys(self.configs if configs is None else configs) if c in ids]
        r = self.rows(query_ids)
        r = r[r["experiment_id"].isin([ids[c] for c in names])]
        by_id = {k: g.drop(columns="experiment_id").sort_values("query_id").reset_index(drop=True)
                 for k, g in r.groupby("experiment_id")}
        empty = r.drop(columns="experiment_id").iloc[:0]
        return {c: by_id.get(ids[c], empty) for c in names}

    def summary(self, query_ids=None) -> pd.DataFrame:
        """One row per experiment: its ``experiments`` columns, then the number of queries,
        the mean of every metric of :data:`core.evaluation.METRICS` and missing ranks."""
        return self.experiments.merge(group_means(self.rows(query_ids), "experiment_id"),
                                      on="experiment_id", how="inner")


def documents_of(meta: dict, corpus=None) -> int:
    """The corpus size behind a results database: ``meta.documents``, else the usable
    documents of the ``corpus`` database, else the 2022 study's."""
    try:
        n = int(float(meta.get("documents", 0)))
    except (TypeError, ValueError):
        n = 0
    if n <= 0 and corpus is not None and Path(corpus).is_file():
        n = count_documents(corpus)
    return n if n > 0 else STUDY_DOCUMENTS


def read_results(path, corpus=None) -> Results:
    """Read a results database; ``corpus`` is its corpus database, counted only when the
    results do not record the corpus size. Raises ValueError when it has no experiments."""
    idx = read_table(path, "indexes")
    exp = read_table(path, "experiments")
    rank = read_table(path, "ranking_results")
    meta = _meta(path)
    if exp.empty or idx.empty:
        raise ValueError(f"{path} has no experiments; run `python -m pipeline.experiments`")
    experiments = _experiments(exp, idx)
    queries = load_queries(path)
    n_docs = documents_of(meta, corpus)
    missing = missing_rank(n_docs)
    if "rank_lo" not in rank:   # the study's original database: exact ranks only
        rank["rank_lo"] = rank["target_rank"]
        rank["rank_hi"] = rank["target_rank"]
    keys = pd.DataFrame({"query_id": rank["query_id"].astype(int)})
    tags = [t for t in TAGS if t in queries]
    keys = keys.merge(queries[["query_id"] + tags].astype({"query_id": int}), on="query_id", how="left")
    rows = per_query_from_ranks(keys, rank["rank_lo"].astype(float), rank["rank_hi"].astype(float),
                                missing)
    rows.insert(0, "experiment_id", rank["experiment_id"].astype(int).to_numpy())
    rows["retrieval_time"] = (rank["retrieval_time"].astype(float).to_numpy()
                              if "retrieval_time" in rank else np.nan)
    experiments, idx = _named(experiments, idx)
    return Results(str(path), experiments, idx, queries, rows, n_docs, missing, meta)


def _meta(path) -> dict:
    t = read_table(path, "meta")
    return dict(zip(t["key"], t["value"])) if not t.empty else {}


def _experiments(exp: pd.DataFrame, idx: pd.DataFrame) -> pd.DataFrame:
    """Experiments with their index's columns (``config`` kept from the experiment)."""
    out = exp.drop(columns=["config"], errors="ignore").merge(
        idx.drop(columns=["config"], errors="ignore"), on="index_id", how="left")
    if "config" in exp:
        out["config"] = exp["config"].values
    return out


def save_experiment(results_path, config: Config, per_query_rows: pd.DataFrame, queries: pd.DataFrame,
                    engine, seconds_per_query: float = float("nan")) -> int:
    """Write ``config``'s per-query ranks (``query_id``, ``rank_lo``, ``rank_hi``: a
    :func:`core.evaluation.per_query` table) into results.db as the experiment named
    ``str(config)``; return its id.

    An experiment that ranks the same (an equal :class:`~core.config.Config`, however its
    row names it) is replaced, keeping its id, so saving twice never duplicates. ``queries``
    (the test queries the rows are of) are added to the database's own when missing; a query
    id there with another text or target means another query set, and is refused, as are a
    database of another corpus size (``engine.n_docs``) and the study's original results.db
    (exact ranks only: no tie ranges to add to). ``engine`` answered the queries: its mode,
    corpus and index statistics are recorded. No database yet: one is written with this one
    experiment. Everything is one transaction (:func:`core.store.replace_experiments`)."""
    rows = per_query_rows.sort_values("query_id")
    qids = rows["query_id"].astype(int).to_numpy()
    asked = queries[queries["query_id"].astype(int).isin(qids)].drop_duplicates("query_id")
    if len(asked) != len(set(qids)):
        raise ValueError("per-query rows of queries that were not given")
    path = Path(results_path)
    if not path.exists():
        exp, ranks = experiment_rows(config, 1, 1, engine.mode, qids, rows["rank_lo"], rows["rank_hi"],
                                     seconds_per_query)
        write_results(path, pd.DataFrame([index_row(engine, config, 1)]), pd.DataFrame([exp]), asked,
                      ranks, {"mode": engine.mode, "corpus": str(engine.corpus.path),
                              "documents": engine.n_docs})
        return 1
    meta = _meta(path)
    if "documents" in meta and documents_of(meta) != engine.n_docs:
        raise ValueError(f"{path} holds results on {meta['documents']} documents, not on this "
                         f"corpus's {engine.n_docs}")
    if "rank_lo" not in table_columns(path, "ranking_results"):
        raise ValueError(f"{path} is the study's original results database (exact ranks, no tie "
                         "ranges); save into one written by `python -m pipeline.experiments`")
    known = load_queries(path).astype({"query_id": int}).set_index("query_id")
    shared = asked[asked["query_id"].astype(int).isin(known.index)]
    theirs = known.loc[shared["query_id"].astype(int)]
    if (theirs["query_text"].to_numpy() != shared["query_text"].to_numpy()).any() or \
            (theirs["target_id"].astype(str).to_numpy() != shared["target_id"].astype(str).to_numpy()).any():
        raise ValueError(f"{path} has other queries under the same ids: it was run on another "
                         "query set; rerun the experiments on this one first")
    indexes = read_table(path, "indexes")
    experiments = _experiments(read_table(path, "experiments"), indexes)
    configs = [config_of_row(r) for r in experiments.to_dict("records")]
    ids = experiments["experiment_id"].astype(int).tolist()
    same = [i for i, c in zip(ids, configs) if c == config]
    index_ids = {c.index_name: int(i) for c, i in zip(configs, experiments["index_id"])}
    if "config" in indexes:   # an index whose experiments were all replaced keeps its row
        index_ids.update({c: int(i) for c, i in zip(indexes["config"], indexes["index_id"])
                          if isinstance(c, str)})
    index_id = index_ids.get(config.index_name, int(indexes["index_id"].max()) + 1 if len(indexes) else 1)
    new_index = [] if config.index_name in index_ids else [index_row(engine, config, index_id)]
    experiment_id = same[0] if same else max(ids, default=0) + 1
    exp, ranks = experiment_rows(config, experiment_id, index_id, engine.mode, qids, rows["rank_lo"],
                                 rows["rank_hi"], seconds_per_query)
    replace_experiments(path, same, pd.DataFrame(new_index), pd.DataFrame([exp]),
                        asked[~asked["query_id"].astype(int).isin(known.index)], ranks)
    return experiment_id


def config_of_row(r: dict) -> Config:
    """Config of an experiment row; the study's original database has no ``config`` column,
    only the n-gram size, enrichment flags, attribution and SMART letters."""
    if isinstance(r.get("config"), str) and r["config"]:
        return Config.parse(r["config"])
    n = r.get("ngram_size")
    tokens = Lexical.ngram(None if n is None or pd.isna(n) else int(n))
    enrich = frozenset(e for e, col in (("sr", "sr"), ("ocr", "ocr"), ("c", "comments")) if r.get(col))
    letters = f"{r['term_weight']}{r['collection_weight']}{r['normalizer']}"
    return Config((tokens,), enrich, bool(r.get("field_attributions")), Spec(letters))


def _named(merged: pd.DataFrame, idx: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Experiments and indexes named by configuration: ``config`` (canonical), its parts
    ``tokenisation``, ``fields``, ``attribution``, ``weighting`` and ``index_config``."""
    configs = [config_of_row(r) for r in merged.to_dict("records")]
    parts = pd.DataFrame({
        "config": [str(c) for c in configs],
        "tokenisation": [c.components_name for c in configs],
        "fields": [c.fields_name for c in configs],
        "attribution": ["attr" if c.attribution else "noattr" for c in configs],
        "weighting": [c.scoring_name for c in configs],
        "index_config": [c.index_name for c in configs],
    })
    experiments = pd.concat([merged.drop(columns=["config"], errors="ignore").reset_index(drop=True), parts],
                            axis=1)
    # an index's configuration parts are those of any of its experiments
    parts_by_index = experiments.drop_duplicates("index_id")[
        ["index_id", "tokenisation", "fields", "attribution", "index_config"]]
    indexes = idx.drop(columns=["config"], errors="ignore").merge(parts_by_index, on="index_id", how="inner")
    indexes["config"] = indexes["index_config"]
    return experiments, indexes
