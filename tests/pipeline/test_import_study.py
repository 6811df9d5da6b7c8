"""pipeline.import_study on a small study-format directory written by the test."""
import json

import pytest

from pipeline import import_study
from tests.pipeline.conftest import sql


def record(i, **over):
    r = {"id": i, "web-id": "1", "permalink": f"https://www.tiktok.com/@x/video/{i}", "video-src": "v",
         "coverphoto-src": "c", "music-src": "m", "music-title": "song", "like-count": "22.6K",
         "comment-count": "113", "creator-username": "@x", "creator-nickname": "X", "timeposted": "1d ago",
         "description": f"video {i} 😅", "scrape-timestamp": 1669970000.5,
         "comments": [{"commenter-username": "@y", "comment-text": "lol", "time-posted": "5h ago",
                       "like-count": "1.2M", "replies-count": "6"}]}
    r.update(over)
    return r


@pytest.fixture
def study(tmp_path):
    src = tmp_path / "study"
    (src / "data" / "info").mkdir(parents=True)
    batch1 = [record("101"), record("102"), {"description": "no id"}, record("abc"),
              record("104", description=5), record("105", comments="oops")]
    batch2 = [record("102", description="rescraped"), record("103")]
    (src / "data" / "info" / "batch_1.json").write_text(json.dumps(batch1))
    (src / "data" / "info" / "batch_2.json").write_text(json.dumps(batch2))
    (src / "data" / "ocr.json").write_text(json.dumps({"101": "TEXT", "102": "", "103": None}))
    (src / "data" / "speech_to_text.json").write_text(json.dumps({"101": "hi", "102": "yo", "103": "x"}))
    (src / "queries.json").write_text(json.dumps([
        {"text": "video one", "target": "101", "author": "ann", "useful-description": True,
         "comments-on-topic": False, "purely-visual": True, "important-lyrics": False, "subtextual": False},
        {"text": "", "target": "101"}, {"text": "bad target", "target": "../etc"}]))
    (src / "unidecode_jl_map.json").write_text(json.dumps({"😅": ":sweat_smile:"}))
    return src


def test_imports_good_records_and_reports_bad_ones(study, tmp_path, capsys):
    db = tmp_path / "t.db"
    assert import_study.main([str(study), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "batch_1.json record #3: missing field(s) id" in out
    assert "batch_1.json record #4: invalid TikTok id 'abc'" in out
    assert "record #5 (id 104): field 'description' should be text" in out
    assert "record #6 (id 105): 'comments' should be a list" in out
    assert "queries.json query #2" in out and "queries.json query #3" in out
    assert sql(db, "select id, usable, like_count_n from tiktoks order by id") == [
        ("101", 1, 22600), ("102", 1, 22600), ("103", 0, 22600)]  # "" OCR is present, None is not
    assert sql(db, "select description from tiktoks where id='102'") == [("rescraped",)]
    assert sql(db, "select like_count_n, replies_count_n from comments where video_id='101'") == [(1200000, 6)]
    assert sql(db, "select query_text, target_id, author, purely_visual from queries") == [
        ("video one", "101", "ann", 1)]
    assert json.loads(sql(db, "select value from meta where key='unidecode_jl_map'")[0][0]) == {"😅": ":sweat_smile:"}
    skipped = out.count("  skipped: ")
    assert f"{skipped} record(s) skipped" in out and "note:" not in out


def test_without_the_name_map_a_note_not_a_skipped_record(study, tmp_path, capsys):
    """A missing unidecode_jl_map.json was counted as a skipped record."""
    (study / "unidecode_jl_map.json").unlink()
    assert import_study.main([str(study), "--db", str(tmp_path / "t.db")]) == 0
    out = capsys.readouterr().out
    assert "note: no " in out and "using default" in out and "normalisation mode default" in out
    assert f"{out.count('  skipped: ')} record(s) skipped" in out


def test_rerun_replaces_never_duplicates(study, tmp_path):
    db = tmp_path / "t.db"
    import_study.main([str(study), "--db", str(db)])
    import_study.main([str(study), "--db", str(db)])
    assert sql(db, "select count(*) from tiktoks") == [(3,)]
    assert sql(db, "select count(*) from comments") == [(3,)]


def test_malformed_file_is_named_and_existing_db_kept(study, tmp_path, capsys):
    db = tmp_path / "t.db"
    import_study.main([str(study), "--db", str(db)])
    (study / "data" / "info" / "batch_2.json").write_text('[{"id": "1",}]')
    assert import_study.main([str(study), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "batch_2.json: malformed JSON at line 1" in err
    assert sql(db, "select count(*) from tiktoks") == [(3,)]
    (study / "data" / "ocr.json").unlink()
    assert import_study.main([str(study), "--db", str(db)]) == 2
    assert "missing file" in capsys.readouterr().err


def test_reimport_keeps_collected_queries_and_viewer_history(study, tmp_path):
    from core import history, query_set
    from core.store import corpus_version, load_queries

    db = tmp_path / "t.db"
    import_study.main([str(study), "--db", str(db)])
    first = corpus_version(db)
    history.record_view(db, "ann", "101")
    query_set.add_query(db, text="the one with lol comments", target="102", author="ann")
    assert corpus_version(db) == first  # views and queries are not a new corpus build
    import_study.main([str(study), "--db", str(db)])
    q = load_queries(db)
    assert q["collection"].tolist() == ["study2022", "collected"]
    assert q["query_text"].tolist()[1] == "the one with lol comments"
    assert len(history.history(db, "ann")) == 1
    assert corpus_version(db) != first


@pytest.mark.parametrize("content, got", [([1, 2, 3], "a JSON list"), ({"😅": 5}, "an object with other values")])
def test_a_malformed_name_map_is_refused_before_anything_is_written(study, tmp_path, capsys, content, got):
    """A unidecode_jl_map.json that is not an object of strings was stored, and every later
    search of the corpus crashed on it; now the import refuses and writes nothing."""
    (study / "unidecode_jl_map.json").write_text(json.dumps(content))
    db = tmp_path / "t.db"
    assert import_study.main([str(study), "--db", str(db)]) == 2
    assert f"expected a JSON object mapping characters to their names (strings to strings), as in the study's; got {got}" \
        in capsys.readouterr().err
    assert not db.exists()
