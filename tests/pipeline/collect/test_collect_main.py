"""`python -m pipeline.collect` end to end: a data export and a links file, yt-dlp for real
against a site on 127.0.0.1, failures recorded with reasons, a rerun that resumes, and the
records going through ingest and the ETL into tiktoks.db with their watched_at."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from pipeline import etl
from pipeline.collect.__main__ import main
from tests.pipeline.conftest import killed_mid_run, rows, sql

REPO = Path(__file__).resolve().parents[3]
OK1, OK2, CORRUPT, GONE, LINKED = "7301", "7302", "7303", "7304", "7305"
EXPORT = {"Your Activity": {
    "Watch History": {"VideoList": [
        {"Date": "2024-05-03 21:10:00", "Link": f"https://www.tiktokv.com/share/video/{OK1}/"},
        {"Date": "2024-05-02 10:00:00", "Link": f"https://www.tiktokv.com/share/video/{CORRUPT}/"},
        {"Date": "2024-05-01 10:00:00", "Link": f"https://www.tiktokv.com/share/video/{GONE}/"},
        {"Date": "someday", "Link": f"https://www.tiktokv.com/share/video/{OK2}/"},
    ]},
    "Like List": {"ItemFavoriteList": [{"date": "2024-05-04 08:00:00",
                                        "link": f"https://www.tiktokv.com/share/video/{OK2}/"}]},
    "Favorite Videos": {"FavoriteVideoList": []},
}}


def run(site, tmp_path, *extra):
    return main(["--pipeline-db", str(tmp_path / "pipeline.db"), "--media", str(tmp_path / "media"),
                 "--url-template", site.template, "--rate", "0", "--retries", "0",
                 "--timeout", "2", "--no-progress", *extra])


def test_export_to_corpus_with_failures_and_resume(video_site, tmp_path, capsys):
    video_site.add(OK1, "cat knocks a glass off the table 🐱")
    video_site.add(OK2, "dog & the <b>vacuum</b> [click](javascript:alert(1))")
    video_site.add(CORRUPT, video=b"<html>not a video</html>" * 20)
    video_site.add(LINKED, "a linked video")               # GONE has no page: 404
    export = tmp_path / "user_data_tiktok.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    links = tmp_path / "links.txt"
    links.write_text(f"https://www.tiktok.com/@x/video/{LINKED}\nhttps://vm.tiktok.com/ZMx/\n")

    assert run(video_site, tmp_path, "--export", str(export), "--links", str(links),
               "--download") == 0
    out, err = capsys.readouterr()
    assert "5 videos to collect" in out, out
    assert "malformed date 'someday'" in err and "short link" in err
    assert "5 pending, 0 skipped" in out and "3 done, 2 failed" in out, out
    assert "corrupt file: 1" in out and "removed: 1" in out, out

    got = rows(tmp_path / "pipeline.db", "collected")
    assert got[CORRUPT]["error"].startswith("corrupt file: not a video")
    assert got[GONE]["error"].startswith("removed:") and "404" in got[GONE]["error"]
    media = tmp_path / "media"
    for vid in (OK1, OK2, LINKED):
        assert got[vid]["error"] is None
        assert (media / "videos" / f"{vid}.mp4").is_file() and (media / "covers" / f"{vid}.jpg").is_file()
    assert sorted(p.name for p in (media / "videos").iterdir()) == [f"{v}.mp4" for v in (OK1, OK2, LINKED)]
    assert not (media / ".collect").exists()
    # the download stage's rows, so `download` would skip these
    dl = rows(tmp_path / "pipeline.db", "downloads")
    assert set(dl) == {OK1, OK2, LINKED} and all(d["download_timestamp"] for d in dl.values())

    raw = {r: json.loads(rec) for r, rec in sql(tmp_path / "pipeline.db", "select id, record from raw")}
    assert set(raw) == {OK1, OK2, LINKED}
    assert raw[OK1]["watched_at"] == "2024-05-03T21:10:00+00:00" and raw[OK1]["source"] == "history"
    assert raw[OK2]["watched_at"] == "2024-05-04T08:00:00+00:00"   # the like; the view had no date
    assert raw[OK2]["source"] == "history,likes"
    assert raw[LINKED]["source"] == "links" and "watched_at" not in raw[LINKED]
    assert raw[OK1]["description"] == "cat knocks a glass off the table 🐱"
    assert json.loads((tmp_path / "collected.json").read_text()) \
        and not list(tmp_path.glob("*.tmp"))

    # rerun: nothing fetched again except the failures that may pass (a corrupt file);
    # removed videos wait for --retry-failed
    before = {v: got[v]["collected_at"] for v in got}
    time.sleep(1.1)
    assert run(video_site, tmp_path, "--export", str(export), "--links", str(links),
               "--download") == 1      # the only pending video failed again
    out, _ = capsys.readouterr()
    assert "1 pending, 4 skipped" in out, out
    again = rows(tmp_path / "pipeline.db", "collected")
    assert again[CORRUPT]["attempts"] == 2 and again[GONE]["attempts"] == 1
    assert all(again[v]["collected_at"] == before[v] for v in (OK1, OK2, LINKED, GONE))
    assert run(video_site, tmp_path, "--export", str(export), "--links", str(links),
               "--download", "--retry-failed") == 1
    assert "2 pending, 3 skipped" in capsys.readouterr().out
    # a collected video whose file has gone is fetched again (with --download only)
    (media / "videos" / f"{OK1}.mp4").unlink()
    run(video_site, tmp_path, "--export", str(export), "--links", str(links))
    assert "1 pending, 4 skipped" in capsys.readouterr().out       # only CORRUPT
    run(video_site, tmp_path, "--export", str(export), "--links", str(links), "--download")
    assert "2 pending, 3 skipped" in capsys.readouterr().out       # CORRUPT and OK1
    assert (media / "videos" / f"{OK1}.mp4").is_file()

    # the ETL carries watched_at into the corpus (the records are not usable yet: no OCR)
    tiktoks, _, _ = etl.build_rows(tmp_path / "pipeline.db")
    by_id = {t["id"]: t for t in tiktoks}
    assert by_id[OK1]["watched_at"] == "2024-05-03T21:10:00+00:00"
    assert by_id[OK2]["collected_from"] == "history,likes"
    assert by_id[OK1]["video_path"] == str(media / "videos" / f"{OK1}.mp4")


def test_lists_since_limit_and_resume(video_site, tmp_path, capsys):
    for vid in (OK1, OK2, CORRUPT, GONE):
        video_site.add(vid)
    export = tmp_path / "user_data_tiktok.json"
    export.write_text(json.dumps(EXPORT), encoding="utf-8")
    # likes only: one video
    assert run(video_site, tmp_path, "--export", str(export), "--lists", "likes") == 0
    assert "1 videos to collect" in capsys.readouterr().out
    # history since 2024-05-02: OK1 and CORRUPT (GONE is older, OK2's view is undated)
    assert run(video_site, tmp_path, "--export", str(export), "--lists", "history",
               "--since", "2024-05-02", "--limit", "1") == 0
    out = capsys.readouterr().out
    assert "2 videos to collect" in out and "1 pending, 0 skipped" in out, out
    # an interrupted (here: limited) run is resumed: only what is missing is fetched
    assert run(video_site, tmp_path, "--export", str(export), "--lists", "history",
               "--since", "2024-05-02") == 0
    out = capsys.readouterr().out
    assert "1 pending, 1 skipped" in out, out
    raw = dict(sql(tmp_path / "pipeline.db", "select id, record from raw"))
    assert set(raw) == {OK1, OK2, CORRUPT}    # metadata only: CORRUPT's page is fine


def test_pacing_and_bad_input(video_site, tmp_path, capsys):
    for vid in (OK1, OK2, CORRUPT):
        video_site.add(vid)
    links = tmp_path / "links.txt"
    links.write_text(f"{OK1}\n{OK2}\n{CORRUPT}\n")
    t0 = time.monotonic()
    assert main(["--pipeline-db", str(tmp_path / "p.db"), "--links", str(links), "--rate", "2",
                 "--url-template", video_site.template, "--no-progress"]) == 0
    assert time.monotonic() - t0 >= 1.0      # three videos at 2 per second
    capsys.readouterr()
    bad = tmp_path / "user_data_tiktok.json"
    bad.write_text('{"Activity": [', encoding="utf-8")
    assert main(["--pipeline-db", str(tmp_path / "p.db"), "--export", str(bad)]) == 2
    assert "malformed JSON at line 1" in capsys.readouterr().err


def test_kill_9_mid_run_then_rerun_resumes(video_site, tmp_path):
    """A collect killed mid-run leaves whole rows and whole files only; a rerun finishes it."""
    ids = [str(7400 + n) for n in range(8)]
    for vid in ids:
        video_site.add(vid, f"video {vid}")
    links = tmp_path / "links.txt"
    links.write_text("\n".join(ids) + "\n")
    db, media = tmp_path / "pipeline.db", tmp_path / "media"
    cmd = [sys.executable, "-m", "pipeline.collect", "--links", str(links), "--download",
           "--pipeline-db", str(db), "--media", str(media), "--rate", "3", "--no-progress",
           "--url-template", video_site.template]
    partial = killed_mid_run(cmd, db, "collected", 2, timeout=60)
    assert 2 <= len(partial) < len(ids), f"not killed mid-run ({len(partial)} rows)"
    finals = {p.name for p in media.rglob("*") if p.is_file() and ".collect" not in p.parts}
    assert finals == {f"{v}.{ext}" for v in partial for ext in ("mp4", "jpg")}   # whole or none

    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(ids) - len(partial)} pending, {len(partial)} skipped" in rerun.stdout
    assert set(rows(db, "collected")) == set(ids)
    assert {r for (r,) in sql(db, "select id from raw")} == set(ids)
    assert not (media / ".collect").exists()
    assert len(list((media / "videos").iterdir())) == len(ids)
    assert set(rows(db, "downloads")) == set(ids)     # also those the killed run collected


def test_batch_never_lands_on_an_input_or_a_database(tmp_path, capsys):
    """--batch naming the links file, the export, the pipeline db or a corpus replaced it with
    the run's records (`[]` when nothing was collected)."""
    import pytest
    import sqlite_utils

    links = tmp_path / "links.txt"
    links.write_text(f"{OK1}\n")
    export = tmp_path / "user_data_tiktok.json"
    export.write_text(json.dumps(EXPORT))
    pdb = tmp_path / "p.db"
    sqlite_utils.Database(pdb)["collected"].insert({"id": OK1})
    corpus = tmp_path / "tiktoks.db"
    sqlite_utils.Database(corpus)["tiktoks"].insert({"id": OK1})
    before = {f: f.read_bytes() for f in (links, export, pdb, corpus)}
    for batch, says in ((links, "same file as --links"), (export, "same file as --export"),
                        (pdb, "SQLite database"), (corpus, "SQLite database"),
                        (tmp_path, "directory")):
        with pytest.raises(SystemExit) as e:
            main(["--pipeline-db", str(pdb), "--links", str(links), "--export", str(export),
                  "--batch", str(batch), "--no-progress"])
        assert e.value.code == 2 and says in capsys.readouterr().err
    assert {f: f.read_bytes() for f in before} == before
