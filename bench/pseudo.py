"""Choosing the method with pseudo-queries: four ways of choosing, scored on three query sets.

    .venv/bin/python bench/pseudo.py --db /tmp/pseudo/tiktoks.db --pseudo pseudo.json --held held.json \
        [--demo-db DEMO/tiktoks.db] [--repeats 20] [--families TEXT|=NAME ...] [--no-dense] [--out bench/out/pseudo.md]

``--pseudo`` and ``--held`` are ``pipeline.pseudo_queries``' tuning and held-aside files for
the corpus ``--db``, whose own queries are the real ones. The ways of choosing, each a tuner
over the real queries (core/crossval.py, core/transfer.py):

* **real only**: a family chosen by inner CV on the real queries, then tuned on them
  (``core.crossval.family_tuner``: what ``--config best`` deploys without ``--tune-queries``);
* **pseudo-tuned, real-chosen**: each family tuned on the pseudo-queries, the family chosen
  by the real queries alone (the same tuner with weight 0);
* **pseudo-confirmed**: each family tuned on the pseudo-queries, the family chosen by half
  pseudo, half real (``core.transfer.pseudo_confirmed_tuner``: ``--tune-queries``);
* **pseudo only**: the same with all the weight on the pseudo-queries (the real ones unused).

Figures: on the real queries, 5-fold CV over them (seed 2022) with a bootstrap 95% CI, and
the mean and range over ``--repeats`` fold splits; the configuration each way deploys (chosen
with all the real queries) on the held-aside pseudo-queries, scored without their own
comments, and on the demo corpus's queries (``--demo-db``: another corpus, nothing tuned on
it), each with a bootstrap 95% CI.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from bench.quality import ci, report, spread  # noqa: E402
from core.config import Config  # noqa: E402
from core.crossval import ScoreTable, cross_validate, family_tuner, table_evaluator  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.evaluation import per_query, summarise  # noqa: E402
from core.families import available_families  # noqa: E402
from core.store import load_corpus, load_queries  # noqa: E402
from core.transfer import pseudo_confirmed_tuner, untrained  # noqa: E402
from pipeline.evaluate import read_query_set  # noqa: E402


# each way of choosing -> the weight of the pseudo-queries in the family vote (None: no pseudo)
WAYS = {"real only": None, "pseudo-tuned, real-chosen": 0.0, "pseudo-confirmed": 0.5, "pseudo only": 1.0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--pseudo", type=Path, required=True)
    p.add_argument("--held", type=Path, required=True)
    p.add_argument("--demo-db", default=None)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--families", nargs="+", default=None, metavar="TEXT")
    p.add_argument("--no-dense", action="store_true")
    p.add_argument("--out", default="bench/out/pseudo.md")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    real_q = load_queries(args.db)
    tune_q, _, tune_own = read_query_set(args.pseudo)
    held_q, _, held_own = read_query_set(args.held)
    full = Engine(load_corpus(args.db))
    real = ScoreTable(full, real_q)
    held_engine = Engine(load_corpus(args.db, exclude_comments=held_own))
    fams = [f for f in available_families(False if args.no_dense else None)
            if not args.families or any(w[1:] == f.name if w.startswith("=") else w.lower() in f.name.lower()
                                        for w in args.families)]
    tune_q, fams, note = untrained(tune_q, fams)   # as pipeline.evaluate: no model scored on its training
    if note:
        print(f"pseudo: {note}", file=sys.stderr, flush=True)
    pseudo = ScoreTable(Engine(load_corpus(args.db, exclude_comments=tune_own)), tune_q)
    grids = {f.name: list(f.candidates) for f in fams}
    print(f"{len(fams)} families, {sum(map(len, grids.values()))} candidates; real {len(real_q)}, "
          f"pseudo {len(tune_q)}, held aside {len(held_q)}", file=sys.stderr, flush=True)

    def rule(name: str, seed: int, picked: list):
        if WAYS[name] is None:
            return family_tuner(real, grids, k=args.folds, seed=seed, chosen_families=picked)
        return pseudo_confirmed_tuner(pseudo, real, grids, weight=WAYS[name], chosen_families=picked)

    demo = Engine.from_db(args.demo_db) if args.demo_db else None
    demo_q = load_queries(args.demo_db) if args.demo_db else None
    rows, chosen = [], {}
    for name in WAYS:
        t = time.perf_counter()
        picked: list = []
        cv = cross_validate(real_q, rule(name, args.seed, picked), table_evaluator(real), args.folds, args.seed)
        s = summarise(cv.per_query)
        again = [cross_validate(real_q, rule(name, args.seed + r, []), table_evaluator(real), args.folds,
                                args.seed + r).per_query for r in range(args.repeats)]
        deployed_family: list = []
        deployed = rule(name, args.seed, deployed_family)(real_q)
        chosen[name] = (deployed, deployed_family[0], sorted(set(picked)))
        h = summarise(per_query(held_engine, Config.parse(deployed), held_q))
        row = {"choosing": name, "real: CV S@1 [95% CI]": ci(s, "success_at_1"), "real: CV MRR [95% CI]": ci(s, "mrr"),
               f"real: {args.repeats}× CV S@1": spread([pq["s1"].mean() for pq in again]),
               f"real: {args.repeats}× CV MRR": spread([pq["rr"].mean() for pq in again]),
               f"held-aside pseudo ({len(held_q)}): S@1": ci(h, "success_at_1"),
               f"held-aside pseudo: MRR": ci(h, "mrr")}
        if demo is not None:
            d = summarise(per_query(demo, Config.parse(deployed), demo_q))
            row |= {f"demo ({len(demo_q)}): S@1": ci(d, "success_at_1"), "demo: MRR": ci(d, "mrr")}
        rows.append(row)
        print(f"{name}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows).set_index("choosing").T
    out = [f"Corpus {args.db}: {full.n_docs} documents; {len(real_q)} real queries, {len(tune_q)} pseudo-queries "
           f"to tune on{f' ({note})' if note else ''}, {len(held_q)} held aside; {len(fams)} families ({sum(map(len, grids.values()))} "
           f"candidates); {args.folds}-fold CV over the real queries (seed {args.seed}, repeated with seeds "
           f"{args.seed}–{args.seed + args.repeats - 1}); bench time {time.perf_counter() - t0:.0f} s.", "",
           table.to_markdown(), "", "Deployed (chosen with all the real queries):", ""]
    out += [f"* {k}: `{c}` ({f}); families chosen across the seed-{args.seed} folds: {', '.join(fs)}"
            for k, (c, f, fs) in chosen.items()]
    return report(out, args.out)


if __name__ == "__main__":
    sys.exit(main())
