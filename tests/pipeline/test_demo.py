"""The demo: deterministic generator, media server, quality measures, and the whole
`python -m pipeline.demo` run end to end on a small subset in a temporary data directory."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pipeline.demo import generator
from pipeline.demo.server import MediaServer

ROOT = Path(__file__).resolve().parents[2]


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generator.generate(a, seed=7, limit=4, videos=False)
    generator.generate(b, seed=7, limit=4, videos=False)
    generator.generate(c, seed=8, limit=4, videos=False)
    ta, tb = _tree(a), _tree(b)
    assert ta == tb  # identical JSON and identical cover bytes
    assert {k for k in ta if k.startswith("media/covers/")} and "truth.json" in ta
    assert json.loads((a / "truth.json").read_text()) != json.loads((c / "truth.json").read_text())


def test_demo_records_have_the_study_format_and_the_broken_items():
    records, truth, queries, malformed = generator.build(limit=None)
    assert len(records) == len(generator.HEROES) + generator.N_DISTRACTORS >= 120
    assert len({r["id"] for r in records}) == len(records)
    keys = {"video-src", "coverphoto-src", "permalink", "web-id", "id", "like-count",
            "comment-count", "creator-username", "creator-nickname", "timeposted", "music-title",
            "music-src", "description", "comments", "scrape-timestamp"}
    for r in records:
        assert set(r) == keys and len(r["id"]) == 19 and r["id"].isdigit()
        assert 5 <= len(r["comments"]) <= 20 and r["creator-username"].startswith("@")
    assert "id" not in malformed
    assert len({t["topic"] for t in truth.values()}) >= 10
    assert len(queries) == len(generator.HEROES) >= 30
    assert {q["target"] for q in queries} <= {r["id"] for r in records}
    assert all(not truth[q["target"]]["broken"] for q in queries)
    assert len({q["author"] for q in queries}) >= 4
    # the first 8 records hold every kind of broken item, so small demos exercise cleaning
    first8 = [truth[r["id"]]["broken"] for r in records[:8]]
    assert sorted(filter(None, first8)) == sorted(generator.BROKEN.values())
    assert records[1]["video-src"].startswith("blob:")
    # queries are written from memory, not copied from the captions or descriptions
    for q in queries:
        t = truth[q["target"]]
        assert q["text"].lower() not in (t["caption"].lower(), t["script"].lower())


def test_media_server_serves_files_and_falls_back_to_a_free_port(tmp_path):
    (tmp_path / "covers").mkdir()
    (tmp_path / "covers" / "1.jpg").write_bytes(b"\xff\xd8 jpeg bytes")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with MediaServer(tmp_path, port=taken) as srv:
            assert srv.port != taken and srv.url.startswith("http://127.0.0.1:")
            r = requests.get(srv.url + "/covers/1.jpg", timeout=5)
            assert r.status_code == 200 and r.content == b"\xff\xd8 jpeg bytes"
            assert requests.get(srv.url + "/covers/2.jpg", timeout=5).status_code == 404


def test_write_batches_points_media_urls_at_the_server(tmp_path):
    generator.generate(tmp_path, limit=4, videos=False)
    paths = generator.write_batches(tmp_path, "http://127.0.0.1:4321")
    records = [r for p in paths for r in json.loads(p.read_text())]
    assert len(records) == 5  # 4 records and the malformed one
    assert "MEDIA_PORT" not in "".join(p.read_text() for p in paths)
    assert records[0]["coverphoto-src"].startswith("http://127.0.0.1:4321/covers/")


def _run_demo(data: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, TRL_DATA=str(data))
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pipeline.demo", "--no-dashboard", "--limit", "8",
                           "--media-port", "0"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    return proc, time.monotonic() - t0


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    proc, first = _run_demo(tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    db = tmp_path / "tiktoks.db"
    con = sqlite3.connect(db)
    try:
        usable = dict(con.execute("select id, usable from tiktoks").fetchall())
        meta = dict(con.execute("select key, value from meta").fetchall())
        nq = con.execute("select count(*) from queries where collection = 'demo'").fetchone()[0]
    finally:
        con.close()
    truth = json.loads((tmp_path / "demo" / "truth.json").read_text())
    reasons = json.loads(meta["unusable_reasons"])
    assert len(usable) == 8 and nq == 4
    kind = {v["broken"]: k for k, v in truth.items() if v["broken"]}
    assert "blob" in reasons[kind["blob-video-url"]]
    assert "404" in reasons[kind["video-404"]]
    con = sqlite3.connect(tmp_path / "demo" / "pipeline.db")
    try:
        rejects = con.execute("select reason from rejects").fetchall()
    finally:
        con.close()
    assert rejects == [("batch_2.json record 4: field 'id' is missing",)]
    stages = ("pipeline.ocr", "pipeline.audio", "pipeline.transcribe")
    import importlib.util
    if all(importlib.util.find_spec(m) for m in stages):
        assert kind["corrupt-cover"] in reasons and "OCR" in reasons[kind["corrupt-cover"]]
        assert "transcript" in reasons[kind["silent-video"]]
        good = [k for k, v in truth.items() if not v["broken"]]
        assert sum(usable[k] for k in good) == len(good)
        assert "OCR character accuracy" in out
    # second run: generation skipped, finished work not redone
    proc2, second = _run_demo(tmp_path)
    assert proc2.returncode == 0, proc2.stderr[-3000:]
    assert "is up to date" in proc2.stdout
    assert second < 30, second
