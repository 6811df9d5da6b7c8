"""pipeline.etl: a real tiktoks.db from a pipeline db whose stage tables are written here
directly (as the media stages write them), checked with sqlite3."""
from __future__ import annotations

import json

import pytest
import sqlite_utils

from core.store import load_corpus, load_queries
from pipeline import etl, ingest
from tests.pipeline.test_ingest import record, write
from tests.pipeline.conftest import sql

IDS = ["3001", "3002", "3003", "3004", "3005"]


@pytest.fixture
def pipeline_db(tmp_path):
    """Five scraped records: one fully processed, and one failing at each stage."""
    recs = [record(rid) for rid in IDS]
    recs[0]["comments"] = recs[0]["comments"] * 3
    recs[4]["comments"] = []
    db_path = tmp_path / "pipeline.db"
    assert ingest.main(["--pipeline-db", str(db_path), str(write(tmp_path / "b.json", recs))]) == 0
    db = sqlite_utils.Database(db_path)
    ok = dict(download_timestamp=1669970000.5, video_error=None, cover_error=None, attempts=1)
    db["downloads"].insert_all([
        dict(id="3001", video_path="m/videos/3001.mp4", cover_path="m/covers/3001.jpg", **ok),
        dict(id="3002", video_path=None, cover_path="m/covers/3002.jpg", download_timestamp=None,
             video_error="blob URL: cannot be downloaded", cover_error=None, attempts=2),
        dict(id="3003", video_path="m/videos/3003.mp4", cover_path="m/covers/3003.jpg", **ok),
        dict(id="3004", video_path="m/videos/3004.mp4", cover_path="m/covers/3004.jpg", **ok),
        dict(id="3005", video_path="m/videos/3005.mp4", cover_path="m/covers/3005.jpg", **ok),
    ], pk="id")
    db["ocr"].insert_all([
        dict(id="3001", text="DND STAIRS", error=None, seconds=0.4),
        dict(id="3003", text=None, error="UnidentifiedImageError: not an image", seconds=0.1),
        dict(id="3004", text="SILENT", error=None, seconds=0.4),
        dict(id="3005", text="", error=None, seconds=0.4),   # empty OCR text still counts
    ], pk="id")
    db["audio"].insert_all([
        dict(id="3001", wav_path="m/audio/3001.wav", error=None, seconds=0.2),
        dict(id="3004", wav_path=None, error="no audio track", seconds=0.1),
        dict(id="3005", wav_path="m/audio/3005.wav", error=None, seconds=0.2),
    ], pk="id")
    db["transcripts"].insert_all([
        dict(id="3001", text="i cast knock on the door", engine="sphinx", error=None, seconds=1.0),
        dict(id="3005", text="", engine="sphinx", error=None, seconds=1.0),
    ], pk="id")
    db.close()
    return db_path


def query_file(tmp_path, targets=("3001", "3005"), name="friends.json"):
    return write(tmp_path / name, [
        {"text": f"query for {t}", "target": t, "author": "jim", "useful-description": True,
         "comments-on-topic": False, "purely-visual": i == 1, "important-lyrics": False,
         "subtextual": False} for i, t in enumerate(targets)])


def test_etl_writes_the_study_schema_with_the_usable_rule(tmp_path, pipeline_db, capsys):
    out = tmp_path / "tiktoks.db"
    rc = etl.main(["--pipeline-db", str(pipeline_db), "--db", str(out),
                   "--queries", str(query_file(tmp_path))])
    assert rc == 0
    assert sql(out, "select id, usable from tiktoks order by id") == [
        ("3001", 1), ("3002", 0), ("3003", 0), ("3004", 0), ("3005", 1)]
    row = sql(out, "select like_count, like_count_n, comment_count_n, coverphoto_ocr, speech_to_text,"
                 " download_timestamp, video_path, creator_username, time_posted, web_id"
                 " from tiktoks where id = '3001'")[0]
    assert row == ("22.6K", 22600, 848, "DND STAIRS", "i cast knock on the door", 1669970000.5,
                   "m/videos/3001.mp4", "@dan", "16h ago", "7172441959205652014")
    assert sql(out, "select video_id, position, comment_text, commenter_name, like_count_n,"
                  " replies_count_n from comments where video_id = '3001' order by position") == [
        ("3001", i, "so true", "@Rob M", 483, 9) for i in range(3)]
    assert sql(out, "select count(*) from comments") == [(3 + 3,)]  # 3001: 3, 3002-3004: 1, 3005: 0
    assert sql(out, "select query_id, query_text, target_id, author, useful_description,"
                  " purely_visual, collection from queries order by query_id") == [
        (1, "query for 3001", "3001", "jim", 1, 0, "friends"),
        (2, "query for 3005", "3005", "jim", 1, 1, "friends")]
    meta = dict(sql(out, "select key, value from meta"))
    assert meta["normalisation"] == "default"
    reasons = json.loads(meta["unusable_reasons"])
    assert reasons["3002"] == "not downloaded: video blob URL: cannot be downloaded"
    assert reasons["3003"].startswith("no cover OCR: UnidentifiedImageError")
    assert reasons["3004"] == "no transcript: audio no audio track"
    summary = capsys.readouterr().out
    assert "5 TikToks, 2 usable" in summary and "3 unusable" in summary
    assert "1 not downloaded" in summary and "1 no cover OCR" in summary
    # the corpus reads back through the shared loader
    corpus = load_corpus(out)
    assert corpus.ids == ["3001", "3005"]
    assert corpus.docs.loc[0, "comment_text"] == "so true so true so true"
    assert list(load_queries(out)["target_id"]) == ["3001", "3005"]


def test_rerun_replaces_and_a_failing_run_leaves_the_old_db(tmp_path, pipeline_db, capsys):
    out = tmp_path / "tiktoks.db"
    args = ["--pipeline-db", str(pipeline_db), "--db", str(out)]
    assert etl.main(args + ["--queries", str(query_file(tmp_path)), "--collection", "c1"]) == 0
    assert etl.main(args + ["--queries", str(query_file(tmp_path)), "--collection", "c1"]) == 0
    assert sql(out, "select count(*) from tiktoks") == [(5,)]
    assert sql(out, "select count(*) from queries") == [(2,)]
    before = out.read_bytes()
    bad = write(tmp_path / "bad.json", [{"text": "x", "target": "not-an-id"}])
    assert etl.main(args + ["--queries", str(bad)]) == 2
    assert "query 0: 'target'" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no pipeline db"):
        etl.main(["--pipeline-db", str(tmp_path / "missing.db"), "--db", str(out)])
    assert out.read_bytes() == before
    assert not (tmp_path / "tiktoks.db.tmp").exists()


def test_stages_not_run_yet(tmp_path):
    p = tmp_path / "p.db"
    assert ingest.main(["--pipeline-db", str(p), str(write(tmp_path / "b.json", [record("9")]))]) == 0
    out = tmp_path / "t.db"
    assert etl.main(["--pipeline-db", str(p), "--db", str(out)]) == 0
    assert sql(out, "select usable, coverphoto_ocr, speech_to_text from tiktoks") == [(0, None, None)]
    assert sql(out, "select count(*) from queries") == [(0,)]


def test_an_exported_query_file_keeps_its_collections_and_times(tmp_path, pipeline_db, capsys):
    """The dashboard's export (core.query_set) names each query's collection and creation time:
    rebuilding from it duplicated every query into a collection named after the file and
    stamped them all with the file's time. Now each keeps its own, and a rebuild replaces."""
    from core.query_set import export_queries

    out = tmp_path / "tiktoks.db"
    args = ["--pipeline-db", str(pipeline_db), "--db", str(out)]
    assert etl.main(args + ["--queries", str(query_file(tmp_path)), "--collection", "study"]) == 0
    with sqlite_utils.Database(out) as db:
        db["queries"].insert({"query_id": 3, "query_text": "mine", "target_id": "3005",
                              "collection": "collected", "created_at": "2026-12-01T10:00:00+00:00"})
    before = sql(out, "select query_text, target_id, collection, created_at from queries order by query_id")
    exported = tmp_path / "export.json"
    exported.write_text(export_queries(load_queries(out)))
    assert etl.main(args + ["--queries", str(exported)]) == 0
    assert sql(out, "select query_text, target_id, collection, created_at from queries order by query_id") == before
    assert sorted(sql(out, "select collection, count(*) from queries group by collection")) == [
        ("collected", 1), ("study", 2)]
    assert sql(out, "select created_at from queries where collection = 'collected'") == [
        ("2026-12-01T10:00:00+00:00",)]
    assert "3 queries in collections 'collected', 'study'" in capsys.readouterr().out
