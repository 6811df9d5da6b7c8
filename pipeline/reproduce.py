"""Compare our results.db with the 2022 study's, tie-aware.

    python -m pipeline.reproduce --original ../shared/study2022/results.db --results data/results.db

An original rank *agrees* when it lies in our tie range lo..hi (the study broke ties by
hash-table order), or when both are missing. Experiments are matched by configuration
(tokenisation, enrichment, attribution, SMART letters) and queries by (text, target).
The ``c``-normalised half cannot agree (the original computed wrong document lengths;
STUDY.md), so it is reported separately. The last line is one JSON object.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from core.metrics import STUDY_DOCUMENTS, missing_rank, summary
from core.results import documents_of
from core.store import read_table
from pipeline.config import count, run_cli, stage_parser

KEY = ["ngram_size", "sr", "ocr", "comments", "field_attributions",
       "term_weight", "collection_weight", "normalizer"]


def _experiments(path) -> pd.DataFrame:
    idx, exp = read_table(path, "indexes"), read_table(path, "experiments")
    if idx.empty or exp.empty:
        raise ValueError(f"{path} has no indexes/experiments tables")
    df = exp.merge(idx, on="index_id", suffixes=("", "_index"))
    df["ngram_size"] = df["ngram_size"].fillna(0).astype(int)
    return df


def compare(original, ours) -> pd.DataFrame:
    """One row per matched (experiment, query): original rank, our lo/hi, agreement."""
    eo, eu = _experiments(original), _experiments(ours)
    qo, qu = read_table(original, "queries"), read_table(ours, "queries")
    qmap = qo.merge(qu, on=["query_text", "target_id"], suffixes=("_o", "_u"))[["query_id_o", "query_id_u"]]
    ro = read_table(original, "ranking_results").merge(eo[["experiment_id"] + KEY], on="experiment_id")
    ro = ro.merge(qmap, left_on="query_id", right_on="query_id_o")
    ru = read_table(ours, "ranking_results").merge(eu[["experiment_id", "config"] + KEY], on="experiment_id")
    ru = ru.rename(columns={"query_id": "query_id_u"})
    m = ro[KEY + ["query_id_u", "target_rank"]].rename(columns={"target_rank": "original_rank"}).merge(
        ru[KEY + ["config", "query_id_u", "rank_lo", "rank_hi"]], on=KEY + ["query_id_u"])
    orig = m["original_rank"].astype(float)
    both_missing = orig.isna() & m["rank_lo"].isna()
    inside = (orig >= m["rank_lo"]) & (orig <= m["rank_hi"])
    m["agrees"] = both_missing | inside.fillna(False)
    return m


HEADLINE = ["4gram.sr+ocr+c.noattr.bpx", "5gram.sr+ocr+c.noattr.bpx", "4gram.sr+ocr+c.attr.bpx",
            "word.sr+ocr+c.noattr.bpx", "4gram.basic.noattr.bpx", "word.basic.noattr.bxx",
            "4gram.sr+ocr+c.noattr.tfx", "4gram.sr+ocr+c.noattr.bpc"]


def headline_table(m: pd.DataFrame, configs=HEADLINE, n_docs: int = STUDY_DOCUMENTS) -> str:
    """Markdown: the study's headline configurations, original figures vs ours."""
    lines = ["| configuration | original S@1 | ours S@1 | original mean rank | ours mean rank "
             "| original / ours unranked | agreement |", "|---|---|---|---|---|---|---|"]
    for cfg in configs:
        g = m[m["config"] == cfg]
        if g.empty:
            continue
        orig = g["original_rank"].astype(float)
        o_s1 = (orig == 1).mean()
        o_mean = orig.fillna(missing_rank(n_docs)).mean()
        s = summary(g["rank_lo"].to_numpy(float), g["rank_hi"].to_numpy(float), n_docs,
                    missing_rank(n_docs))
        lines.append(f"| `{cfg}` | {o_s1:.3f} ({int((orig == 1).sum())}/{len(g)}) | {s['success_at_1']:.3f} "
                     f"| {o_mean:.1f} | {s['mean_rank']:.1f} | {int(orig.isna().sum())} / {s['missing']} "
                     f"| {g['agrees'].mean():.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0], db=False, results=True)
    p.add_argument("--original", type=Path, required=True, help="the study's results.db")
    p.add_argument("--worst", type=count, default=10, help="how many least-agreeing experiments to list")
    p.add_argument("--headline", action="store_true",
                   help="also print a markdown table of the study's headline configurations")
    args = p.parse_args(argv)
    try:
        m = compare(args.original, args.results)
        meta = read_table(args.results, "meta")
        ours_exp = _experiments(args.results)
        ours_rank = read_table(args.results, "ranking_results")
    except (FileNotFoundError, ValueError) as e:
        print(f"reproduce: {e}", file=sys.stderr)
        return 2
    if m.empty:
        print(f"reproduce: no (experiment, query) pair of {args.original} matches one of {args.results}; "
              "are both results databases of the study's grid?", file=sys.stderr)
        return 2
    meta = dict(zip(meta.get("key", []), meta.get("value", [])))
    x, c = m[m["normalizer"] == "x"], m[m["normalizer"] == "c"]
    per = m.groupby("config")["agrees"].mean().sort_values()
    print(f"Matched {len(m)} (experiment, query) pairs over {m['config'].nunique()} experiments.")
    for half, rows, note in (("x", x, ""), ("c", c, " (the original's cosine lengths were wrong, so "
                                                    "this half is not expected to match)")):
        print(f"{half}-normalised half: " + (f"{rows['agrees'].mean():.4f} of {len(rows)} pairs agree "
                                             f"({int((~rows['agrees']).sum())} disagree){note}."
                                             if len(rows) else "no pairs."))
    print("Least-agreeing x-normalised experiments:")
    for cfg, a in per[per.index.isin(x["config"])].head(args.worst).items():
        print(f"  {cfg:40s} {a:.3f}")
    n_docs = documents_of(meta)
    if args.headline:
        print(headline_table(m, n_docs=n_docs))
    best = None
    for cfg, g in ours_rank.merge(ours_exp[["experiment_id", "config"]], on="experiment_id").groupby("config"):
        s = summary(g["rank_lo"].to_numpy(float), g["rank_hi"].to_numpy(float), n_docs)
        key = (s["success_at_1"], s["mrr"])
        if best is None or key > best[0]:
            best = (key, cfg, s)
    report = {
        "pairs": int(len(m)), "pairs_x": int(len(x)),
        "agreement_x": round(float(x["agrees"].mean()), 5) if len(x) else None,
        "agreement_c": round(float(c["agrees"].mean()), 5) if len(c) else None,
        "best_config": best[1], "best_success_at_1": round(best[2]["success_at_1"], 4),
        "best_mrr": round(best[2]["mrr"], 4),
        "grid_seconds": round(float(meta["grid_seconds"]), 2) if "grid_seconds" in meta else None,
        "mode": meta.get("mode"),   # None (JSON null), never NaN: the last line stays valid JSON
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    run_cli(main)
