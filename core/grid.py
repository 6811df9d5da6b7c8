"""The experiment grid: every index configuration × weighting × query.

The unit of work is one index configuration → all its weightings × all queries, so the grid
can be spread over processes or a cluster unchanged. Per index the study recorded build
time, memory and vocabulary size; per (experiment, query) a retrieval time and target rank.
We batch all queries of an experiment in one sparse product and record the batch time
divided by the number of queries as each query's retrieval time.

:func:`run_configs` adds any other configurations (fusion, dense, BM25F, query options) to
a grid, answered by an :class:`core.engine.Engine`; :func:`combine` appends them with
continuing ids, so results.db and the dashboard treat them like the study's experiments.
"""
from __future__ import annotations

import time
from concurrent.futures import as_completed
from dataclasses import dataclass
import numpy as np
import pandas as pd

from .config import Config
from .scheme import Spec
from .fields import ALL_FIELDS
from .index import TokenisedCorpus, build_index
from .metrics import target_ranks
from .search import matches, score
from .weighting import SMART
from .workers import worker_pool

STUDY_TOKENS = ("word", "4gram", "5gram", "6gram", "7gram")


@dataclass
class GridResult:
    indexes: pd.DataFrame       # index_id, config, ngram_size, sr, ocr, comments, field_attributions, ...
    experiments: pd.DataFrame   # experiment_id, index_id, config, term_weight, ...
    rankings: pd.DataFrame      # experiment_id, query_id, retrieval_time, target_rank, rank_lo, rank_hi
    seconds: float


def target_positions(source: TokenisedCorpus, target_ids) -> np.ndarray:
    """Document position of each target id, −1 when it is not among the usable documents."""
    pos = {d: i for i, d in enumerate(source.corpus.ids)}
    return np.array([pos.get(str(t), -1) for t in target_ids], dtype=np.int64)


STUDY_ENRICHMENT = ((), ("sr",), ("c",), ("ocr",), ("sr", "c"), ("sr", "ocr"), ("ocr", "c"), ("sr", "ocr", "c"))


def study_index_configs(tokens=STUDY_TOKENS):
    """The study's 80 index configurations in its order (its index_id 1..80)."""
    return [(t, frozenset(e), a)
            for e in STUDY_ENRICHMENT for a in (True, False) for t in tokens]


def evaluate_index(index, weightings, q, targets):
    """(lo, hi, seconds) per weighting for one index and a query matrix."""
    m = matches(index, q)
    out = []
    for w in weightings:
        t0 = time.perf_counter()
        s = score(index, w, q)
        lo, hi = target_ranks(s, m, targets)
        out.append((lo, hi, time.perf_counter() - t0))
    return out


def _run_configs(source: TokenisedCorpus, queries: pd.DataFrame, configs, weightings, progress=None):
    """Per index configuration: (index stats, [(lo, hi, seconds) per weighting])."""
    texts = queries["query_text"].tolist()
    targets = target_positions(source, queries["target_id"])
    qmats, out = {}, []
    for done, (tokens, enrich, attr) in enumerate(configs, start=1):
        index = build_index(source, tokens, enrich, attr)
        key = (tokens, len(source.vocabulary(tokens)))  # the vocabulary grows with new fields
        if key not in qmats:
            qmats[key] = source.query_matrix(tokens, texts)
        q = qmats[key][:, index.columns].tocsr()
        stats = {"indexing_time": index.build_seconds, "storage": index.nbytes,
                 "vocab_size": index.vocab_size}
        out.append((stats, evaluate_index(index, weightings, q, targets)))
        if progress:
            progress(done, len(configs))
    return out


def _run_configs_in_worker(corpus, mode, texts, queries, configs, weightings):
    source = TokenisedCorpus(corpus, mode)
    source.preload(texts)
    return _run_configs(source, queries, configs, weightings)


def grid_task(task: dict):
    """One task of a spread grid: the configurations of one tokenisation (a dict of
    :func:`_run_configs_in_worker`'s arguments, so any executor can ship it)."""
    return _run_configs_in_worker(**task)


def pool_spread(workers: int):
    """A ``spread`` for :func:`run_grid`: tasks in a local pool of ``workers`` processes."""
    def spread(fn, tasks):
        with worker_pool(workers) as pool:
            futures = {pool.submit(fn, t): t for t in tasks}
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
    return spread


def _run_parallel(source, queries, configs, weightings, spread, progress):
    """Spread the configurations over workers, one tokenisation per task."""
    groups: dict[str, list[int]] = {}
    for i, (tokens, _, _) in enumerate(configs):
        groups.setdefault(tokens, []).append(i)
    results = [None] * len(configs)
    texts = {f: source.normalised(f) for f in ALL_FIELDS}  # normalise once, not per worker
    tasks = [{"corpus": source.corpus, "mode": source.mode, "texts": texts, "queries": queries,
              "configs": [configs[i] for i in members], "weightings": weightings}
             for members in groups.values()]
    members_of = {id(t): m for t, m in zip(tasks, groups.values())}
    done = 0
    for task, result in spread(grid_task, tasks):
        for i, r in zip(members_of[id(task)], result):
            results[i] = r
            done += 1
            if progress:
                progress(done, len(configs))
    return results


def run_grid(source: TokenisedCorpus, queries: pd.DataFrame, index_configs=None,
             weightings=tuple(SMART), progress=None, workers: int = 1, spread=None) -> GridResult:
    """Run every (index configuration, weighting) on every query.

    ``progress(done, total)`` is called once per finished index configuration; with ``workers`` > 1
    the tokenisations run in parallel processes (results are identical). ``spread(fn, tasks)``
    runs them elsewhere instead (e.g. on Ray: ``pipeline.executors.ray_spread``), yielding
    ``(task, fn(task))`` as each finishes; everything else, results included, stays here.
    """
    t_start = time.perf_counter()
    configs = list(index_configs or study_index_configs())
    weightings = [w if isinstance(w, Spec) else Spec.parse(w) for w in weightings]
    n_tokens = len({c[0] for c in configs})
    if spread is None and workers > 1 and n_tokens > 1:
        spread = pool_spread(workers)
    if spread is not None:
        results = _run_parallel(source, queries, configs, weightings, spread, progress)
    else:
        results = _run_configs(source, queries, configs, weightings, progress)
    qids = queries["query_id"].to_numpy()
    idx_rows, exp_rows, rank_frames = [], [], []
    for index_id, ((tokens, enrich, attr), (stats, evaluated)) in enumerate(zip(configs, results), start=1):
        cfg = Config((tokens,), enrich, attr)
        idx_rows.append({
            "index_id": index_id, "config": cfg.index_name,
            "ngram_size": None if tokens == "word" else int(tokens[:-4]),
            "sr": int("sr" in enrich), "ocr": int("ocr" in enrich), "comments": int("c" in enrich),
            "field_attributions": int(attr), **stats,
        })
        for w, (lo, hi, secs) in zip(weightings, evaluated):
            exp_id = len(exp_rows) + 1
            letters = w.name if w.name in SMART and not w.params else None
            exp_rows.append({
                "experiment_id": exp_id, "index_id": index_id, "config": str(cfg.with_weighting(w)),
                "term_weight": letters[0] if letters else str(w),
                "collection_weight": letters[1] if letters else "",
                "normalizer": letters[2] if letters else "", "mode": source.mode,
            })
            rank_frames.append(pd.DataFrame({
                "experiment_id": exp_id, "query_id": qids, "retrieval_time": secs / max(len(qids), 1),
                "target_rank": (lo + hi) / 2, "rank_lo": lo, "rank_hi": hi}))
    rankings = pd.concat(rank_frames, ignore_index=True) if rank_frames else pd.DataFrame()
    return GridResult(pd.DataFrame(idx_rows), pd.DataFrame(exp_rows), rankings,
                      time.perf_counter() - t_start)


def run_configs(engine, queries: pd.DataFrame, configs, progress=None) -> GridResult:
    """Experiments for arbitrary configurations (one "index" row per index name). Index
    statistics are those of a single lexical component's index; NaN for fused or dense ones."""
    t_start = time.perf_counter()
    configs = list(dict.fromkeys(c if isinstance(c, Config) else Config.parse(c) for c in configs))
    qids = queries["query_id"].to_numpy()
    texts = queries["query_text"].tolist()
    targets = engine.target_positions(queries["target_id"])
    index_ids: dict[str, int] = {}
    idx_rows, exp_rows, rank_frames = [], [], []
    for done, cfg in enumerate(configs, start=1):
        t0 = time.perf_counter()
        s, m = engine.scores(cfg, texts)
        secs = time.perf_counter() - t0
        lo, hi = target_ranks(s, m, targets)
        if cfg.index_name not in index_ids:
            index_ids[cfg.index_name] = len(index_ids) + 1
            idx_rows.append(index_row(engine, cfg, index_ids[cfg.index_name]))
        exp, ranks = experiment_rows(cfg, done, index_ids[cfg.index_name], engine.mode, qids, lo, hi,
                                     secs / max(len(qids), 1))
        exp_rows.append(exp)
        rank_frames.append(ranks)
        if progress:
            progress(done, len(configs))
    rankings = pd.concat(rank_frames, ignore_index=True) if rank_frames else pd.DataFrame()
    return GridResult(pd.DataFrame(idx_rows), pd.DataFrame(exp_rows), rankings, time.perf_counter() - t_start)


def experiment_rows(cfg: Config, experiment_id: int, index_id: int, mode: str, query_ids, lo, hi,
                    seconds_per_query: float = float("nan")) -> tuple[dict, pd.DataFrame]:
    """The ``experiments`` row and the ``ranking_results`` rows (expected rank and tie range
    per query) of one configuration that is not a study weighting."""
    exp = {"experiment_id": experiment_id, "index_id": index_id, "config": str(cfg),
           "term_weight": str(cfg.weighting) + (f".{cfg.fusion}" if cfg.fusion else ""),
           "collection_weight": "", "normalizer": "", "mode": mode}
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    ranks = pd.DataFrame({"experiment_id": experiment_id, "query_id": np.asarray(query_ids),
                          "retrieval_time": seconds_per_query, "target_rank": (lo + hi) / 2,
                          "rank_lo": lo, "rank_hi": hi})
    return exp, ranks


def index_row(engine, cfg: Config, index_id: int) -> dict:
    """The ``indexes`` row of a configuration's index: the study's columns, and the build
    time, memory and vocabulary of a single lexical component's index (NaN otherwise)."""
    single = len(cfg.components) == 1 and not cfg.dense
    tok = cfg.components[0].tokeniser
    stats = {"indexing_time": np.nan, "storage": np.nan, "vocab_size": np.nan}
    if single:
        index = engine.index(tok, cfg.enrichment, cfg.attribution)
        stats = {"indexing_time": index.build_seconds, "storage": index.nbytes, "vocab_size": index.vocab_size}
    return {"index_id": index_id, "config": cfg.index_name,
            "ngram_size": int(tok[:-4]) if single and tok != "word" else None,
            "sr": int("sr" in cfg.enrichment), "ocr": int("ocr" in cfg.enrichment),
            "comments": int("c" in cfg.enrichment), "field_attributions": int(cfg.attribution), **stats}


def combine(first: GridResult, then: GridResult) -> GridResult:
    """``then``'s indexes and experiments appended to ``first``'s, ids continuing (an index
    ``first`` already has keeps its id)."""
    if then.experiments.empty:
        return first
    if first.experiments.empty:
        return then
    di = int(first.indexes["index_id"].max()) if len(first.indexes) else 0
    de = int(first.experiments["experiment_id"].max()) if len(first.experiments) else 0
    known = dict(zip(first.indexes["config"], first.indexes["index_id"])) if len(first.indexes) else {}
    new_id = {i: known.get(c, i + di) for i, c in zip(then.indexes["index_id"], then.indexes["config"])}
    idx = then.indexes[~then.indexes["config"].isin(list(known))]
    idx = idx.assign(index_id=idx["index_id"].map(new_id))
    exp = then.experiments.assign(experiment_id=then.experiments["experiment_id"] + de,
                                  index_id=then.experiments["index_id"].map(new_id))
    rank = then.rankings.assign(experiment_id=then.rankings["experiment_id"] + de)
    return GridResult(pd.concat([first.indexes, idx], ignore_index=True),
                      pd.concat([first.experiments, exp], ignore_index=True),
                      pd.concat([first.rankings, rank], ignore_index=True), first.seconds + then.seconds)
