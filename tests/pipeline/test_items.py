"""The shared per-item runner, kill -9 safety of a stage, and every stage CLI's --help."""
from __future__ import annotations

import argparse
import importlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import items
from tests.pipeline.conftest import killed_mid_run, rows

REPO = Path(__file__).resolve().parents[2]
STAGES = ["pipeline.download", "pipeline.ocr", "pipeline.frames", "pipeline.audio",
          "pipeline.transcribe"]


def square(item):  # top level, so it pickles for the process pool
    if item["n"] == 3:
        raise RuntimeError("three is unlucky")
    return {"id": item["id"], "value": item["n"] ** 2, "pid": os.getpid(),
            "error": "odd" if item["n"] % 2 else None}


@pytest.mark.parametrize("workers", [1, 2])
def test_run_items_writes_every_row_once(tmp_path, workers):
    db = items.open_db(tmp_path / "p.db")
    db["t"].create({"id": str, "value": int, "pid": int, "error": str}, pk="id")
    work = [{"id": str(n), "n": n} for n in range(8)]
    counts = items.run_items(db, "t", work, square, workers=workers, progress=False,
                             on_exception=lambda it, e: {"id": it["id"], "error": f"crash: {e}"})
    got = rows(tmp_path / "p.db", "t")
    assert set(got) == {str(n) for n in range(8)}
    assert got["4"]["value"] == 16 and got["3"]["error"] == "crash: three is unlucky"
    assert (counts.done, counts.failed, counts.lost) == (4, 4, 0)
    assert counts.reasons == {"odd": 3, "crash": 1}
    if workers == 2:  # really ran in other processes
        assert os.getpid() not in {r["pid"] for r in got.values() if r["pid"]}
    # an exception with no on_exception handler: nothing written, counted as lost, exit 1
    counts = items.run_items(db, "t", [{"id": "3", "n": 3}], square, workers=workers,
                             progress=False)
    assert counts.lost == 1 and items.exit_code(counts) == 1
    text = items.summary("demo", counts, skipped=7, workers=workers)
    assert "1 lost" in text and "7 skipped" in text


def square_all(item):  # a group's function: one row per member
    if any(m["n"] == 5 for m in items.members(item)):
        raise RuntimeError("five spoils its group")
    return [square(m) for m in items.members(item)]


@pytest.mark.parametrize("workers", [1, 2])
def test_groups_give_one_row_per_member(tmp_path, workers):
    """Work done together (items.grouped) is written, counted and failed per member."""
    work = [{"id": str(n), "n": n} for n in (0, 2, 4, 6, 5, 8)]
    groups = items.grouped(work, lambda it: 10 if it["n"] == 6 else 1, limit=2)
    assert [[m["id"] for m in items.members(g)] for g in groups] == [["0", "2"], ["4"], ["6"],
                                                                    ["5", "8"]]
    assert "members" not in groups[1]   # a group of one is the plain item
    db = items.open_db(tmp_path / "p.db")
    db["t"].create({"id": str, "value": int, "pid": int, "error": str}, pk="id")
    counts = items.run_items(db, "t", groups, square_all, workers=workers, progress=False,
                             on_exception=lambda it, e: {"id": it["id"], "error": f"crash: {e}"})
    got = rows(tmp_path / "p.db", "t")
    assert {i: r["value"] for i, r in got.items()} == {"0": 0, "2": 4, "4": 16, "6": 36,
                                                       "5": None, "8": None}
    assert got["8"]["error"] == "crash: five spoils its group"
    assert (counts.pending, counts.done, counts.failed) == (6, 4, 2)
    counts = items.run_items(db, "t", groups[3:], square_all, workers=workers, progress=False)
    assert (counts.pending, counts.lost) == (2, 2)   # no handler: both members lost


def test_select_pending():
    cands = [{"id": "1", "s": "new"}, {"id": "2", "s": "ok"}, {"id": "3", "s": "failed"}]
    st = lambda c: c["s"]  # noqa: E731
    ids = lambda p: [c["id"] for c in p[0]]  # noqa: E731
    assert ids(items.select_pending(cands, st, retry_failed=False, redo_all=False,
                                    limit=None)) == ["1"]
    assert ids(items.select_pending(cands, st, retry_failed=True, redo_all=False,
                                    limit=None)) == ["1", "3"]
    assert ids(items.select_pending(cands, st, retry_failed=False, redo_all=True,
                                    limit=2)) == ["1", "2"]


def _download_cmd(db, media):
    return [sys.executable, "-m", "pipeline.download", "--pipeline-db", str(db), "--media",
            str(media), "--workers", "2", "--retries", "0", "--no-progress"]


def _snapshot(db, media):
    """Per id: which result columns are non-null, plus the downloaded files' bytes."""
    con = sqlite3.connect(db)
    n, distinct = con.execute("select count(*), count(distinct id) from downloads").fetchone()
    assert n == distinct
    con.close()
    snap = {}
    for i, r in rows(db, "downloads").items():
        shape = tuple(r[k] is not None for k in ("video_path", "cover_path",
                                                 "download_timestamp", "video_error",
                                                 "cover_error"))
        files = tuple(Path(r[k]).read_bytes() if r[k] else None
                      for k in ("video_path", "cover_path"))
        assert not any(str(r[k] or "").endswith(".part") for k in ("video_path", "cover_path"))
        snap[i] = (shape, files)
    return snap


def test_kill_9_mid_run_then_rerun_equals_uninterrupted(http_server, tmp_path,
                                                        make_pipeline_db):
    b = http_server.base
    records = []
    for n in range(10):
        video = f"{b}/404/v{n}" if n in (2, 7) else f"{b}/slow/0.3-v{n}"
        records.append({"id": str(900 + n), "video-src": video,
                        "coverphoto-src": f"{b}/slow/0.3-c{n}"})
    ref_db, db = make_pipeline_db(records, "ref.db"), make_pipeline_db(records, "kill.db")
    ref_media, media = tmp_path / "ref_media", tmp_path / "media"
    subprocess.run(_download_cmd(ref_db, ref_media), cwd=REPO, check=True, capture_output=True)
    reference = _snapshot(ref_db, ref_media)
    assert len(reference) == 10

    partial = killed_mid_run(_download_cmd(db, media), db, "downloads", 3)   # the stage and its workers
    assert 3 <= len(partial) < 10, f"not killed mid-run ({len(partial)} rows)"
    for r in partial.values():  # whatever was committed is complete
        for k in ("video_path", "cover_path"):
            assert r[k] is None or Path(r[k]).stat().st_size > 0

    rerun = subprocess.run(_download_cmd(db, media), cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    ok = sum(r["download_timestamp"] is not None for r in partial.values())
    assert f"download: {10 - ok} pending, {ok} skipped" in rerun.stdout, rerun.stdout
    assert _snapshot(db, media) == reference
    assert not list(media.rglob("*.part"))


@pytest.mark.parametrize("module", STAGES)
def test_every_option_is_documented(module):
    parser = importlib.import_module(module).build_parser()
    text = parser.format_help()
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, \
            f"{module}: {action.option_strings or action.dest} has no help text"
        for opt in action.option_strings:
            assert opt in text
    for shared in ("--pipeline-db", "--media", "--workers", "--retry-failed", "--limit"):
        assert shared in text


@pytest.mark.parametrize("module", STAGES)
def test_cli_help_runs(module):
    out = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "usage:" in out.stdout and "--workers" in out.stdout


WRITER = """
import sys
from pipeline.items import open_db, upsert_row, write_transaction
db = open_db(sys.argv[1])
with write_transaction(db):
    db[sys.argv[2]].create({"id": str, "n": int}, pk="id", if_not_exists=True)
for i in range(150):
    list(db.query("select count(*) from sqlite_master"))   # read, then write: the deadlock
    upsert_row(db, sys.argv[2], {"id": str(i), "n": i})
"""


def test_stages_writing_one_db_at_once_wait_for_each_other(tmp_path):
    """The demo runs ocr -> frames beside audio -> transcribe on one pipeline db: a read then
    a write in one transaction used to fail at once with "database is locked"."""
    db = tmp_path / "pipeline.db"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), t], cwd=REPO,
                              stderr=subprocess.PIPE, text=True) for t in ("a", "b", "c")]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    assert all(len(rows(db, t)) == 150 for t in ("a", "b", "c"))


def fails(item):
    return {"id": item["id"], "value": None, "pid": os.getpid(), "error": "missing file: gone"}


def test_a_failure_never_replaces_an_earlier_result(tmp_path):
    """`--all` with a mistyped --media (or a broken tool) recorded "missing file" over every
    good row; now a failure is counted and said, and the earlier result stays."""
    db = items.open_db(tmp_path / "p.db")
    db["t"].create({"id": str, "value": int, "pid": int, "error": str}, pk="id")
    items.run_items(db, "t", [{"id": str(n), "n": n} for n in (2, 4, 5)], square, progress=False)
    counts = items.run_items(db, "t", [{"id": str(n)} for n in (2, 4, 5, 6)], fails, progress=False)
    got = rows(tmp_path / "p.db", "t")
    assert (got["2"]["value"], got["2"]["error"], got["4"]["value"]) == (4, None, 16)   # kept
    assert got["5"]["error"] == "missing file: gone" and got["6"]["error"] == "missing file: gone"
    assert (counts.done, counts.failed, counts.kept) == (0, 4, 2)
    assert "2 failed item(s) kept their earlier result" in items.summary("t", counts, 0, 1)
