"""What the Tune page computes on a slider change and on a sweep, on the 2022 study's corpus
(lexical configurations; indexes warm).

    .venv/bin/python bench/tune.py [--db data/study/tiktoks.db] [--changes 24] [--sweeps 5]

* **change**: one parameter moved to a value not seen before (its weight matrices dropped
  first, as after a new slider position), then the whole test set re-scored with
  :func:`core.evaluation.per_query`; and :func:`core.tuning.compare` against the study's
  best (bootstrap intervals and five paired randomisation tests), which the page adds.
* **sweep**: a 12-point :func:`core.tuning.sweep` of one parameter, weight matrices of
  every point dropped before each repetition; and the same with 5 folds.

Prints median and p95 milliseconds per parameter, and the load average and busiest
processes before and after: the machine is shared, and what else runs shows in the figures.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.config import STUDY_BEST, Config  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.evaluation import per_query  # noqa: E402
from core.store import load_queries  # noqa: E402
from core.tuning import compare, parameter_of, sweep, with_value  # noqa: E402

DEFAULT_DBS = ("data/study/tiktoks.db", "/work/main/data/study/tiktoks.db")
# (configuration, parameter key): each kind a lexical configuration can sweep
CASES = [("4gram.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)", "weighting:k1"),
         ("4gram.sr+ocr+c.noattr.bm25f(k1=0.9,b=0.4)", "weighting:c"),
         ("4gram.sr+ocr+c.noattr.lmdir", "weighting:mu"),
         ("word+4gram.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4).rrf", "fusion:k"),
         ("word+4gram.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4).zsum", "weight:0")]
POINTS = 12


def machine() -> str:
    """Load average and the busiest processes right now."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        ps = subprocess.run(["ps", "-eo", "pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True,
                            timeout=10).stdout.splitlines()[1:6]
    except (OSError, subprocess.SubprocessError):
        ps = []
    return f"load average {load} on {os.cpu_count()} cores; busiest: " + \
        ", ".join(" ".join(line.split()[::-1]) + "%" for line in ps)


def values(p, n: int) -> list[float]:
    """``n`` values across the parameter's span, none equal to the current one."""
    lo, hi = p.param.span
    out = np.geomspace(lo, hi, n) if lo > 0 and hi / lo > 20 else np.linspace(lo, hi, n)
    out = [int(round(v)) if p.param.integer else round(float(v), 4) for v in out]
    return [v + (p.param.step if v == p.value else 0) for v in out]


def forget(engine, config: Config, changed: Config) -> None:
    """Drop ``changed``'s weight matrices unless they are ``config``'s (a fusion parameter
    leaves the weighting as it was: its matrices stay warm, as on the page)."""
    if changed.weighting != config.weighting:
        engine.drop_weights(changed)


def stats(ms: list[float]) -> str:
    return f"{np.median(ms):7.1f} | {np.percentile(ms, 95):7.1f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=next((d for d in DEFAULT_DBS if Path(d).is_file()), DEFAULT_DBS[0]))
    p.add_argument("--changes", type=int, default=24, help="slider changes per parameter")
    p.add_argument("--sweeps", type=int, default=5, help="repetitions of each sweep")
    args = p.parse_args(argv)
    print(f"{args.db} · before: {machine()}", flush=True)
    t0 = time.perf_counter()
    engine = Engine.from_db(args.db)
    queries = load_queries(args.db)
    baseline = per_query(engine, STUDY_BEST, queries)
    for name, _ in CASES:
        per_query(engine, Config.parse(name), queries)   # warm: tokenised, indexed, weighted
    print(f"{engine.n_docs} documents, {len(queries)} queries; indexes warm after "
          f"{time.perf_counter() - t0:.1f} s\n", flush=True)

    ms = []
    for _ in range(args.changes):
        t = time.perf_counter()
        per_query(engine, STUDY_BEST, queries)
        ms.append((time.perf_counter() - t) * 1000)
    print("| what | parameter | median ms | p95 ms |\n| --- | --- | ---: | ---: |")
    print(f"| re-score, nothing changed | `{STUDY_BEST}` | {stats(ms)} |", flush=True)
    for name, key in CASES:
        config = Config.parse(name)
        param = parameter_of(config, key)
        score_ms, compare_ms = [], []
        for v in (values(param, args.changes)):
            changed = with_value(config, param, v)
            forget(engine, config, changed)
            t = time.perf_counter()
            pq = per_query(engine, changed, queries)
            t1 = time.perf_counter()
            compare(pq, baseline)
            score_ms.append((t1 - t) * 1000)
            compare_ms.append((time.perf_counter() - t1) * 1000)
        print(f"| change → re-score 86 queries | `{name}` {param.label} | {stats(score_ms)} |")
        print(f"| change → compare with baseline | `{name}` {param.label} | {stats(compare_ms)} |", flush=True)
    for folds in (None, 5):
        for name, key in CASES:
            config = Config.parse(name)
            param = parameter_of(config, key)
            grid = values(param, POINTS)
            ms = []
            for _ in range(args.sweeps):
                for v in grid:
                    forget(engine, config, with_value(config, param, v))
                t = time.perf_counter()
                sweep(engine, config, queries, param, grid, folds=folds)
                ms.append((time.perf_counter() - t) * 1000)
            what = f"{POINTS}-point sweep" + (f", {folds} folds" if folds else "")
            print(f"| {what} | `{name}` {param.label} | {stats(ms)} |", flush=True)
    print(f"\nafter: {machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
