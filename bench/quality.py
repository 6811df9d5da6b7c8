"""Retrieval quality on the 2022 study's queries: every method family, cross-validated.

    .venv/bin/python bench/quality.py [--db data/study/tiktoks.db] [--folds 5] [--seed 2022]
                                      [--repeats 20] [--no-dense] [--out bench/out/quality.md]

For each family (core.families) the table gives the untuned default and the k-fold
cross-validated figure: parameters chosen on the training folds by MRR, scored on the
held-out fold (core.crossval). Figures are means over queries with percentile bootstrap
95% CIs, and the mean and range of CV Success@1 and MRR over ``--repeats`` different fold
splits (one split of 86 queries moves MRR by ±0.01); then paired tests of every CV'd family
against the study's best (Holm-adjusted), and the win/loss counts. The last two rows choose among all families inside each training
fold: the single best of every candidate, and nested selection (an inner CV on the
training queries picks the family, core.crossval.family_tuner), which is what
``pipeline.evaluate --config best`` deploys.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from core.crossval import (ScoreTable, cross_validate, cross_validate_grid, family_tuner,  # noqa: E402
                           table_evaluator)
from core.engine import Engine  # noqa: E402
from core.evaluation import paired_tests, summarise, tag_breakdown, win_loss  # noqa: E402
from core.families import Family, available_families  # noqa: E402
from core.store import load_queries  # noqa: E402


POOLED = "All families pooled: best candidate on the training folds"
NESTED = "Family chosen by inner CV, then tuned (what --config best deploys)"


def spread(values) -> str:
    return f"{sum(values) / len(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def ci(row, name, pct=False):
    f = (lambda v: f"{v:.3f}") if not pct else (lambda v: f"{v:.1f}")
    return f"{f(row[name])} [{f(row[name + '_lo'])}, {f(row[name + '_hi'])}]"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="data/study/tiktoks.db")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--repeats", type=int, default=20,
                   help="also repeat the CV with this many fold splits (seeds seed…seed+R-1)")
    p.add_argument("--no-dense", action="store_true")
    p.add_argument("--out", default="bench/out/quality.md")
    args = p.parse_args(argv)
    engine = Engine.from_db(args.db)
    queries = load_queries(args.db)
    table = ScoreTable(engine, queries)
    fams = available_families(False if args.no_dense else None)
    grids = {f.name: f.candidates for f in fams}
    pool = tuple(dict.fromkeys(c for f in fams for c in f.candidates))
    fams = fams + [Family(POOLED, pool[0], pool), Family(NESTED, pool[0], pool)]
    rows, cv_results, chosen = [], {}, {}
    t0 = time.perf_counter()
    def run_cv(fam: Family, seed: int):
        if fam.name != NESTED:
            return cross_validate_grid(table, fam.candidates, k=args.folds, seed=seed)
        picked: list[str] = []
        cv = cross_validate(table.queries, family_tuner(table, grids, k=args.folds, seed=seed,
                                                        chosen_families=picked),
                            table_evaluator(table), args.folds, seed)
        cv.chosen = [f"{c} ({f})" for c, f in zip(cv.chosen, picked)]
        return cv

    for fam in fams:
        t = time.perf_counter()
        cv = run_cv(fam, args.seed)
        s = summarise(cv.per_query)
        cv_results[fam.name] = cv.per_query
        chosen[fam.name] = cv.chosen
        again = [run_cv(fam, args.seed + r).per_query for r in range(args.repeats)]
        if fam.name in (POOLED, NESTED):
            untuned = {"default S@1": "—", "default MRR": "—"}
        else:
            default = summarise(table.rows(fam.default).reset_index(drop=True))
            untuned = {"default S@1": f"{default['success_at_1']:.3f}", "default MRR": f"{default['mrr']:.3f}"}
        rows.append({"method": fam.name, "candidates": len(fam.candidates), **untuned,
                     "CV S@1 [95% CI]": ci(s, "success_at_1"), "CV S@5": f"{s['success_at_5']:.3f}",
                     "CV S@10": f"{s['success_at_10']:.3f}", "CV MRR [95% CI]": ci(s, "mrr"),
                     "CV mean rank [95% CI]": ci(s, "mean_rank", pct=True),
                     f"{args.repeats}× CV S@1 mean (range)": spread([pq["s1"].mean() for pq in again]),
                     f"{args.repeats}× CV MRR mean (range)": spread([pq["rr"].mean() for pq in again])})
        print(f"{fam.name}: {len(fam.candidates)} candidates, {time.perf_counter() - t:.1f} s",
              file=sys.stderr, flush=True)
    df = pd.DataFrame(rows)
    base = fams[0].name
    tests = paired_tests(cv_results, baseline=base)
    wl = win_loss(cv_results, baseline=base)
    tags = tag_breakdown(cv_results)
    out = [f"Queries: {len(queries)}, documents: {engine.n_docs}, normalisation {engine.mode}, "
           f"{args.folds}-fold CV over queries (seed {args.seed}; repeated with seeds {args.seed}–"
           f"{args.seed + args.repeats - 1} for the last two columns), tuned on MRR; "
           f"bench time {time.perf_counter() - t0:.0f} s.", "", df.to_markdown(index=False), "",
           "Paired tests (held-out MRR per query, vs the study's best):", "",
           tests.to_markdown(index=False, floatfmt=".4f"), "", wl.to_markdown(index=False), "",
           "Success@1 by query tag (CV):", "",
           tags.pivot_table(index=["tag", "value"], columns="config", values="success_at_1")
           .to_markdown(floatfmt=".3f"), "", "Chosen per fold:", ""]
    out += [f"* {k}: {', '.join(dict.fromkeys(v))}" for k, v in chosen.items()]
    return report(out, args.out)


def report(lines: list[str], path) -> int:
    """Print a bench's markdown report and write it to ``path``."""
    text = "\n".join(lines)
    print(text)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
