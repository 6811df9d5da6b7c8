"""Home, Query lab, Experiments and Index stats on the tiny corpus: controls work, no errors."""
from __future__ import annotations

import pandas as pd

from tests.app.conftest import no_exception, texts


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_home_describes_the_dataset_and_headline(app):
    at = app()
    m = metrics(at)
    assert m["Documents"] == "11" and m["Usable documents"] == "10" and m["Test queries"] == "6"
    assert "Best mean rank" in m and "The 2022 study's best" in m
    assert "Where next" in texts(at)
    # every page is in the navigation
    assert len(at.get("page_link")) >= 4


def test_home_without_results_says_how_to_get_them(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_RESULTS", str(tmp_path / "missing.db"))
    at = app()
    assert metrics(at)["Usable documents"] == "10"
    assert "No results database yet" in texts(at)


def test_query_lab_rank_explanation_and_grid(app):
    at = app("query_lab")
    assert at.selectbox(key="query").value == "1"
    assert metrics(at)["Target rank"] == "1"
    assert "Why this rank" in texts(at)
    explained = at.dataframe[0].value
    assert "term" in explained.columns and any(c.startswith("target") for c in explained.columns)
    assert "across every configuration" in texts(at)
    at.selectbox(key="query").set_value("4").run()  # "one piece jingle bells" -> 1008
    no_exception(at)
    assert "1008" in texts(at)
    before = metrics(at)["Target rank"]
    at.segmented_control(key="tok").set_value("word").run()
    at.toggle(key="ocr").set_value(False).run()
    no_exception(at)
    assert "word.sr+c.noattr.bpx" in texts(at)
    assert metrics(at)["Target rank"] != before or "not ranked" in metrics(at)["Target rank"]


def test_query_lab_unranked_target(app):
    at = app("query_lab")
    at.selectbox(key="query").set_value("6").run()  # "scientist deadline meme"
    at.segmented_control(key="tok").set_value("word").run()
    for k in ("sr", "ocr", "c"):
        at.toggle(key=k).set_value(False).run()
    no_exception(at)
    assert metrics(at)["Target rank"] == "not ranked"


def test_experiments_heatmaps_comparison_and_downloads(app):
    at = app("experiments")
    assert "6 of 6 queries" in texts(at) and "384 experiments" in texts(at)
    assert at.multiselect(key="hw").value  # default weightings
    comparison = at.dataframe[0].value
    assert {"improved", "degraded", "p (randomisation)", "p Holm (randomisation)"} <= set(comparison.columns)
    assert all(0 <= p <= 1 for p in comparison["p Holm (randomisation)"])
    per_query = at.dataframe[1].value
    assert len(per_query) == 6 and "query" in per_query.columns
    assert len(at.get("download_button")) == 3
    at.segmented_control(key="metric").set_value("mrr").run()
    at.segmented_control(key="dist").set_value("ecdf").run()
    no_exception(at)
    at.segmented_control(key="dist").set_value("violin").run()
    no_exception(at)
    table = at.dataframe[-1].value
    assert table["mrr"].is_monotonic_decreasing  # sorted by the chosen metric


def test_experiments_baseline_and_tag_filter(app):
    at = app("experiments")
    at.multiselect(key="cmp").set_value(["word.basic.noattr.bxx", "4gram.sr+ocr+c.attr.tfc"]).run()
    at.selectbox(key="base").set_value("word.basic.noattr.bxx").run()
    no_exception(at)
    comparison = at.dataframe[0].value
    assert comparison["configuration"].tolist() == ["4gram.sr+ocr+c.attr.tfc"]
    # all tiny queries are tagged "useful description"; none "purely visual"
    at.pills(key="tags").set_value(["useful_description"]).run()
    assert "6 of 6 queries" in texts(at)
    at.pills(key="tags").set_value(["purely_visual"]).run()
    no_exception(at)
    assert "No query passes the chosen tags and filters" in texts(at)


def test_experiments_parallel_coordinates_slider(app):
    at = app("experiments")
    at.slider(key="top").set_value(50).run()
    no_exception(at)


def test_index_stats_charts_table_and_live_measurement(app):
    at = app("index_stats")
    table = at.dataframe[0].value
    assert len(table) == 32 and {"vocab_size", "storage_mb", "indexing_ms"} <= set(table.columns)
    assert int(metrics(at)["Vocabulary"].split()[0].replace(",", "")) > 0
    at.segmented_control(key="tok").set_value("word").run()
    no_exception(at)
    assert "word.sr+ocr+c.noattr" in texts(at)


def test_pages_without_results_explain_make_demo(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_RESULTS", str(tmp_path / "missing.db"))
    for page in ("experiments", "index_stats"):
        at = app(page)
        assert "make demo" in texts(at), page
    at = app("query_lab")  # queries come from the corpus; the grid part explains itself
    assert "run the experiment grid" in texts(at)


def test_original_study_results_schema_is_read(app, tiny_results, tmp_path, monkeypatch):
    """A results.db without config/rank_lo columns (the 2022 study's own) still works."""
    import sqlite3
    old = tmp_path / "old.db"
    src, dst = sqlite3.connect(tiny_results), sqlite3.connect(old)
    for table, drop in (("indexes", ["config"]), ("experiments", ["config", "mode"]),
                        ("queries", []), ("ranking_results", ["rank_lo", "rank_hi"])):
        df = pd.read_sql(f"select * from {table}", src).drop(columns=drop)
        df.to_sql(table, dst, index=False)
    dst.close()
    src.close()
    monkeypatch.setenv("TRL_RESULTS", str(old))
    at = app("experiments")
    assert "384 experiments" in texts(at)


def test_query_lab_opens_the_query_the_url_names_by_id(app):
    """Issue 11: Query lab's ?query=ID was ignored (the select box bound its label)."""
    at = app("query_lab", query="3")
    assert at.selectbox(key="query").value == "3" and at.query_params["query"] in ("3", ["3"])
    at = app("query_lab", query="#4 · an older link's label")
    assert at.selectbox(key="query").value == "4"
    at = app("query_lab", query="99999")   # unknown: the first query, not an error
    assert not at.exception and at.selectbox(key="query").value == "1"


def test_every_page_says_when_the_database_is_no_corpus(app, tmp_path, monkeypatch):
    """Viewer, Experiments and Collect queries showed a traceback for a file that is not a
    corpus (another file, an empty one, a SQLite database without the corpus's tables); every
    page now says so in words (the app fixture asserts no exception on each)."""
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table notes (x)").connection.close()
    cases = {"hello.db": ("is not a SQLite database", lambda p: p.write_text("hello notes\n")),
             "empty.db": ("it has no `tiktoks` table", lambda p: p.write_bytes(b"")),
             "other.db": ("it has no `tiktoks` table", None)}
    for name, (says, make) in cases.items():
        path = tmp_path / name
        if make:
            make(path)
        monkeypatch.setenv("TRL_DB", str(path))
        for page in ("viewer", "experiments", "collect", "search", "tune"):
            at = app(page, participant="ann")
            assert "Could not open the corpus" in texts(at) and says in texts(at), (name, page)


def test_tune_and_cross_validation_say_when_no_target_is_searchable(app, tiny_db, tmp_path, monkeypatch):
    """With no usable document, the Tune page's rank charts divided strings by numbers and the
    cross-validated tab showed "zero-size array to reduction operation maximum"."""
    from core.store import load_queries, write_corpus

    queries = load_queries(tiny_db)
    path = tmp_path / "unusable.db"
    write_corpus(path, [{"id": t, "description": "x", "usable": 0} for t in queries["target_id"]], [],
                 queries.to_dict("records"))
    monkeypatch.setenv("TRL_DB", str(path))
    at = app("tune")
    assert "None of this corpus's test queries has its target among the searchable documents" in texts(at)
    at = app("experiments", tab=":material/verified: Methods, cross-validated")
    assert "Cross-validating method families needs searchable documents" in texts(at)
    assert "cv_fam" not in [w.key for w in at.multiselect]
