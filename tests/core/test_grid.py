"""The experiment grid: the study's 80 index configurations in its order, every weighting ×
query with tie ranges, the same ranks as the Engine (in one process or several), other
configurations added with run_configs, and grids combined with continuing ids."""
import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.grid import combine, run_configs, run_grid, study_index_configs, target_positions
from core.index import TokenisedCorpus
from core.store import Corpus, load_corpus, load_queries

EXPERIMENT_COLUMNS = ["experiment_id", "index_id", "config", "term_weight", "collection_weight", "normalizer", "mode"]


def test_the_studys_index_configurations_in_its_order():
    configs = study_index_configs()
    assert len(configs) == 80 and len(set(configs)) == 80
    assert configs[:6] == [("word", frozenset(), True), ("4gram", frozenset(), True), ("5gram", frozenset(), True),
                           ("6gram", frozenset(), True), ("7gram", frozenset(), True), ("word", frozenset(), False)]
    assert configs[10] == ("word", frozenset({"sr"}), True)
    assert configs[-1] == ("7gram", frozenset({"sr", "ocr", "c"}), False)
    assert len(study_index_configs(("word", "4gram"))) == 32


def test_target_positions_of_ids(tiny_db):
    source = TokenisedCorpus(load_corpus(tiny_db))
    np.testing.assert_array_equal(target_positions(source, ["1003", 1001, "1011", "9"]), [2, 0, -1, -1])


def test_grid_rows_and_ranks_agree_with_the_engine(tiny_db):
    source, queries = TokenisedCorpus(load_corpus(tiny_db)), load_queries(tiny_db)
    done = []
    r = run_grid(source, queries, study_index_configs(("word",)), ("bxx", "bm25(k1=0.9,b=0.4)"),
                 progress=lambda d, n: done.append((d, n)))
    assert done == [(i, 16) for i in range(1, 17)]
    assert len(r.indexes) == 16 and len(r.experiments) == 32 and len(r.rankings) == 32 * 6
    assert r.indexes["config"].iloc[0] == "word.basic.attr" and r.indexes["ngram_size"].isna().all()
    assert (r.indexes["vocab_size"] > 0).all() and r.seconds > 0
    assert list(r.experiments.columns) == EXPERIMENT_COLUMNS
    first, second = r.experiments.iloc[0], r.experiments.iloc[1]
    assert (first["config"], first["term_weight"], first["collection_weight"], first["normalizer"]) == \
        ("word.basic.attr.bxx", "b", "x", "x")
    assert (second["config"], second["term_weight"], second["collection_weight"]) == \
        ("word.basic.attr.bm25(b=0.4,k1=0.9)", "bm25(b=0.4,k1=0.9)", "")
    engine = Engine(source.corpus)
    for exp in r.experiments.itertuples():
        got = r.rankings[r.rankings["experiment_id"] == exp.experiment_id].reset_index(drop=True)
        want = engine.rank_queries(Config.parse(exp.config), queries)
        np.testing.assert_array_equal(got["rank_lo"], want["rank_lo"])
        np.testing.assert_array_equal(got["rank_hi"], want["rank_hi"])
        np.testing.assert_array_equal(got["target_rank"], (got["rank_lo"] + got["rank_hi"]) / 2)


def test_tied_and_unmatched_targets():
    docs = pd.DataFrame({"id": ["1", "2", "3"], "description": ["red fox", "red fox", "blue whale"]})
    queries = pd.DataFrame({"query_id": [1, 2, 3], "query_text": ["red fox", "whale", "green frog"],
                            "target_id": ["2", "3", "1"]})
    r = run_grid(TokenisedCorpus(Corpus(docs)), queries, [("word", frozenset(), False)], ["bxx"])
    got = r.rankings[["rank_lo", "rank_hi", "target_rank"]].to_numpy()
    np.testing.assert_array_equal(got, [[1, 2, 1.5], [1, 1, 1], [np.nan, np.nan, np.nan]])


def test_workers_give_the_same_results(tiny_db):
    source, queries = TokenisedCorpus(load_corpus(tiny_db)), load_queries(tiny_db)
    configs = [("word", frozenset({"sr"}), False), ("4gram", frozenset(), True), ("word", frozenset(), True)]
    one = run_grid(source, queries, configs, ("bpx",))
    two = run_grid(TokenisedCorpus(load_corpus(tiny_db)), queries, configs, ("bpx",), workers=2)
    pd.testing.assert_frame_equal(one.experiments, two.experiments)
    cols = ["experiment_id", "query_id", "rank_lo", "rank_hi", "target_rank"]
    pd.testing.assert_frame_equal(one.rankings[cols], two.rankings[cols])
    assert one.indexes["vocab_size"].tolist() == two.indexes["vocab_size"].tolist()


def test_run_configs_and_combine(tiny_db):
    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    grid = run_grid(engine.source, queries, [("word", frozenset({"sr", "ocr", "c"}), False)], ("bpx",))
    fused = "word+4gram.sr+ocr+c.noattr.bm25.zsum"
    more = run_configs(engine, queries, ["word.all.noattr.bm25", fused, Config.parse(fused)])
    assert more.experiments["config"].tolist() == ["word.sr+ocr+c.noattr.bm25", fused]   # once each
    assert more.experiments["term_weight"].tolist() == ["bm25", "bm25.zsum"]
    single, both = more.indexes.iloc[0], more.indexes.iloc[1]
    assert single["config"] == "word.sr+ocr+c.noattr" and single["vocab_size"] > 0
    assert both["config"] == "word+4gram.sr+ocr+c.noattr" and np.isnan(both["vocab_size"])
    want = engine.rank_queries(Config.parse(fused), queries)
    np.testing.assert_array_equal(more.rankings[more.rankings["experiment_id"] == 2]["rank_lo"], want["rank_lo"])

    all_ = combine(grid, more)
    assert all_.experiments["experiment_id"].tolist() == [1, 2, 3]
    # the word index was the grid's already: it keeps id 1; the new one's id follows the grid's
    assert all_.experiments["index_id"].tolist() == [1, 1, 3]
    assert all_.indexes[["index_id", "config"]].values.tolist() == [[1, "word.sr+ocr+c.noattr"],
                                                                    [3, "word+4gram.sr+ocr+c.noattr"]]
    assert sorted(set(all_.rankings["experiment_id"])) == [1, 2, 3] and len(all_.rankings) == 3 * 6
    assert all_.seconds == pytest.approx(grid.seconds + more.seconds)
    empty = run_configs(engine, queries, [])
    assert combine(grid, empty) is grid and combine(empty, grid) is grid
