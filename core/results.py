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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Config, Lexical
from .evaluation import group_means, per_query_from_ranks
from .scheme import Spec
from .metrics import STUDY_DOCUMENTS, missing_rank
from .store import TAGS, count_documents, load_queries, read_table


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
    meta_t = read_table(path, "meta")
    meta = dict(zip(meta_t["key"], meta_t["value"])) if not meta_t.empty else {}
    if exp.empty or idx.empty:
        raise ValueError(f"{path} has no experiments; run `python -m pipeline.experiments`")
    experiments = exp.drop(columns=["config"], errors="ignore").merge(
        idx.drop(columns=["config"], errors="ignore"), on="index_id", how="left")
    if "config" in exp:
        experiments["config"] = exp["config"].values
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
