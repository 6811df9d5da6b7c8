"""More freedom on pseudo-queries: every component's fusion weight tuned by coordinate ascent.

    .venv/bin/python bench/weights.py --db /tmp/pseudo/tiktoks.db --pseudo pseudo.json --held held.json \
        [--lexical 'bm25(b=0.7,k1=1.5)'] [--components 4gram word dense …] [--repeats 3] [--out bench/out/weights.md]

The families of ``core.families`` tune one or two weights over a small grid. With thousands
of pseudo-queries a tuner can afford more: here the weight of every component of one fused
configuration (``zsum``: Σ_c w_c · z_c, the first component's weight fixed at 1) is chosen by
coordinate ascent on MRR (each other weight in turn over ``GRID``, rounds until nothing
improves, at most 3), starting from the configuration ``--config best`` deploys. Tuned on
the pseudo-queries (``--pseudo``, scored without their own comments) it is scored on the
real queries (never seen) and the held-aside ones; tuned on the real queries it is scored by
5-fold CV over them (``--repeats`` splits), alone and with the pseudo-queries' MRR mixed into
its objective (α · real + (1 − α) · pseudo).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.quality import report  # noqa: E402
from core.config import Config  # noqa: E402
from core.crossval import fold_ids  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.evaluation import per_query_from_ranks  # noqa: E402
from core.fusion.normalise import z_matched  # noqa: E402
from core.metrics import target_ranks  # noqa: E402
from core.store import load_corpus, load_queries  # noqa: E402
from pipeline.evaluate import read_query_set  # noqa: E402

GRID = (0, 0.25, 0.5, 0.75, 1, 1.5, 2)
COMPONENTS = ("4gram", "word", "dense", "dense~ocr~sr", "dense~c~only", "dense~mpnet~ocr~sr",
              "dense~c~mpnet~only", "dense~mpnet~ocr~sr~w64", "dense~ocr~sr~w64")
START = {"4gram": 1.0, "dense~mpnet~ocr~sr": 0.5, "dense~c~mpnet~only": 0.5}   # --config best


class QuerySet:
    """One query set's z-scored components, so any weight vector is scored by one product."""

    def __init__(self, engine: Engine, queries: pd.DataFrame, config: Config):
        texts = queries["query_text"].tolist()
        parts = [engine.component_scores(config, c, texts) for c in config.components]
        self.queries = queries
        self.z = np.stack([z_matched(s, m) for s, m in parts])
        self.matched = np.logical_or.reduce([m for _, m in parts])
        self.targets = engine.target_positions(queries["target_id"])

    def rows(self, weights) -> pd.DataFrame:
        lo, hi = target_ranks(np.tensordot(weights, self.z, 1), self.matched, self.targets)
        return per_query_from_ranks(self.queries, lo, hi)


def ascend(objective, start) -> np.ndarray:
    w, best = np.array(start, float), objective(start)
    for _ in range(3):
        improved = False
        for i in range(1, len(w)):
            for g in GRID:
                v = w.copy()
                v[i] = g
                if (f := objective(v)) > best + 1e-9:
                    best, w, improved = f, v, True
        if not improved:
            break
    return w


def figures(rows: pd.DataFrame) -> str:
    return f"{rows['s1'].mean():.3f} / {rows['rr'].mean():.3f}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--pseudo", type=Path, required=True)
    p.add_argument("--held", type=Path, required=True)
    p.add_argument("--lexical", default="bm25(b=0.7,k1=1.5)")
    p.add_argument("--components", nargs="+", default=list(COMPONENTS))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--out", default="bench/out/weights.md")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    config = Config.parse("+".join(args.components) + f".sr+ocr+c.noattr.{args.lexical}.zsum")
    names = list(config.tokens)
    tune_q, _, tune_own = read_query_set(args.pseudo)
    held_q, _, held_own = read_query_set(args.held)
    real = QuerySet(Engine(load_corpus(args.db)), load_queries(args.db), config)
    pseudo = QuerySet(Engine(load_corpus(args.db, exclude_comments=tune_own)), tune_q, config)
    held = QuerySet(Engine(load_corpus(args.db, exclude_comments=held_own)), held_q, config)
    start = np.array([START.get(n, 0.0) for n in names])
    pseudo_mrr: dict = {}

    def on_pseudo(w):
        key = tuple(w)
        if key not in pseudo_mrr:
            pseudo_mrr[key] = pseudo.rows(w)["rr"].mean()
        return pseudo_mrr[key]

    def weights(w):
        return ", ".join(f"{n} {x:g}" for n, x in zip(names, w) if x)

    out = [f"Corpus {args.db}: {len(real.queries)} real queries, {len(pseudo.queries)} pseudo-queries to "
           f"tune on, {len(held.queries)} held aside; components {', '.join(names)} over "
           "basic+OCR+speech+comments, lexical "
           f"{args.lexical}, z-sum. S@1 / MRR.", "",
           "| weights | tuned on | real (86) | held-aside pseudo | tuning pseudo |", "|:--|:--|:--|:--|:--|"]
    tuned = ascend(on_pseudo, start)
    for label, w in (("start (`--config best`)", start), ("pseudo-queries", tuned)):
        out.append(f"| {weights(w)} | {label} | {figures(real.rows(w))} | {figures(held.rows(w))} | "
                   f"{figures(pseudo.rows(w))} |")
    qids = real.queries["query_id"].to_numpy()
    out += ["", f"Tuned on the real queries, 5-fold CV over them (seeds {args.seed}–{args.seed + args.repeats - 1}):", "",
            "| objective | " + " | ".join(f"seed {args.seed + r}" for r in range(args.repeats)) + " |",
            "|:--|" + "--|" * args.repeats]
    for alpha in (1.0, 0.5, 0.2):
        cells = []
        for r in range(args.repeats):
            held_out = []
            for fold in fold_ids(qids, 5, args.seed + r):
                test = np.isin(qids, fold)

                def objective(w, test=test):
                    mrr = real.rows(w)["rr"].to_numpy()[~test].mean()
                    return alpha * mrr + ((1 - alpha) * on_pseudo(w) if alpha < 1 else 0.0)

                held_out.append(real.rows(ascend(objective, start))[test])
            cells.append(figures(pd.concat(held_out)))
        label = "real" if alpha == 1 else f"{alpha:g} · real + {1 - alpha:g} · pseudo"
        out.append(f"| {label} | " + " | ".join(cells) + " |")
        print(f"α {alpha}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    out += ["", f"Bench time {time.perf_counter() - t0:.0f} s."]
    return report(out, args.out)


if __name__ == "__main__":
    sys.exit(main())
