"""Tuning on one query set and scoring on another: no scoring query reaches the tuner."""
import pandas as pd

import core.dense

from core.config import Config
from core.crossval import ScoreTable, cross_validate, fold_ids, grid_tuner, table_evaluator
from core.engine import Engine
from core.evaluation import per_query
from core.store import load_queries
from core.transfer import family_bests, pseudo_confirmed_tuner, tune_and_score
from tests.core.test_crossval import RecordingTable

CANDIDATES = ["word.all.noattr.bm25(k1=1.2,b=0.75)", "4gram.all.noattr.bm25(k1=0.9,b=0.4)",
              "word.basic.noattr.bxx"]
TUNING = pd.DataFrame({"query_id": [1, 2, 3, 4],
                       "query_text": ["adding chili flakes", "goose fat secret",   # in comments only
                                      "drums of liberation", "little legs"],
                       "target_id": ["1001", "1007", "1002", "1009"]})


class RecordingEngine(Engine):
    """The real engine, remembering every query text it was asked to score."""

    def __init__(self, *a):
        super().__init__(*a)
        self.asked: list[str] = []

    def component_scores(self, config, comp, queries):   # what every scoring path calls
        self.asked += list(queries)
        return super().component_scores(config, comp, queries)


def test_no_scoring_query_reaches_the_tuner(tiny_db):
    engine = RecordingEngine.from_db(tiny_db)
    scoring_queries = load_queries(tiny_db)
    tuning, scoring = ScoreTable(engine, TUNING), RecordingTable(engine, scoring_queries)
    seen = []

    def make_tuner(table):
        assert table is tuning
        grid = grid_tuner(table, CANDIDATES)

        def tune(queries):
            seen.append(set(queries["query_text"]))
            choice = grid(queries)
            seen.append(set(engine.asked))      # everything scored until the choice was made
            return choice
        return tune

    result = tune_and_score(tuning, scoring, make_tuner)
    assert seen[0] == set(TUNING["query_text"])
    assert seen[1] and seen[1] <= set(TUNING["query_text"])
    assert seen[1].isdisjoint(scoring_queries["query_text"])
    assert scoring.read == [None]     # once, after tuning, by tune_and_score itself
    assert result.config == grid_tuner(tuning, CANDIDATES)(TUNING)
    assert result.scoring["query_id"].tolist() == scoring_queries["query_id"].tolist()
    expected = per_query(Engine.from_db(tiny_db), Config.parse(result.config), scoring_queries)
    assert result.scoring["rr"].tolist() == expected["rr"].tolist()


def test_pseudo_confirmed_tuner_reads_only_the_real_training_rows(tiny_db):
    engine = Engine.from_db(tiny_db)
    pseudo, real = ScoreTable(engine, TUNING), RecordingTable(engine, load_queries(tiny_db))
    families = {"word": CANDIDATES[:1] + CANDIDATES[2:], "4gram": CANDIDATES[1:2]}
    picked = []
    tune = pseudo_confirmed_tuner(pseudo, real, families, chosen_families=picked)
    cv = cross_validate(real.queries, tune, table_evaluator(real), k=3, seed=5)
    for test in fold_ids(real.queries["query_id"], 3, 5):
        real.read.clear()
        train = real.queries[~real.queries["query_id"].isin(test)]
        tune(train)
        assert real.read and all(r is not None and r.isdisjoint(test) for r in real.read)
    assert len(cv.per_query) == len(real.queries) and len(picked) == 6
    bests = family_bests(pseudo, families)
    assert set(cv.chosen) <= set(bests.values())


def test_without_real_queries_the_pseudo_queries_decide(tiny_db):
    engine = Engine.from_db(tiny_db)
    pseudo, real = ScoreTable(engine, TUNING), ScoreTable(engine, load_queries(tiny_db))
    families = {"weak": ["word.basic.noattr.bxx"], "strong": ["word.all.noattr.bm25(k1=1.2,b=0.75)"]}
    picked = []
    config = pseudo_confirmed_tuner(pseudo, real, families, chosen_families=picked)(real.queries.iloc[:0])
    assert picked == ["strong"] and config == families["strong"][0]
    # all weight on the real queries: the real queries decide among the pseudo-tuned configurations
    only_real = pseudo_confirmed_tuner(pseudo, real, families, weight=0.0)(real.queries)
    best_real = grid_tuner(real, [c for cs in families.values() for c in cs])(real.queries)
    assert only_real == best_real


def test_families_tuned_in_worker_processes_choose_the_same(tiny_db):
    """Forked workers tune the families; the choices and their rows equal one process's."""
    families = {"word": CANDIDATES[:1] + CANDIDATES[2:], "4gram": CANDIDATES[1:2],
                "4gram grid": ["4gram.all.noattr.bm25(k1=1.2,b=0.75)", CANDIDATES[1]]}
    if core.dense.installed("minilm"):   # warmed in the parent: embeddings and query vectors
        families["hybrid"] = ["4gram+dense~ocr~sr.all.noattr.bm25(k1=0.9,b=0.4).zsum",
                              "4gram+dense~ocr~sr.all.noattr.bm25(k1=0.9,b=0.4).zsum(dense=0.5)"]
    alone = ScoreTable(Engine.from_db(tiny_db), TUNING)
    expected = family_bests(alone, families)
    forked = ScoreTable(Engine.from_db(tiny_db), TUNING)
    assert family_bests(forked, families, workers=2) == expected
    # the workers scored the candidates: only the chosen ones' rows came back
    assert set(forked._rows) == set(expected.values()) < set(alone._rows)
    for config in expected.values():
        pd.testing.assert_frame_equal(forked.rows(config), alone.rows(config))
