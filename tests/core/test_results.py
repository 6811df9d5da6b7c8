"""core.results: a results.db read into core.evaluation's per-query tables, on a grid written
by the real pipeline code and on a database in the 2022 study's original schema."""
from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from core.config import STUDY_BEST, Config
from core.engine import Engine
from core.evaluation import METRICS, paired_tests, per_query, summary_table, win_loss
from core.metrics import STUDY_DOCUMENTS, STUDY_MISSING_RANK
from core.results import documents_of, read_results, save_experiment
from core.store import count_documents, load_queries, read_table

PER_QUERY = ["query_id", "rank_lo", "rank_hi", "rank", "s1", "s5", "s10", "rr"]


def test_grid_results_match_the_engine(tiny_db, tiny_results):
    res = read_results(tiny_results)
    # the tiny grid: words and 4-grams × 8 field sets × attribution × 12 weightings, 6 queries
    assert len(res.experiments) == 384 and len(res.indexes) == 32 and len(res.queries) == 6
    assert len(res.rankings) == 384 * 6
    assert (res.n_docs, res.missing_rank) == (10, 5.0)
    assert res.meta["mode"] == "default"
    best = str(STUDY_BEST)
    pq = res.per_query([best])[best]
    assert pq.columns[:len(PER_QUERY)].tolist() == PER_QUERY
    assert pq["query_id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert (pq["useful_description"] == 1).all() and (pq["purely_visual"] == 0).all()
    # the same figures as scoring the corpus live, missing ranks counted as the corpus's middle
    live = per_query(Engine.from_db(tiny_db), Config.parse(best), load_queries(tiny_db))
    pd.testing.assert_frame_equal(pq[PER_QUERY], live[PER_QUERY], check_dtype=False)


def test_summary_and_tests_come_from_core_evaluation(tiny_results):
    res = read_results(tiny_results)
    summary = res.summary().set_index("config")
    assert len(summary) == 384 and (summary["queries"] == 6).all()
    assert {"index_id", "term_weight", "ngram_size", *METRICS, "missing"} <= set(summary.columns)
    names = [str(STUDY_BEST), "word.basic.noattr.bxx"]
    pqs = res.per_query(names)
    with_ci = summary_table(pqs).set_index("config")
    for name in names:
        for metric in METRICS:
            assert summary.loc[name, metric] == pytest.approx(with_ci.loc[name, metric])
    # 4-grams over every field rank every tiny target first; words over the basic fields tie
    # query 4's target with another at 1..2 and never match query 6's (counted as 10 / 2)
    best_row = summary.loc[str(STUDY_BEST)]
    assert best_row[["mean_rank", "success_at_1", "mrr", "missing"]].tolist() == [1, 1, 1, 0]
    words = summary.loc["word.basic.noattr.bxx"]
    assert words["missing"] == 1 and words["mean_rank"] == pytest.approx((4 + 1.5 + 5) / 6)
    assert words["success_at_1"] == pytest.approx((4 + 0.5) / 6)
    assert words["mrr"] == pytest.approx((4 + 0.75) / 6)
    t = paired_tests(pqs, baseline="word.basic.noattr.bxx", metric="mean_rank").iloc[0]
    assert t["diff"] == pytest.approx(-0.75)
    # two non-zero differences of one sign: 2 × 16 of the 64 sign patterns are as extreme
    assert t["p_randomisation"] == pytest.approx(0.5)
    wl = win_loss(pqs, baseline="word.basic.noattr.bxx").iloc[0]
    assert wl[["a_better", "b_better", "tied", "a_first", "b_first"]].tolist() == [2, 0, 4, 6, 4.5]


def test_query_subsets_and_unknown_configurations(tiny_results):
    res = read_results(tiny_results)
    s = res.summary([1, 2]).set_index("config")
    assert (s["queries"] == 2).all()
    pqs = res.per_query(["word.basic.noattr.bxx", "no.such.config", str(STUDY_BEST)], [2, 5])
    assert list(pqs) == ["word.basic.noattr.bxx", str(STUDY_BEST)]
    assert all(pq["query_id"].tolist() == [2, 5] for pq in pqs.values())
    assert res.rows([3])["experiment_id"].nunique() == 384


def study_schema_db(path):
    """Two experiments over three queries in the 2022 study's results.db schema: no meta,
    no config names, no tie ranges (a NULL rank: the target never matched)."""
    con = sqlite3.connect(path)
    con.executescript("""
        create table indexes (index_id int primary key, ngram_size int, sr int, ocr int,
            comments int, field_attributions int, indexing_time float, storage int, vocab_size int);
        create table experiments (experiment_id int primary key, index_id int, term_weight text,
            collection_weight text, normalizer text);
        create table queries (query_id int primary key, query_text text, target_id text,
            author text, useful_description int, comments_on_topic int, purely_visual int,
            important_lyrics int, subtextual int);
        create table ranking_results (experiment_id int, query_id int, retrieval_time float,
            target_rank int);
        insert into indexes values (1, 4, 1, 1, 1, 0, 0.5, 1000, 300);
        insert into experiments values (1, 1, 'b', 'p', 'x'), (2, 1, 't', 'f', 'c');
        insert into queries values (1, 'garlic pasta', '1001', 'ann', 1, 0, 0, 0, 0),
            (2, 'cat glass', '1003', 'ann', 0, 0, 1, 0, 0), (3, 'corgi', '1009', 'bo', 0, 0, 0, 0, 0);
        insert into ranking_results values (1, 1, 0.001, 1), (1, 2, 0.001, 2), (1, 3, 0.001, null),
            (2, 1, 0.002, 4), (2, 2, 0.002, 1), (2, 3, 0.002, 1);
    """)
    con.commit()
    con.close()
    return path


def test_a_saved_experiment_reads_back_like_a_grid_experiment(tiny_db, tiny_results):
    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    config = Config.parse("word.basic.noattr.bm25(k1=0,b=0)")
    live = per_query(engine, config, queries)
    assert (live["rank_hi"] > live["rank_lo"]).any()   # a tie range to keep
    new_id = save_experiment(tiny_results, config, live, queries, engine)
    assert new_id == 385
    res = read_results(tiny_results)
    assert len(res.experiments) == 385 and len(res.indexes) == 32   # its index was in the grid
    row = res.experiments.set_index("config").loc[str(config)]
    assert row["experiment_id"] == new_id and row["index_config"] == "word.basic.noattr"
    assert row["mode"] == engine.mode and row["weighting"] == "bm25(b=0,k1=0)"
    pd.testing.assert_frame_equal(res.per_query([str(config)])[str(config)][PER_QUERY], live[PER_QUERY],
                                  check_dtype=False)
    # saving again replaces: same id, no duplicate rows
    assert save_experiment(tiny_results, config, live, queries, engine) == new_id
    again = read_results(tiny_results)
    assert len(again.experiments) == 385 and len(again.rankings) == 385 * 6
    assert read_table(tiny_results, "queries").shape[0] == 6


def test_saving_a_configuration_the_grid_has_replaces_it(tiny_db, tiny_results):
    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    before = read_results(tiny_results).experiments.set_index("config")
    same = Config.parse("4gram.all.noattr.bpx")   # the study's best, written another way
    ranks = per_query(engine, same, queries).assign(rank_lo=1.0, rank_hi=2.0)   # told apart
    assert save_experiment(tiny_results, same, ranks, queries, engine) == before.loc[str(STUDY_BEST), "experiment_id"]
    res = read_results(tiny_results)
    assert len(res.experiments) == 384
    assert (res.per_query([str(STUDY_BEST)])[str(STUDY_BEST)]["rank"] == 1.5).all()


def test_a_new_index_and_a_new_database(tiny_db, tmp_path):
    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    path = tmp_path / "new" / "results.db"
    first = Config.parse("5gram.sr.noattr.bm25")
    assert save_experiment(path, first, per_query(engine, first, queries), queries, engine) == 1
    fused = Config.parse("word+5gram.sr.noattr.bm25.rrf")
    some = per_query(engine, fused, queries).iloc[:4]   # a subset of the queries
    assert save_experiment(path, fused, some, queries, engine) == 2
    res = read_results(path)
    assert res.experiments["config"].tolist() == [str(first), str(fused)]
    assert res.indexes["config"].tolist() == ["5gram.sr.noattr", "word+5gram.sr.noattr"]
    assert res.indexes.set_index("config").loc["5gram.sr.noattr", "vocab_size"] > 0
    assert (res.n_docs, res.meta["mode"]) == (10, engine.mode)
    assert res.per_query([str(fused)])[str(fused)]["query_id"].tolist() == [1, 2, 3, 4]


def test_saving_into_results_of_other_data_is_refused(tiny_db, tiny_results, tmp_path):
    engine, queries = Engine.from_db(tiny_db), load_queries(tiny_db)
    pq = per_query(engine, STUDY_BEST, queries)
    other = queries.assign(query_text=queries["query_text"] + " again")
    with pytest.raises(ValueError, match="another query set"):
        save_experiment(tiny_results, STUDY_BEST, pq, other, engine)
    with pytest.raises(ValueError, match="not given"):
        save_experiment(tiny_results, STUDY_BEST, pq, queries.iloc[:2], engine)
    with pytest.raises(ValueError, match="original results database"):
        save_experiment(study_schema_db(tmp_path / "study.db"), STUDY_BEST, pq.iloc[:3], queries, engine)
    wrong = tmp_path / "wrong.db"
    save_experiment(wrong, STUDY_BEST, pq, queries, engine)
    con = sqlite3.connect(wrong)
    con.execute("update meta set value = '99' where key = 'documents'")
    con.commit()
    con.close()
    with pytest.raises(ValueError, match="99 documents"):
        save_experiment(wrong, STUDY_BEST, pq, queries, engine)
    assert len(read_results(tiny_results).experiments) == 384   # nothing written by a refusal


def test_study_schema_without_meta(tmp_path, tiny_db):
    path = study_schema_db(tmp_path / "results.db")
    res = read_results(path)
    assert (res.n_docs, res.missing_rank) == (STUDY_DOCUMENTS, STUDY_MISSING_RANK) == (1462, 731.0)
    assert res.meta == {}   # no config column: each experiment is named from its parts
    assert res.experiments["config"].tolist() == ["4gram.sr+ocr+c.noattr.bpx", "4gram.sr+ocr+c.noattr.tfc"]
    assert res.experiments.loc[0, "ngram_size"] == 4 and res.experiments.loc[1, "term_weight"] == "t"
    r = res.rankings.set_index(["experiment_id", "query_id"])
    assert r.loc[(1, 2), "rr"] == 0.5 and r.loc[(1, 3), "rank"] == 731 and np.isnan(r.loc[(1, 3), "rank_lo"])
    assert r.loc[(2, 2), "purely_visual"] == 1 and r.loc[(2, 2), "retrieval_time"] == 0.002
    s = res.summary().set_index("experiment_id")
    assert s.loc[1, "mean_rank"] == pytest.approx((1 + 2 + 731) / 3)
    assert s.loc[1, "mrr"] == pytest.approx(0.5) and s.loc[1, "success_at_1"] == pytest.approx(1 / 3)
    assert s.loc[2, "success_at_1"] == pytest.approx(2 / 3) and s.loc[2, "success_at_5"] == 1
    assert (s.loc[1, "missing"], s.loc[2, "missing"]) == (1, 0)
    # named by the caller, the rows are core.evaluation's per-query tables
    res.experiments["config"] = ["first", "second"]
    assert res.per_query(["second"], [2, 3])["second"]["rank"].tolist() == [1.0, 1.0]
    # with its corpus database, a missing rank counts as the middle of that corpus instead
    counted = read_results(path, corpus=tiny_db)
    assert counted.n_docs == count_documents(tiny_db) == 10 and counted.missing_rank == 5.0
    assert counted.summary().set_index("experiment_id").loc[1, "mean_rank"] == pytest.approx(8 / 3)


def test_documents_of_prefers_the_recorded_size(tiny_db, tmp_path):
    assert documents_of({"documents": "42"}, tiny_db) == 42
    assert documents_of({"documents": "x"}, tiny_db) == 10
    assert documents_of({}, tmp_path / "absent.db") == STUDY_DOCUMENTS
    assert count_documents(tiny_db, usable_only=False) == 11


def test_a_database_without_experiments_is_refused(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with pytest.raises(ValueError, match="no experiments"):
        read_results(path)


def test_the_studys_own_results(study_dir):
    res = read_results(study_dir / "results.db")
    assert len(res.experiments) == 960 and len(res.queries) == 86 and res.n_docs == 1462
    s = res.summary()
    assert (s["queries"] == 86).all() and s["success_at_1"].between(0, 1).all()
