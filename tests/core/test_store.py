"""The two SQLite databases on real files: ids and counts parsed, the corpus written
atomically and read back (usable documents, comments in order, meta), researchers' queries
and viewer history kept across rebuilds, results written in the study's schema."""
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from core.store import (QUERY_COLUMNS, NotADatabase, atomic_database, corpus_version, count_documents, load_corpus, load_queries,
                        parse_count, read_meta, read_table, valid_id, write_corpus, write_results)


def doc(i, usable=1, **kw):
    return {"id": i, "description": f"video {i}", "creator_username": "@a", "usable": usable, **kw}


def query(n, text, target, collection):
    return {"query_id": n, "query_text": text, "target_id": target, "collection": collection}


@pytest.mark.parametrize("value, want", [("123", "123"), (" 42 ", "42"), (7, "7"), ("1" * 30, "1" * 30)])
def test_valid_ids(value, want):
    assert valid_id(value) == want


@pytest.mark.parametrize("value", ["12a", "../12", "", "1" * 31, None, "-5"])
def test_invalid_ids(value):
    with pytest.raises(ValueError, match="invalid TikTok id"):
        valid_id(value)


@pytest.mark.parametrize("text, want", [("22.6K", 22600), ("1.2M", 1_200_000), ("113", 113), ("1,234", 1234),
                                        ("3k", 3000), ("2B", 2_000_000_000), (" 7 ", 7), ("", None), (None, None),
                                        ("lots", None)])
def test_parse_count(text, want):
    assert parse_count(text) == want


def test_corpus_round_trip(tmp_path):
    path = tmp_path / "sub" / "tiktoks.db"
    comments = [{"video_id": "2", "position": 1, "comment_text": "second"},
                {"video_id": "2", "position": 0, "comment_text": "first"},
                {"video_id": "2", "position": 2, "comment_text": None}]
    write_corpus(path, [doc("2"), doc("1"), doc("3", usable=0)], comments,
                 [query(1, "a video", "2", "mine")], meta={"normalisation": "study2022", "unidecode_jl_map": {"ä": "a"}})
    corpus = load_corpus(path)
    assert corpus.ids == ["1", "2"] and len(corpus) == 2   # usable only, ordered by id
    assert corpus.docs["comment_text"].tolist() == ["", "first second"]
    assert corpus.mode == "study2022" and corpus.jl_map == {"ä": "a"} and corpus.path == str(path)
    assert load_corpus(path, usable_only=False).ids == ["1", "2", "3"]
    assert count_documents(path) == 2 and count_documents(path, usable_only=False) == 3
    q = load_queries(path)
    assert list(q.columns) == list(QUERY_COLUMNS) and q["query_text"].tolist() == ["a video"]
    assert read_meta(path, "normalisation") == "study2022" and read_meta(path, "nope", "x") == "x"
    assert json.loads(read_meta(path, "unidecode_jl_map")) == {"ä": "a"}


def test_a_rebuild_keeps_other_collections_and_the_viewer_history(tmp_path):
    path = tmp_path / "tiktoks.db"
    write_corpus(path, [doc("1"), doc("2")], [], [query(1, "study one", "1", "study"), query(2, "mine", "2", "collected")])
    with sqlite3.connect(path) as con:
        con.execute("create table views (viewer text, video_id text)")
        con.execute("insert into views values ('ann', '2')")
    first = corpus_version(path)
    write_corpus(path, [doc("1"), doc("2")], [], [query(1, "study one again", "1", "study")])
    q = load_queries(path)
    assert q[["query_id", "query_text", "collection"]].values.tolist() == [
        [1, "study one again", "study"], [2, "mine", "collected"]]
    assert read_table(path, "views").to_dict("records") == [{"viewer": "ann", "video_id": "2"}]
    assert corpus_version(path) != first   # a fresh id per write


def test_a_failed_write_leaves_the_old_database(tmp_path):
    path = tmp_path / "tiktoks.db"
    write_corpus(path, [doc("1")], [])
    with pytest.raises(RuntimeError, match="crash"):
        with atomic_database(path) as db:
            db["tiktoks"].insert({"id": "99"})
            raise RuntimeError("crash")
    assert load_corpus(path).ids == ["1"] and not (tmp_path / "tiktoks.db.tmp").exists()


def test_writing_over_something_that_is_no_database(tmp_path):
    """A file that is not SQLite is never replaced (it may be anything the user pointed at by
    mistake): the write refuses and says how to go on; once it is moved away, the write works."""
    path = tmp_path / "tiktoks.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(NotADatabase, match="move it away to write a new database here"):
        write_corpus(path, [doc("1")], [])
    assert path.read_bytes() == b"not a database at all" * 100
    path.rename(tmp_path / "moved")
    write_corpus(path, [doc("1")], [])
    assert load_corpus(path).ids == ["1"]


def test_missing_and_empty_databases(tmp_path):
    with pytest.raises(FileNotFoundError, match="no corpus database at"):
        load_corpus(tmp_path / "none.db")
    assert read_meta(tmp_path / "none.db", "corpus_id", "x") == "x"
    with pytest.raises(FileNotFoundError):
        corpus_version(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()   # reading never creates a database
    with pytest.raises(FileNotFoundError, match="no database at"):
        read_table(tmp_path / "none.db", "tiktoks")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert count_documents(empty) == 0 and load_queries(empty).empty and read_table(empty, "tiktoks").empty
    assert corpus_version(empty).startswith("mtime:")
    write_corpus(empty, [], [])
    assert load_corpus(empty).docs.empty and "comment_text" in load_corpus(empty).docs


def test_results_in_the_studys_schema(tmp_path):
    path = tmp_path / "results.db"
    indexes = pd.DataFrame([{"index_id": 1, "config": "word.basic.noattr"}])
    experiments = pd.DataFrame([{"experiment_id": 1, "index_id": 1, "config": "word.basic.noattr.bpx"}])
    queries = pd.DataFrame([{"query_id": 1, "query_text": "a"}, {"query_id": 2, "query_text": "b"}])
    rankings = pd.DataFrame({"experiment_id": [1, 1], "query_id": [1, 2], "rank_lo": [1.0, np.nan],
                             "rank_hi": [2.0, np.nan]})
    write_results(path, indexes, experiments, queries, rankings, {"mode": "default", "documents": 10})
    ranks = read_table(path, "ranking_results")
    assert ranks["rank_lo"].tolist()[0] == 1.0 and pd.isna(ranks["rank_lo"].tolist()[1])
    assert read_table(path, "experiments")["config"].tolist() == ["word.basic.noattr.bpx"]
    assert dict(read_table(path, "meta").values.tolist()) == {"mode": "default", "documents": "10"}
    assert read_table(path, "no_such_table").empty
    with pytest.raises(sqlite3.IntegrityError):   # one row per (experiment, query)
        write_results(path, indexes, experiments, queries, pd.concat([rankings, rankings]))
    assert len(read_table(path, "ranking_results")) == 2   # the failed write changed nothing


def test_a_row_without_a_valid_id_is_never_usable(tmp_path):
    """Issue 11, defect 4: a usable row whose id is not digits crashed the Viewer (ids go
    into paths and URLs); the one reader of the corpus leaves such rows out."""
    path = tmp_path / "tiktoks.db"
    write_corpus(path, [doc("1"), doc("12ab"), doc("../x"), doc("2")], [])
    assert load_corpus(path).ids == ["1", "2"]
    assert len(load_corpus(path, usable_only=False)) == 4   # still there, for inspection


def test_an_empty_queries_file_replaces_its_collection(tmp_path):
    """Issue 11: re-importing the study with an empty queries file said '0 queries' but kept
    the previous ones of that collection."""
    path = tmp_path / "tiktoks.db"
    write_corpus(path, [doc("1")], [], [query(1, "old", "1", "study2022"), query(2, "mine", "1", "collected")])
    write_corpus(path, [doc("1")], [], [], collections=["study2022"])
    assert load_queries(path)["query_text"].tolist() == ["mine"]


def test_a_corpus_loaded_without_comments_is_the_same_but_for_them(tiny_db):
    """``comments=False`` (indexes without comments at a million documents): every column
    as loaded with comments, `comment_text` empty."""
    full, lean = load_corpus(tiny_db), load_corpus(tiny_db, comments=False)
    assert (full.docs["comment_text"] != "").any() and (lean.docs["comment_text"] == "").all()
    pd.testing.assert_frame_equal(full.docs.drop(columns="comment_text"), lean.docs.drop(columns="comment_text"))


def results_file(path):
    write_results(path, pd.DataFrame([{"index_id": 1, "config": "word.basic.noattr"}]),
                  pd.DataFrame([{"experiment_id": 1, "index_id": 1, "config": "word.basic.noattr.bpx"}]),
                  pd.DataFrame([{"query_id": 1, "query_text": "a"}]),
                  pd.DataFrame({"experiment_id": [1], "query_id": [1], "rank_lo": [1.0], "rank_hi": [1.0]}))


def test_a_database_of_the_other_kind_is_never_replaced(tmp_path):
    """A results database given as the corpus (or the corpus given as ``--results``) was
    replaced without a word; now the write refuses, names what the file is, and leaves it."""
    results, corpus = tmp_path / "results.db", tmp_path / "tiktoks.db"
    results_file(results)
    write_corpus(corpus, [doc("1")], [], [query(1, "mine", "1", "collected")])
    before = results.read_bytes(), corpus.read_bytes()
    with pytest.raises(NotADatabase, match="results.db is a results database, not a corpus database"):
        write_corpus(results, [doc("2")], [])
    with pytest.raises(NotADatabase, match="tiktoks.db is a corpus database, not a results database"):
        results_file(corpus)
    assert (results.read_bytes(), corpus.read_bytes()) == before
    write_corpus(tmp_path / "empty.db", [doc("3")], [])   # a new path, or an empty file, is fine
    assert load_corpus(tmp_path / "empty.db").ids == ["3"]


def test_a_rebuild_waits_for_a_lock_and_keeps_what_was_collected(tmp_path):
    """Another process holding the corpus locked past sqlite's default 5 s made the rebuild
    read no collected queries and drop them; now it waits for the lock and carries them over."""
    import subprocess
    import sys
    import time

    path = tmp_path / "tiktoks.db"
    write_corpus(path, [doc("1")], [], [query(1, "study", "1", "study"), query(2, "mine", "1", "collected")])
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "c.execute('begin exclusive'); print('held', flush=True); time.sleep(7)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.perf_counter()
        write_corpus(path, [doc("1")], [], [query(1, "study again", "1", "study")])
        waited = time.perf_counter() - start
    finally:
        holder.wait()
    assert load_queries(path)[["query_text", "collection"]].values.tolist() == [
        ["study again", "study"], ["mine", "collected"]]
    assert waited > 5   # it met the lock for longer than sqlite's default 5 s timeout


def test_an_unreadable_database_is_not_rebuilt_without_its_collected_queries(tmp_path):
    """A SQLite file whose pages are damaged: the rebuild refuses rather than dropping the
    queries and views it cannot read."""
    path = tmp_path / "tiktoks.db"
    write_corpus(path, [doc(str(i)) for i in range(1, 400)], [], [query(1, "mine", "1", "collected")])
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)   # every page but the schema's
    path.write_bytes(bytes(data))
    with pytest.raises(NotADatabase, match="cannot read the collected queries and views of"):
        write_corpus(path, [doc("1")], [])
    assert path.read_bytes() == bytes(data)


def test_a_directory_is_no_database(tmp_path):
    with pytest.raises(NotADatabase, match="is a directory, not a database file"):
        load_corpus(tmp_path)
