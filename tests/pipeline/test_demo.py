"""The demo (pipeline/demo, `python -m pipeline.demo`): the whole run end to end on a small subset
in a temporary data directory. The generator, its content and the media server:
tests/pipeline/demo/."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
        assert kind["corrupt-cover"] in reasons and "not a cover" in reasons[kind["corrupt-cover"]]
        assert "transcript" in reasons[kind["silent-video"]]
        good = [k for k, v in truth.items() if not v["broken"]]
        assert sum(usable[k] for k in good) == len(good)
        assert "OCR character accuracy" in out
    # second run: generation skipped, finished work not redone
    proc2, second = _run_demo(tmp_path)
    assert proc2.returncode == 0, proc2.stderr[-3000:]
    assert "is up to date" in proc2.stdout
    assert second < 30, second
