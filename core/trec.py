"""Rankings as TREC run files and targets as qrels, so a figure can be checked by others.

A run line is ``query_id Q0 doc_id rank score tag``: per query, the documents the
configuration matches, best first (ties by corpus order, as :meth:`core.engine.Engine.search`
breaks them), at most ``depth``. A qrels line is ``query_id 0 target_id 1``: a known-item
query has one relevant document. trec_eval and ranx read both; they order a run by score and
break ties their own way, so on tied scores their figures can differ from the project's
tie-aware ones (:mod:`core.metrics`, the expected rank over the tie), never otherwise.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def run_lines(engine, config, queries: pd.DataFrame, depth: int = 1000, tag: str = "trl") -> list[str]:
    """The run of ``config`` for ``queries`` (query_id, query_text), one line per ranked doc."""
    s, m = engine.scores(config, queries["query_text"].tolist())
    ids = engine.corpus.ids
    tag = "".join(tag.split()) or "trl"
    lines = []
    for qid, row, matched in zip(queries["query_id"], s, m):
        docs = np.flatnonzero(matched)
        order = docs[np.lexsort((docs, -row[docs]))][:depth]
        lines += [f"{qid} Q0 {ids[d]} {r} {row[d]:.9g} {tag}" for r, d in enumerate(order, start=1)]
    return lines


def qrels_lines(queries: pd.DataFrame) -> list[str]:
    """One relevant document (the target) per query."""
    return [f"{qid} 0 {target} 1" for qid, target in zip(queries["query_id"], queries["target_id"])]
