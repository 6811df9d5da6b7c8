"""Cross-validation never lets tuning see the queries it is scored on."""
import numpy as np
import pandas as pd
import pytest

from core.crossval import (ScoreTable, cross_validate, cross_validate_grid, family_tuner, fold_ids, grid_tuner,
                           objective_value, table_evaluator)
from core.engine import Engine
from core.store import load_queries


def test_folds_partition_queries_reproducibly():
    ids = list(range(1, 87))
    folds = fold_ids(ids, 5, seed=7)
    assert sorted(np.concatenate(folds).tolist()) == ids
    assert [len(f) for f in folds] == [18, 17, 17, 17, 17]
    assert all((a == b).all() for a, b in zip(folds, fold_ids(ids, 5, seed=7)))
    with pytest.raises(ValueError, match="folds"):
        fold_ids([1, 2], 5)


def test_tuner_never_sees_test_queries():
    queries = pd.DataFrame({"query_id": range(1, 21), "query_text": [f"q{i}" for i in range(20)]})
    seen = []

    def tune(train):
        seen.append(set(train["query_id"]))
        return f"cfg{len(seen)}"

    def evaluate(config, test):
        return pd.DataFrame({"query_id": test["query_id"], "s1": 1.0, "s5": 1.0, "s10": 1.0, "rr": 1.0,
                             "rank": 1.0, "trained_on": [seen[-1]] * len(test)})

    cv = cross_validate(queries, tune, evaluate, k=4, seed=1)
    assert len(cv.per_query) == 20 and cv.chosen == ["cfg1", "cfg2", "cfg3", "cfg4"]
    for _, row in cv.per_query.iterrows():
        assert row["query_id"] not in row["trained_on"]
    for train, test in zip(seen, fold_ids(queries["query_id"], 4, 1)):
        assert train.isdisjoint(test) and len(train) + len(test) == 20


class RecordingTable(ScoreTable):
    def __init__(self, *a):
        super().__init__(*a)
        self.read = []

    def rows(self, config, query_ids=None):
        self.read.append(None if query_ids is None else set(query_ids))
        return super().rows(config, query_ids)


def test_grid_tuner_reads_only_training_rows(tiny_db):
    e = Engine.from_db(tiny_db)
    table = RecordingTable(e, load_queries(tiny_db))
    cands = ["word.all.noattr.bm25(k1=1.2,b=0.75)", "4gram.all.noattr.bm25(k1=0.9,b=0.4)", "4gram.basic.noattr.bxx"]
    folds = fold_ids(table.queries["query_id"], 3, 5)
    tune = grid_tuner(table, cands)
    for test in folds:
        table.read.clear()
        train = table.queries[~table.queries["query_id"].isin(test)]
        tune(train)
        assert table.read and all(r is not None and r.isdisjoint(test) for r in table.read)
    cv = cross_validate_grid(table, cands, k=3, seed=5)
    assert set(cv.per_query["query_id"]) == set(table.queries["query_id"])
    assert set(cv.chosen) <= set(cands)


def test_grid_tuner_picks_the_best_and_keeps_the_first_on_ties(tiny_db):
    e = Engine.from_db(tiny_db)
    table = ScoreTable(e, load_queries(tiny_db))
    good, bad = "word.all.noattr.bm25(k1=1.2,b=0.75)", "word.basic.noattr.bxx"
    assert table.rows(good)["rr"].mean() > table.rows(bad)["rr"].mean()
    assert grid_tuner(table, [bad, good])(table.queries) == good
    assert grid_tuner(table, [good, good.replace("k1=1.2", "k1=1.20")])(table.queries) == good


def test_family_tuner_reads_only_training_rows_and_picks_by_inner_cv(tiny_db):
    e = Engine.from_db(tiny_db)
    table = RecordingTable(e, load_queries(tiny_db))
    grids = {"weak": ["word.basic.noattr.bxx", "4gram.basic.noattr.bxx"],
             "strong": ["word.all.noattr.bm25(k1=1.2,b=0.75)", "4gram.all.noattr.bm25(k1=0.9,b=0.4)"]}
    for test in fold_ids(table.queries["query_id"], 3, 5):
        train = table.queries[~table.queries["query_id"].isin(test)]
        picked = []
        table.read.clear()
        config = family_tuner(table, grids, k=3, chosen_families=picked)(train)
        assert table.read and all(r is not None and r.isdisjoint(test) for r in table.read)
        # the family with the better inner cross-validated MRR, then its best candidate on train
        inner = {name: objective_value(cross_validate(train, grid_tuner(table, c), table_evaluator(table), 3)
                                       .per_query) for name, c in grids.items()}
        assert picked == [max(inner, key=inner.get)]
        assert config == grid_tuner(table, grids[picked[0]])(train)
