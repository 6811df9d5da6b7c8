"""Benchmark: the whole 2022 grid, import included, against the study's 4,029 s.

    .venv/bin/python bench/grid.py [--study ../shared/study2022] [--mode study2022]

Prints: import seconds, grid seconds, total and its ratio to the study's 4,029 s; the time
to re-evaluate one configuration's 86 queries from a cached index (median of 20); and the
peak resident memory of this process and of its largest worker.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import STUDY_BEST  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.grid import run_grid  # noqa: E402
from core.store import load_corpus, load_queries, write_corpus  # noqa: E402
from pipeline.import_study import load_study  # noqa: E402

STUDY_SECONDS = 4029


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--study", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "study2022")
    p.add_argument("--mode", default="study2022", choices=("study2022", "default"))
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes for the grid (one tokenisation per task)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tiktoks.db"
        t0 = time.perf_counter()
        tiktoks, comments, queries, meta, _ = load_study(args.study)
        write_corpus(db, tiktoks, comments, queries, meta)
        corpus, qs = load_corpus(db), load_queries(db)
        t_import = time.perf_counter() - t0
        engine = Engine(corpus, args.mode)
        result = run_grid(engine.source, qs, workers=args.workers)
        total = t_import + result.seconds
        engine.rank_queries(STUDY_BEST, qs)  # build and cache the index
        times = []
        for _ in range(20):
            t = time.perf_counter()
            engine.rank_queries(STUDY_BEST, qs)
            times.append(time.perf_counter() - t)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"import            {t_import:8.2f} s")
    print(f"grid (960 exps)   {result.seconds:8.2f} s   mode {args.mode}, {args.workers} worker(s)")
    print(f"total             {total:8.2f} s   = 1/{STUDY_SECONDS / total:.0f} of the study's "
          f"{STUDY_SECONDS} s (ratio {total / STUDY_SECONDS:.4f})")
    print(f"re-evaluate {STUDY_BEST} on {len(qs)} queries from a cached index: "
          f"{statistics.median(times) * 1000:.1f} ms (median of 20)")
    print(f"peak memory       {peak_mb:8.0f} MB in this process, {child_mb:.0f} MB in the largest worker")


if __name__ == "__main__":
    main()
