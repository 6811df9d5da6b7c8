"""pipeline.ingest on good, broken and malformed batch files (real files, real SQLite)."""
from __future__ import annotations

import json

from pipeline import ingest
from tests.pipeline.conftest import sql


def record(rid="7171982974357966122", ts=1669964608.8, **over):
    rec = {
        "video-src": f"https://v16.example/{rid}.mp4", "coverphoto-src": f"https://p16.example/{rid}.image",
        "permalink": f"https://www.tiktok.com/@dan/video/{rid}", "web-id": "7172441959205652014",
        "id": rid, "like-count": "22.6K", "comment-count": "848", "creator-username": "@dan",
        "creator-nickname": "Dan", "timeposted": "16h ago", "music-title": "original sound - Dan",
        "music-src": "https://www.tiktok.com/music/original-sound-1", "description": "stairs #dnd",
        "comments": [{"commenter-username": "@Rob M", "comment-text": "so true",
                      "time-posted": "16h ago ", "like-count": "483", "replies-count": "9"}],
        "scrape-timestamp": ts,
    }
    rec.update(over)
    return rec


def write(path, obj):
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def test_good_broken_and_malformed_files(tmp_path, capsys):
    good = write(tmp_path / "batch_1.json", [record("1001"), record("1002")])
    bad = tmp_path / "batch_2.json"
    bad_records = [
        record("1003"),
        {k: v for k, v in record("1004").items() if k != "id"},            # 1: no id
        record("12ab"),                                                    # 2: not digits
        {k: v for k, v in record("1005").items() if k != "video-src"},     # 3: missing field
        record("1006", comments="none"),                                   # 4: wrong type
        record("1007", **{"like-count": True}),                            # 5: bool is no count
        "not a record",                                                    # 6
        record("1008", comments=[{"comment-text": ["x"]}]),                # 7: bad comment
        record("1009"),
    ]
    write(bad, bad_records)
    broken = tmp_path / "batch_3.json"
    broken.write_text('[\n  {"id": "1010",\n  "description" "x"}\n]', encoding="utf-8")
    db = tmp_path / "pipeline.db"

    rc = ingest.main(["--pipeline-db", str(db), str(good), str(bad), str(broken)])

    assert rc == 1  # a file could not be read; the others are loaded all the same
    err = capsys.readouterr().err
    assert "batch_3.json: malformed JSON at line 3 column" in err
    assert sql(db, "select id from raw order by id") == [("1001",), ("1002",), ("1003",), ("1009",)]
    rejects = sql(db, "select source, position, id, reason from rejects order by position")
    assert [(r[1], r[2]) for r in rejects] == [(1, None), (2, "12ab"), (3, "1005"), (4, "1006"),
                                               (5, "1007"), (6, None), (7, "1008")]
    assert all(r[0] == str(bad) for r in rejects)
    reasons = [r[3] for r in rejects]
    assert reasons[0] == "batch_2.json record 1: field 'id' is missing"
    assert "field 'id'" in reasons[1] and "digits" in reasons[1]
    assert reasons[2] == "batch_2.json record 3: field 'video-src' is missing"
    assert reasons[3] == "batch_2.json record 4: field 'comments' is a str, expected list"
    assert "field 'like-count' is a bool" in reasons[4]
    assert "record is a str" in reasons[5]
    assert "'comments'[0].'comment-text' is a list" in reasons[6]
    stored = json.loads(sql(db, "select record from raw where id = '1001'")[0][0])
    assert stored == record("1001")


def test_merge_by_id_later_scrape_wins_and_reingest_is_idempotent(tmp_path):
    db = tmp_path / "pipeline.db"
    old = write(tmp_path / "old.json", [record("2001", ts=100.0, **{"like-count": "1K"})])
    new = write(tmp_path / "new.json", [record("2001", ts=200.0, **{"like-count": "5K"}),
                                        {"id": "x"}])
    assert ingest.main(["--pipeline-db", str(db), str(old), str(new)]) == 0
    assert ingest.main(["--pipeline-db", str(db), str(old)]) == 0  # an older scrape comes late
    assert ingest.main(["--pipeline-db", str(db), str(tmp_path)]) == 0  # a directory, again
    got = sql(db, "select id, record, source from raw")
    assert len(got) == 1
    assert json.loads(got[0][1])["like-count"] == "5K" and got[0][2] == str(new)
    # rejects of a file are replaced when it is ingested again, never duplicated
    assert sql(db, "select count(*) from rejects") == [(1,)]


def test_the_same_batch_again_is_unchanged_not_updated(tmp_path, capsys):
    """Ingesting one batch twice said every record was "updated (same id scraped again)"."""
    db = tmp_path / "pipeline.db"
    batch = write(tmp_path / "b.json", [record("2001"), record("2002")])
    assert ingest.main(["--pipeline-db", str(db), str(batch)]) == 0
    assert "2 new records, 0 updated" in capsys.readouterr().out
    before = sql(db, "select id, record, source, ingested_at from raw order by id")
    assert ingest.main(["--pipeline-db", str(db), str(batch)]) == 0
    assert "0 new records, 0 updated (same id scraped again), 2 unchanged" in capsys.readouterr().out
    assert sql(db, "select id, record, source, ingested_at from raw order by id") == before


def test_file_that_is_not_a_list(tmp_path, capsys):
    db = tmp_path / "pipeline.db"
    f = write(tmp_path / "master.json", {"1": record("1")})
    assert ingest.main(["--pipeline-db", str(db), str(f)]) == 1
    assert "expected a JSON list of records" in capsys.readouterr().err
    assert sql(db, "select count(*) from raw") == [(0,)]


def test_deeply_nested_json_is_one_bad_file_not_a_crash(tmp_path, capsys):
    """Issue 11, defect 7: 100,000 nested lists killed ingest with a RecursionError and the
    good file beside it was never loaded."""
    deep = tmp_path / "batch_deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    good = tmp_path / "batch_good.json"
    write(good, [record("1001")])
    db = tmp_path / "pipeline.db"
    rc = ingest.main(["--pipeline-db", str(db), str(deep), str(good)])
    assert rc == 1
    assert "batch_deep.json: JSON nested too deeply to read" in capsys.readouterr().err
    assert sql(db, "select id from raw") == [("1001",)]


def test_a_byte_order_mark_is_read_and_a_nan_timestamp_refused(tmp_path, capsys):
    """A file saved with a UTF-8 byte-order mark (as some editors do) was rejected although
    evaluate and etl read it; a NaN scrape-timestamp was stored, and every later re-scrape of
    that id then counted as "older" and was ignored."""
    bom = tmp_path / "batch_1.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps([record("1001")]).encode())
    nan = tmp_path / "batch_2.json"
    nan.write_text(json.dumps([record("1002", ts=float("nan"))]))   # json writes NaN
    db = tmp_path / "pipeline.db"
    assert ingest.main(["--pipeline-db", str(db), str(bom), str(nan)]) == 0
    assert sql(db, "select id from raw") == [("1001",)]
    assert sql(db, "select reason from rejects") == [
        ("batch_2.json record 0: field 'scrape-timestamp' is nan, expected a finite number",)]
    write(nan, [record("1002", ts=1.0)])
    assert ingest.main(["--pipeline-db", str(db), str(nan)]) == 0
    assert sql(db, "select id from raw order by id") == [("1001",), ("1002",)]


def test_a_directory_without_batches_is_an_error_not_zero_of_zero(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert ingest.main(["--pipeline-db", str(tmp_path / "p.db"), str(tmp_path / "empty")]) == 2
    assert "no batch files (*.json) in" in capsys.readouterr().err
    assert not (tmp_path / "p.db").exists()
