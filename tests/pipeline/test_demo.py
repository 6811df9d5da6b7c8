"""The demo (pipeline/demo, `python -m pipeline.demo`): the whole run end to end on a small subset
in a temporary data directory. The generator, its content and the media server:
tests/pipeline/demo/."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_demo(data: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TRL_DATA=str(data))
    return subprocess.run([sys.executable, "-m", "pipeline.demo", "--no-dashboard", "--limit", "8",
                           "--media-port", "0"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)   # a hang guard, not a speed target


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    proc = _run_demo(tmp_path)
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
        wer = float(re.search(r"speech-to-text WER ([\d.]+)%", out).group(1))
        assert wer <= 20.0, out[-3000:]   # Whisper on the demo's voice (all 121 clips: 10.2%)
    # second run: generation skipped, finished work not redone (only failures are retried)
    proc2 = _run_demo(tmp_path)
    assert proc2.returncode == 0, proc2.stderr[-3000:]
    assert "is up to date" in proc2.stdout
    done = dict(re.findall(r"^(\w+)(?: \(\w+\))?: \d+ pending, \d+ skipped \(already done\); (\d+) done",
                           proc2.stdout, re.M))
    assert done == {s: "0" for s in ("download", "ocr", "frames", "audio", "transcribe")}, proc2.stdout
    assert "already prepared" in proc2.stdout     # embed: nothing embedded again
    _serves_the_dashboard_and_stops_on_sigterm(tmp_path)


def _serves_the_dashboard_and_stops_on_sigterm(data: Path) -> None:
    """A third run with the dashboard: it is started right after etl (before embed and the
    grid), answers on 127.0.0.1, and a `kill` of the demo stops it too."""
    import signal
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.demo", "--limit", "8", "--media-port", "0",
                             "--port", str(port)], cwd=ROOT, env=dict(os.environ, TRL_DATA=str(data)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "still at the URL above" in line:
                break
        out = "".join(lines)
        assert f"== dashboard: http://127.0.0.1:{port}" in out, out[-3000:]
        assert out.index("== dashboard: http") < out.index("== embed:") < out.index("== experiments:")
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
                    assert r.read() == b"ok"
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the dashboard never answered")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "the dashboard outlived the demo"
    finally:
        if proc.poll() is None:
            proc.kill()


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that name ``text`` (a run's data directory)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append(cmd)
    return found


def test_a_kill_during_the_stages_stops_them_too(tmp_path):
    """`kill` of the demo while its media lanes ran left transcribe and frames running as
    orphans, writing to the pipeline db with the media server gone; now they stop with it and
    no further stage starts."""
    import signal

    proc = subprocess.Popen([sys.executable, "-m", "pipeline.demo", "--limit", "8", "--media-port", "0",
                             "--no-dashboard", "--skip-experiments", "--workers", "1"], cwd=ROOT,
                            env=dict(os.environ, TRL_DATA=str(tmp_path)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(("== ocr: python", "== audio: python")):
                break
        time.sleep(1)   # the lane's stage process is up
        assert _processes_mentioning(str(tmp_path / "demo")), "".join(lines)[-2000:]
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=60)[0]
        assert proc.returncode == 130, rest[-2000:]
        assert "demo: interrupted" in rest and "== etl:" not in rest
        time.sleep(1)
        assert _processes_mentioning(str(tmp_path / "demo")) == []
    finally:
        if proc.poll() is None:
            proc.kill()
