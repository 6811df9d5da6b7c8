"""What spawning a stage's workers costs against forking them.

    .venv/bin/python bench/workers.py [--pipeline-db data/demo/pipeline.db]
        [--media data/demo/downloads] [--stage ocr] [--runs 3] [--workers 2]

Runs ``pipeline.<stage> --all`` on a copy of a pipeline database ``--runs`` times with
forked workers (the default) and ``--runs`` times with spawned ones (what
``core.workers.worker_pool`` does once the process has built a Whisper model), alternating,
each in a fresh Python process, and prints the wall times, their medians and the ratio
spawn / fork. Needs a pipeline database that has been through the stage's source (``make
demo`` leaves one). Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = ("import sys\n"
       "from core import workers\n"
       "if sys.argv[1] == 'spawn':\n"
       "    workers.threads_started('ctranslate2')   # as pipeline.whisper says after a model\n"
       "import importlib\n"
       "sys.exit(importlib.import_module('pipeline.' + sys.argv[2]).main(sys.argv[3:]))\n")


def one_run(how: str, stage: str, db: Path, media: Path, workers: int) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUN, how, stage, "--pipeline-db", str(db),
                    "--media", str(media), "--workers", str(workers), "--all",
                    "--no-progress"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pipeline-db", type=Path, default=ROOT / "data/demo/pipeline.db")
    p.add_argument("--media", type=Path, default=ROOT / "data/demo/downloads")
    p.add_argument("--stage", default="ocr")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    if not args.pipeline_db.is_file():
        sys.exit(f"no pipeline database {args.pipeline_db}: run `make demo` or pass --pipeline-db")
    times = {"fork": [], "spawn": []}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "pipeline.db"
        shutil.copyfile(args.pipeline_db, db)
        for _ in range(args.runs):
            for how in times:
                times[how].append(one_run(how, args.stage, db, args.media, args.workers))
    for how, ts in times.items():
        print(f"{how:5}  pipeline.{args.stage} --all, {args.workers} workers: "
              f"{', '.join(f'{t:.1f}' for t in ts)} s; median {statistics.median(ts):.1f} s")
    ratio = statistics.median(times["spawn"]) / statistics.median(times["fork"])
    print(f"spawn / fork: {ratio:.2f}")


if __name__ == "__main__":
    main()
