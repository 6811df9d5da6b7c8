"""The "Methods, cross-validated" tab's families tuned on pseudo-queries instead of folds.

Each chosen family's parameters are chosen on every pseudo-query the corpus's comments give
(:mod:`core.pseudo_queries`: the held-aside fifth of the videos left out, each query scored
against the corpus without its own comment), then scored on the page's real queries, which
that tuning never saw: no cross-validation is needed, and the choice rests on thousands of
queries instead of a fold of the real ones. A family with a model fine-tuned on pseudo-queries
is tuned on those of the videos it was not trained on (:func:`core.transfer.untrained`), or
left out. Cached per corpus build, family grid and tuning queries.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import pseudo_queries
from core.crossval import ScoreTable, grid_tuner
from core.families import families as all_families
from core.store import corpus_version
from core.transfer import untrained
from ui.data import DataSource, engine_lock, get_engine
from ui.evaluation import PSEUDO, Evaluation, Method, score_table


@st.cache_resource(show_spinner=False, max_entries=2)
def _pseudo_table(path: str, version: str, mode: str) -> ScoreTable | None:
    """The pseudo-queries the database's comments give (core/pseudo_queries.py defaults, the
    held-aside 20% left out), scored against the corpus without their own comments."""
    from core.engine import Engine
    from core.index_cache import IndexCache
    from core.pseudo_queries import MIN_QUERIES, as_frame, from_corpus
    from core.store import load_corpus
    try:
        _, kept, _ = from_corpus(path)
    except ValueError:
        return None
    if len(kept) < MIN_QUERIES:
        return None
    own = set(zip(kept["video_id"].astype(str), kept["position"].astype(int)))
    return ScoreTable(Engine(load_corpus(path, exclude_comments=own), mode, IndexCache()), as_frame(kept))


@st.cache_data(show_spinner=False, max_entries=256)
def _pseudo_best(key: tuple, candidates: tuple, objective: str, query_ids: tuple, _table: ScoreTable) -> str:
    return grid_tuner(_table, candidates, objective)(pd.DataFrame({"query_id": list(query_ids)}))


def pseudo_methods(source: DataSource, all_queries: pd.DataFrame, ids, families: list[Method],
                   objective: str, ev: Evaluation) -> int:
    """Add to ``ev``, per family, its configuration tuned on every pseudo-query of the
    database's comments, scored on the (real) queries ``ids``: none of them reached the
    tuner, so no cross-validation is needed. Returns the number of pseudo-queries (0: the
    comments give too few, nothing added)."""
    path = str(source.db.resolve())
    with engine_lock():
        engine = get_engine(source)
        key = (path, corpus_version(path), engine.mode)
        pseudo = _pseudo_table(*key)
        if pseudo is None:
            return 0
        table, _ = score_table(source, all_queries)
        folds = next((r.set_index("query_id")["fold"] for r in ev.cv.values() if "fold" in r), None)
        by_name = {f.name: f for f in all_families()}
        for m in families:
            queries, kept, _ = untrained(pseudo.queries, [by_name[m.name]],
                                         min(pseudo_queries.MIN_QUERIES, len(pseudo.queries)))
            if not kept:
                continue
            best = _pseudo_best(key, m.candidates, objective, tuple(queries["query_id"]), pseudo)
            rows = table.rows(best, list(ids)).reset_index(drop=True)
            if folds is not None:
                rows["fold"] = rows["query_id"].map(folds)
            name = m.name + PSEUDO
            ev.methods.append(Method(name, None, m.candidates))
            ev.cv[name], ev.chosen[name] = rows, [best] * ev.folds
    return len(pseudo.queries)
