"""Per-query latency of fused, field-weighted and dense configurations (indexes warm).

    .venv/bin/python bench/speed.py [--db data/study/tiktoks.db] [--no-dense]

Each study query is answered alone (``Engine.scores(config, [query])``), as the dashboard
does, after one warm-up pass that builds indexes, weight matrices and (for dense) loads
the cached document embeddings. Prints p50/p95/max milliseconds per configuration.
Targets: fused or field-weighted ≤ 50 ms p95; dense (all-MiniLM-L6-v2) ≤ 30 ms per query;
all-mpnet-base-v2 is a 12-layer model and is measured, not held to that target.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from core.config import Config  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.store import load_queries  # noqa: E402

LEXICAL = ["4gram.all.noattr.bm25(k1=0.9,b=0.4)", "4gram.all.noattr.bm25f(k1=0.9,b=0.3,desc=1,ocr=2,c=0.5)",
           "word+4gram.all.noattr.bm25(k1=0.9,b=0.4).rrf(k=60)", "word+4gram.all.noattr.bm25(k1=0.9,b=0.4).zsum",
           "word~fuzzy~split.all.noattr.bm25(k1=0.9,b=0.4)"]
DENSE = ["dense.all.noattr.cos", "4gram+dense.all.noattr.bm25(k1=0.5,b=0.7).zsum",
         "4gram+dense~ocr~sr.all.noattr.bm25(k1=0.5,b=0.7).zsum",
         "word+4gram+dense.all.noattr.bm25(k1=0.9,b=0.4).zsum",
         "4gram+dense~c~only+dense~ocr~sr.all.noattr.bm25(k1=0.5,b=0.7).zsum(dense~c~only=0.25,dense~ocr~sr=0.75)",
         "dense~mpnet~ocr~sr.all.noattr.cos", "4gram+dense~mpnet~ocr~sr.all.noattr.bm25(k1=0.5,b=0.4).zsum(dense=0.75)",
         "dense~ocr~sr~w64.all.noattr.cos",
         "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.all.noattr.bm25(k1=0.9,b=0.4).zsum"]


def forget_query_embeddings(engine) -> None:
    """Time real query encoding, not the memo."""
    for index in engine._dense.values():
        index._queries.clear()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="data/study/tiktoks.db")
    p.add_argument("--no-dense", action="store_true")
    args = p.parse_args(argv)
    engine = Engine.from_db(args.db)
    texts = load_queries(args.db)["query_text"].tolist()
    print("| configuration | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: |")
    for name in LEXICAL + ([] if args.no_dense else DENSE):
        cfg = Config.parse(name)
        engine.scores(cfg, texts[:1])  # warm-up: indexes and weights
        forget_query_embeddings(engine)
        times = []
        for q in texts:
            t = time.perf_counter()
            engine.scores(cfg, [q])
            times.append((time.perf_counter() - t) * 1000)
            forget_query_embeddings(engine)
        t = np.array(times)
        print(f"| `{cfg}` | {np.percentile(t, 50):.1f} | {np.percentile(t, 95):.1f} | {t.max():.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
