"""core.query_set: validating, adding, importing, exporting and filtering test queries."""
from __future__ import annotations

import json
from datetime import date

import pytest

from core.query_set import (QuerySetError, TAG_HELP, add_query, export_queries, filter_queries,
                            import_queries, query_facets, rerun_experiments, tagged_query_ids)
from core.store import TAGS, load_queries, read_table, write_corpus
from tests.conftest import tiny_rows


@pytest.fixture
def empty_db(tmp_path):
    """The tiny corpus without any queries."""
    path = tmp_path / "empty.db"
    tiktoks, comments, _ = tiny_rows()
    write_corpus(path, tiktoks, comments)
    return path


def test_every_tag_has_one_line_help():
    assert set(TAG_HELP) == set(TAGS)
    assert all("\n" not in h and len(h) < 100 for h in TAG_HELP.values())


def test_add_query_stores_author_time_tags_and_collection(tiny_db):
    row = add_query(tiny_db, "  pasta in five minutes ", "1001", " dee ",
                    {"useful_description": True, "important_lyrics": True})
    q = load_queries(tiny_db).set_index("query_id").loc[row["query_id"]]
    assert row["query_id"] == 7
    assert (q["query_text"], q["target_id"], q["author"], q["collection"]) == (
        "pasta in five minutes", "1001", "dee", "collected")
    assert q["created_at"].endswith("+00:00")
    assert [q[t] for t in TAGS] == [1, 0, 0, 1, 0]


@pytest.mark.parametrize("text, target, author, message", [
    ("", "1001", "ann", "Type a few words"),
    ("   ", "1001", "ann", "Type a few words"),
    ("x" * 501, "1001", "ann", "under 500"),
    ("pasta", "", "ann", "Pick the target"),
    ("pasta", "10o1", "ann", "not a TikTok id"),
    ("pasta", "../1001", "ann", "not a TikTok id"),
    ("pasta", "999", "ann", "no video with id 999"),
    ("pasta", "1011", "ann", "not searchable"),
    ("Garlic  PASTA quick recipe", "1001", "bo", "already in the test set \\(query 1\\)"),
    ("pasta", "1001", "", "participant name"),
])
def test_invalid_queries_are_refused_with_a_reason(tiny_db, text, target, author, message):
    with pytest.raises(QuerySetError, match=message):
        add_query(tiny_db, text, target, author)
    assert len(load_queries(tiny_db)) == 6


def test_same_text_for_another_target_is_allowed(tiny_db):
    add_query(tiny_db, "garlic pasta quick recipe", "1007", "bo")
    assert len(load_queries(tiny_db)) == 7


def test_export_import_export_is_identical(tiny_db, empty_db):
    add_query(tiny_db, "pasta «très» rapide 🍝", "1001", "dee", {"subtextual": True})
    first = export_queries(load_queries(tiny_db))
    data = json.loads(first)
    assert list(data[0]) == ["text", "target", "author", "useful-description", "comments-on-topic",
                             "purely-visual", "important-lyrics", "subtextual", "collection"]
    assert data[-1]["created-at"] and data[-1]["collection"] == "collected"
    report = import_queries(empty_db, first)
    assert (len(report.added), report.duplicates, report.problems) == (7, 0, [])
    assert export_queries(load_queries(empty_db)) == first
    again = import_queries(empty_db, first)  # importing twice adds nothing
    assert (len(again.added), again.duplicates) == (0, 7)
    assert export_queries(load_queries(empty_db)) == first


def test_import_study_format_appends_and_reports_problems(tiny_db):
    study = [
        {"text": "corgi zoomies", "target": "1009", "author": "jim", "useful-description": True,
         "comments-on-topic": False, "purely-visual": True, "important-lyrics": False, "subtextual": False},
        {"text": "no target"},
        {"text": "bad id", "target": "12ab"},
        {"text": "ghost", "target": "1011"},
        {"text": "bad tag", "target": "1002", "subtextual": "yes"},
        {"text": "cat pushing glass off table", "target": "1003"},
    ]
    report = import_queries(tiny_db, json.dumps(study), collection="study2022")
    assert [r["query_id"] for r in report.added] == [7]
    assert report.duplicates == 1 and len(report.problems) == 4
    q = load_queries(tiny_db).iloc[-1]
    assert (q["collection"], q["author"], q["purely_visual"], q["created_at"]) == ("study2022", "jim", 1, None)
    with pytest.raises(QuerySetError, match="JSON list"):
        import_queries(tiny_db, '{"text": "x"}')
    with pytest.raises(QuerySetError, match="malformed JSON"):
        import_queries(tiny_db, "[{")


def test_import_replace_empties_the_set_first(tiny_db):
    report = import_queries(tiny_db, '[{"text": "corgi", "target": "1009"}]', replace=True)
    assert len(report.added) == 1 and load_queries(tiny_db)["query_id"].tolist() == [1]


def test_study_queries_round_trip(study_dir, tmp_path):
    """The study's 86 queries import into a corpus holding their targets and round-trip."""
    raw = (study_dir / "queries.json").read_text(encoding="utf-8")
    targets = sorted({q["target"] for q in json.loads(raw)})
    path = tmp_path / "study.db"
    write_corpus(path, [{"id": t, "usable": 1} for t in targets], [])
    report = import_queries(path, raw, collection="study2022")
    assert (len(report.added), report.problems) == (86, [])
    first = export_queries(load_queries(path))
    assert [q["text"].strip() for q in json.loads(first)] == [q["text"].strip() for q in json.loads(raw)]
    again = tmp_path / "again.db"
    write_corpus(again, [{"id": t, "usable": 1} for t in targets], [])
    import_queries(again, first)
    assert export_queries(load_queries(again)) == first


def test_filter_queries_by_author_collection_and_date(tiny_db):
    add_query(tiny_db, "corgi beach", "1009", "dee", created_at="2024-05-01T23:30:00+00:00")
    add_query(tiny_db, "plank day twelve", "1010", "dee", created_at="2024-05-03T08:00:00+00:00")
    add_query(tiny_db, "roast potatoes", "1007", "eve", created_at="2024-05-02T12:00:00+02:00")
    q = load_queries(tiny_db)
    ids = lambda df: df["query_id"].tolist()  # noqa: E731
    assert ids(filter_queries(q)) == list(range(1, 10))
    assert ids(filter_queries(q, authors=["ann", "eve"])) == [1, 2, 9]
    assert ids(filter_queries(q, collections=["collected"])) == [7, 8, 9]
    assert ids(filter_queries(q, since=date(2024, 5, 2))) == [8, 9]
    assert ids(filter_queries(q, until=date(2024, 5, 2))) == [7, 9]
    assert ids(filter_queries(q, since="2024-05-02", until="2024-05-02")) == [9]
    assert ids(filter_queries(q, since="2024-05-02T10:00:00+00:00", authors=["dee"])) == [8]
    f = query_facets(q)
    assert f["authors"] == {"ann": 2, "bo": 2, "cy": 2, "dee": 2, "eve": 1}
    assert (f["first"], f["last"]) == (date(2024, 5, 1), date(2024, 5, 3))


def test_tagged_query_ids_keep_queries_with_every_tag(tiny_db):
    add_query(tiny_db, "corgi beach", "1009", "dee", tags=["purely_visual"])
    q = load_queries(tiny_db)
    # the six tiny queries are tagged "useful description" only
    assert tagged_query_ids(q) == list(range(1, 8))
    assert tagged_query_ids(q, ["useful_description"]) == list(range(1, 7))
    assert tagged_query_ids(q, ["purely_visual"]) == [7]
    assert tagged_query_ids(q, ["useful_description", "purely_visual"]) == []
    assert tagged_query_ids(q.drop(columns="subtextual"), ["subtextual"]) == list(range(1, 8))


def test_rerun_experiments_writes_results_with_new_queries(tiny_db, tmp_path):
    add_query(tiny_db, "corgi zoomies beach", "1009", "dee")
    calls = []
    results = tmp_path / "results.db"
    r = rerun_experiments(tiny_db, results, tokens=("word",), weightings=("bpx", "bxx"),
                          progress=lambda i, n: calls.append((i, n)))
    assert calls[-1] == (16, 16) and len(r.experiments) == 32
    assert read_table(results, "queries")["query_id"].tolist() == list(range(1, 8))
    assert len(read_table(results, "ranking_results")) == 32 * 7
    with pytest.raises(QuerySetError, match="no queries"):
        rerun_experiments(tiny_db, results, queries=load_queries(tiny_db).iloc[:0])


def test_replace_keeps_the_set_when_the_file_has_nothing_to_put_in_it(tiny_db):
    """"Replace the whole test set" with a file of another corpus (or []) deleted every query,
    collected ones included, and put nothing back."""
    before = load_queries(tiny_db)
    assert len(before) > 0
    for data in ('[{"text": "x y", "target": "123"}]', "[]"):
        with pytest.raises(QuerySetError, match="the test set was kept as it was"):
            import_queries(tiny_db, data, replace=True)
        assert load_queries(tiny_db).equals(before)


def test_import_checks_authors_tags_and_text_as_the_form_does(tiny_db):
    """Import stored an author given as an object as its repr, an author with NUL and 5,000
    characters as is, a tag of 5 as true and a query with NUL: now each is a problem."""
    entries = [{"text": "corgi zoomies", "target": "1009", "author": {"a": 1}},
               {"text": "corgi zoomies", "target": "1009", "author": "ann\x00" + "x" * 5000},
               {"text": "corgi zoomies", "target": "1009", "useful-description": 5},
               {"text": "corgi\x00 zoomies", "target": "1009"},
               {"text": "garlic pasta", "target": "1001", "author": "  Ann  Lee ", "purely-visual": 1}]
    report = import_queries(tiny_db, json.dumps(entries))
    assert len(report.problems) == 4 and len(report.added) == 1
    assert report.problems[0].startswith("query #1: 'author'") and "not text" in report.problems[0]
    assert report.problems[1].startswith("query #2: 'author'")
    assert report.problems[2] == "query #3: tag(s) useful-description should be true or false"
    assert "control characters" in report.problems[3]
    added = load_queries(tiny_db).tail(1).iloc[0]
    assert (added["author"], added["purely_visual"]) == ("Ann Lee", 1)
