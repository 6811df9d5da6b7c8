"""`python -m pipeline.demo` (what `make demo` runs): the whole batch pipeline on a generated
demo corpus, then the dashboard.

1. generate the demo corpus into DATA/demo (skipped when the same generator version, seed and
   limit are already there),
2. serve DATA/demo/media on 127.0.0.1 (port 8765, or a free one) and write the scraped batch
   files with media URLs pointing at that server,
3. run each stage as a subprocess: ingest -> download, then two lanes at once (ocr on half
   the workers -> frames, beside audio -> transcribe; Whisper reads the short clips several
   at a time, and frames takes every core once transcribing is done), then etl (with the
   demo queries) ->
   embed -> experiments, the dashboard starting as soon as etl has written the corpus (so
   it is up while embeddings and the grid finish). The demo's stage state lives in
   DATA/demo/pipeline.db and DATA/demo/downloads/, the corpus in DATA/tiktoks.db and the
   results in DATA/results.db. Every stage is resumable, so a second run only does what is missing,
4. print the OCR character accuracy of covers and of on-screen text and the speech-to-text
   WER against the known captions and scripts, and every stage's time,
5. keep `streamlit run serve.py` (app.py, headless, started after etl) running; Ctrl-C stops it.

DATA is `data/` unless the TRL_DATA environment variable says otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline import config
from pipeline.demo import generator
from pipeline.demo.server import DEFAULT_PORT, MediaServer
from pipeline import quality as media_quality

REPO = Path(__file__).resolve().parents[2]
MEDIA_STAGES = ("download", "ocr", "frames", "audio", "transcribe")
LANES = (("ocr", "frames"), ("audio", "transcribe"))   # independent: run side by side
# The demo's captions are dark text in white boxes: Tesseract's mode 3 reads them as well as
# "auto" (modes 3 and 11) in half the time. Its speech is English: naming the language spares
# Whisper its detection pass, a second run of the encoder on every clip.
STAGE_OPTIONS = {"transcribe": ["--engine", "whisper", "--language", "en"],
                 "ocr": ["--psm", "3"], "frames": ["--psm", "3"]}


def paths(data: Path | None = None) -> dict:
    data = Path(data or config.DATA).resolve()
    demo = data / "demo"
    return {"data": data, "demo": demo, "pipeline_db": demo / "pipeline.db",
            "media": demo / "downloads", "db": data / "tiktoks.db", "results": data / "results.db",
            "queries": demo / "queries.json", "truth": demo / "truth.json"}


_RUNNING: set = set()             # the stages' processes now running (two lanes at once)
_STOPPING = threading.Event()      # set by a `kill` of the demo: no further stage starts


def _terminate(signum, frame):
    """A `kill` of the demo stops the stages it started too (a Ctrl-C reaches them itself)."""
    _STOPPING.set()
    for proc in list(_RUNNING):
        proc.terminate()
    raise KeyboardInterrupt


def run_stage(name: str, module: str, args: list, timings: dict, required: bool) -> bool:
    """Run `python -m module args` and time it; a required stage that fails stops the demo."""
    if _STOPPING.is_set():
        raise KeyboardInterrupt
    print(f"\n== {name}: python -m {module} {' '.join(map(str, args))}", flush=True)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", module, *map(str, args)], cwd=REPO)
    _RUNNING.add(proc)
    try:
        rc = proc.wait()
    finally:
        _RUNNING.discard(proc)
    if _STOPPING.is_set():
        raise KeyboardInterrupt
    timings[name] = time.monotonic() - t0
    print(f"== {name}: exit {rc} after {timings[name]:.1f} s", flush=True)
    if rc != 0:
        if required:
            raise SystemExit(f"demo: stage {name} failed (exit {rc})")
        note = ("some items failed; they are recorded with reasons" if name in MEDIA_STAGES
                else "see its message above")
        print(f"   ({note}; the demo continues)", flush=True)
    return rc == 0


def print_report(db_path: Path, quality: dict) -> None:
    con = sqlite3.connect(db_path)
    try:
        n, usable = con.execute("select count(*), coalesce(sum(usable), 0) from tiktoks").fetchone()
        nq = con.execute("select count(*) from queries").fetchone()[0]
    finally:
        con.close()
    print(f"\n== corpus: {db_path}: {n} TikToks, {usable} usable, {nq} test queries")
    if quality["n"]:
        print(f"== quality over {quality['n']} usable demo videos: OCR character accuracy "
              f"{quality['ocr_char_accuracy']:.1%} (covers), "
              f"{quality['screen_char_accuracy']:.1%} (on-screen text of the frames), "
              f"speech-to-text WER {quality['wer']:.1%}")
    else:
        print("== quality: no usable demo videos to measure")


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def start_dashboard(port: int, p: dict) -> subprocess.Popen | None:
    """Start `streamlit run app.py` (headless) on 127.0.0.1 and print its URL; None when the
    checkout has no app."""
    app = REPO / "serve.py"   # app.py, with the first search's work done at start (ui/warm.py)
    if not app.exists():
        print("\n== dashboard: serve.py is not in this checkout; nothing to start")
        return None
    port = free_port(port)
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]
    env = dict(os.environ, TRL_DATA=str(p["data"]))
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)   # a `kill` of the demo stops it too (main)
    print(f"\n== dashboard: http://127.0.0.1:{port}  (Ctrl-C to stop)", flush=True)
    return proc


def serve(proc: subprocess.Popen | None) -> int:
    """Wait on the dashboard until Ctrl-C (or a `kill` of the demo), then stop it."""
    if proc is None:
        return 0
    try:   # a signal from here on is a request to stop: said inside the try, so never missed
        print("\n== dashboard: still at the URL above (Ctrl-C to stop)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(proc)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-dashboard", action="store_true", help="stop after the pipeline (CI)")
    ap.add_argument("--port", type=int, default=8501, help="dashboard port")
    ap.add_argument("--media-port", type=int, default=DEFAULT_PORT,
                    help="port of the demo media server (falls back to a free one)")
    ap.add_argument("--limit", type=config.positive_int, default=None, help="only the first N demo records")
    ap.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
    ap.add_argument("--workers", type=config.positive_int, default=2, help="worker processes per stage")
    ap.add_argument("--skip-experiments", action="store_true", help="do not run the grid")
    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    p = paths()
    t_start = time.monotonic()
    timings: dict = {}

    t0 = time.monotonic()
    if generator.generate(p["demo"], a.seed, a.limit, workers=a.workers):
        # a new corpus: the old demo stage state belongs to other ids
        p["pipeline_db"].unlink(missing_ok=True)
        shutil.rmtree(p["media"], ignore_errors=True)
        print(f"== generate: demo corpus written to {p['demo']}")
    else:
        print(f"== generate: demo corpus in {p['demo']} is up to date")
    timings["generate"] = time.monotonic() - t0

    w = ["--workers", a.workers]
    stage_io = ["--pipeline-db", p["pipeline_db"], "--media", p["media"]]
    with MediaServer(p["demo"] / "media", port=a.media_port) as srv:
        print(f"== media server: {srv.url} serving {srv.directory}", flush=True)
        batches = generator.write_batches(p["demo"], srv.url)
        run_stage("ingest", "pipeline.ingest", ["--pipeline-db", p["pipeline_db"], *batches],
                  timings, required=True)
        run_stage("download", "pipeline.download", [*stage_io, *w], timings, required=False)
        lane_workers = {"ocr": max(1, a.workers // 2)}

        def lane(stages):
            for stage in stages:
                run_stage(stage, f"pipeline.{stage}",
                          [*stage_io, "--workers", lane_workers.get(stage, a.workers),
                           "--no-progress", *STAGE_OPTIONS.get(stage, [])], timings,
                          required=False)
        t0 = time.monotonic()
        with ThreadPoolExecutor(len(LANES)) as pool:
            list(pool.map(lane, LANES))
        timings["media lanes (wall)"] = time.monotonic() - t0
    run_stage("etl", "pipeline.etl", ["--pipeline-db", p["pipeline_db"], "--db", p["db"],
                                      "--queries", p["queries"], "--collection", "demo",
                                      "--source", "demo"], timings, required=True)
    # the corpus is searchable now: open the dashboard while embeddings and the grid finish
    # (its dense presets and Experiments page pick them up when they land)
    dashboard = None
    try:
        if not a.no_dashboard:
            dashboard = start_dashboard(a.port, p)
            print(f"   (started {time.monotonic() - t_start:.0f} s into the demo; embeddings and the "
                  "experiment grid are still running)", flush=True)
        run_stage("embed", "pipeline.embed", ["--db", p["db"]], timings, required=False)
        if not a.skip_experiments:
            run_stage("experiments", "pipeline.experiments",
                      ["--db", p["db"], "--results", p["results"], "--mode", "default"], timings,
                      required=False)
    except BaseException:
        stop(dashboard)
        raise
    quality = media_quality.measure(p["db"], p["truth"])
    (p["demo"] / "quality.json").write_text(json.dumps(quality, indent=1) + "\n")
    print_report(p["db"], quality)
    print(f"== pipeline finished in {time.monotonic() - t_start:.1f} s; per stage "
          f"(the two media lanes ran side by side):", flush=True)
    for k, v in timings.items():
        print(f"   {k:<20} {v:7.1f} s")
    return serve(dashboard)


if __name__ == "__main__":
    config.run_cli(main)
