"""Score a query file against a corpus with one configuration (or the tuned best).

    python -m pipeline.evaluate --db data/study/tiktoks.db --queries ../shared/study2022/queries.json \
        [--config NAME|best] [--tune-queries FILE|auto|own] [--families TEXT ...] [--budget MIN] [--embed-cache FILE] \
        [--mode default|study2022] [--per-query] [--run-out RUN --qrels-out QRELS]

``--queries`` is a JSON list in the 2022 study's queries.json format (``text``, ``target``,
optional ``author`` and the five tag booleans). Pseudo-queries (pipeline.pseudo_queries) are
scored against the corpus without the comments they came from. ``--config`` is any configuration string
(core/config.py) or ``best``: the configuration chosen among every method family's
candidates (core/families.py), by MRR. How depends on ``--tune-queries``:

* ``auto`` (the default): when the database's comments give 200 or more pseudo-queries
  (core/pseudo_queries.py defaults, the held-aside 20% of videos left out), every family's
  parameters are tuned on them and the family is the one whose tuned configuration does best
  on the pseudo-queries and the database's own queries, ``--tune-weight`` (0.5) of the vote to
  the former (core/transfer.py; cached by content as
  ``data/index-cache/best-<key>.json``, so a copy of the database finds it). Fewer: as ``own``.
* ``FILE``: the same with the queries of FILE (queries.json format) as the tuning set.
* ``own``: on the database's own queries alone, a family chosen by cross-validation and tuned
  on all of them (core/families.py ``best_config``, cached by content as
  ``data/index-cache/best-<key>.json``, so a copy of the database finds it).

Scoring the database's own queries with ``best`` is in-sample either way; the honest figures
are the cross-validated ones of bench/quality.py and bench/pseudo.py.
Before tuning, ``best`` prints each family it evaluates with what it will cost to embed (texts
not in the embedding cache, minutes at this machine's measured rate), then embeds them under
progress bars; ``--families`` limits the search to families whose names contain a given text,
and ``--budget`` (minutes, default 10) leaves out the families whose embedding would take the
estimated total past it (the choice then rests on the others; it says which it left out).

With a tuning set, its figures (in-sample) are printed beside the scoring set's, both with
bootstrap intervals. ``--run-out``/``--qrels-out`` write the scoring queries' ranking as a TREC run and
their targets as qrels (core/trec.py), for trec_eval or ranx.

Prints a short human summary, then as its last line one JSON object with config, queries,
success_at_1, success_at_10, mrr, mean_rank (missing ranks counted as the middle of the
corpus, as the study did), ``intervals`` (each with its 95% bootstrap interval) and, when
tuned on pseudo-queries or a ``--tune-queries`` file, ``tuning`` (the tuning set's in-sample figures).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd

from core.config import Config
from core.dense import DenseUnavailable
from core.engine import Engine
from core.evaluation import per_query, summarise
from core.index_cache import IndexCache
from core.outputs import check_outputs
from core.pseudo_queries import own_comments
from core.store import load_corpus, load_queries
from core.text import MODES
from core.trec import qrels_lines, run_lines
from pipeline.config import (add_embed_cache, fraction, non_negative_float, positive_int,
                             printable, run_cli, stage_parser, use_embed_cache)
from pipeline.import_study import ImportError_, query_rows, read_json


def read_queries(path: Path) -> tuple[pd.DataFrame, list[str]]:
    queries, problems, _ = read_query_set(path)
    return queries, problems


def read_query_set(path: Path) -> tuple[pd.DataFrame, list[str], set[tuple[str, int]]]:
    """(queries, problems, the comments pseudo-queries came from: core/pseudo_queries.py)."""
    problems: list[str] = []
    data = read_json(path)
    rows = query_rows(data, path.name, "evaluate", problems)
    return pd.DataFrame(rows), problems, own_comments(data)


def engine_without(db, comments: set, mode, engines: dict) -> Engine:
    """An engine on the corpus without ``comments`` (a pseudo-query set's own), one per set."""
    key = frozenset(comments)
    if key not in engines:
        engines[key] = Engine(load_corpus(db, exclude_comments=key), mode, IndexCache())
    return engines[key]


def budgeted_families(engine: Engine, wanted: list[str] | None, budget_min: float = 10.0):
    """The families ``best`` evaluates, each printed with its embed cost, and everything they
    need embedded (progress bars); ValueError when none match.

    The budget rule: families are taken in order, and one whose embeddings (beyond what is
    cached or already planned) would take the estimated total past ``budget_min`` minutes is
    left out and said so — unless ``wanted`` names it, which always includes it."""
    from core.dense.budget import cost, needs, prepare
    from core.families import available_families
    from pipeline.embed import progress_bars
    fams = [f for f in available_families()
            if not wanted or any(w.lower() in f.name.lower() for w in wanted)]
    if not fams:
        raise ValueError(f"no method family matches {wanted}; names: "
                         + "; ".join(f.name for f in available_families()))
    print(f"evaluate: choosing 'best' among {len(fams)} families (embedding budget "
          f"{budget_min:g} min):", file=sys.stderr)
    kept, planned, total = [], [], 0.0
    for f in fams:
        sets = needs(map(Config.parse, f.candidates)) if f.dense else []
        texts, secs = cost(engine, [n for n in sets if n not in planned]) if sets else (0, 0.0)
        if secs and total + secs > budget_min * 60 and not wanted:
            print(f"  skipped {f.name}: {texts} texts to embed (about {secs / 60:.1f} min) would pass "
                  f"the budget; --budget {int((total + secs) / 60) + 1} or --families to include it",
                  file=sys.stderr)
            continue
        kept.append(f)
        planned += [n for n in sets if n not in planned]
        total += secs
        print(f"  {f.name}: {len(f.candidates)} candidates"
              + (f", {texts} more texts to embed (about {secs / 60:.1f} min)" if texts else ""), file=sys.stderr)
    texts, secs = cost(engine, planned) if planned else (0, 0.0)
    if texts:
        print(f"evaluate: embedding {texts} texts in all (about {secs / 60:.1f} min)", file=sys.stderr)
    prepare(engine, planned, progress_bars())
    return kept


def pseudo_tuning_set(db, choice: str) -> tuple[list | None, str]:
    """The queries ``best`` tunes on besides the db's own (None: the db's own alone) and a label:
    ``choice`` is a queries.json path, ``own``, or ``auto`` (the db's comments as pseudo-queries,
    core/pseudo_queries.py defaults, the held-aside 20% left out, when there are enough)."""
    from core.pseudo_queries import MIN_QUERIES, as_queries, from_corpus
    if choice == "own":
        return None, "the db's own queries"
    if choice != "auto":
        return read_json(Path(choice)), choice
    try:
        _, tuning, _ = from_corpus(db)
    except ValueError:
        return None, "the db's own queries (it has no comments)"
    if len(tuning) < MIN_QUERIES:
        return None, f"the db's own queries (only {len(tuning)} pseudo-queries in its comments)"
    return as_queries(tuning), "pseudo-queries from the db's comments"


def tuned_on(db, entries: list, label: str, args, engines: dict) -> tuple[Config, dict]:
    """``best`` under the pseudo-confirmed rule (core/transfer.py): parameters tuned on the
    queries ``entries`` (queries.json entries), the family confirmed on the database's own
    queries; returns the configuration and its figures on the tuning queries (in-sample)."""
    from core.crossval import ScoreTable
    from core.pseudo_queries import MIN_QUERIES
    from core.transfer import pseudo_confirmed_best, untrained
    problems: list[str] = []
    tuning = pd.DataFrame(query_rows(entries, label, "evaluate", problems))
    if tuning.empty:
        raise ValueError(f"no usable queries in {label}")
    skip = own_comments(entries)
    full, tune_engine = engine_without(db, set(), args.mode, engines), engine_without(db, skip, args.mode, engines)
    tuning, fams, note = untrained(tuning, budgeted_families(tune_engine, args.families, args.budget),
                                   min(MIN_QUERIES, len(tuning)))
    if note:
        print(f"evaluate: {note}", file=sys.stderr)
    own = load_queries(db)
    config, family = pseudo_confirmed_best(ScoreTable(tune_engine, tuning), ScoreTable(full, own),
                                           {f.name: list(f.candidates) for f in fams}, args.tune_weight,
                                           workers=args.workers)
    rows = per_query(tune_engine, Config.parse(config), tuning, missing=tune_engine.n_docs / 2)
    return Config.parse(config), {"file": label, "family": family, "own_queries": len(own), **summarise(rows)}


def figures(s: dict) -> str:
    return (f"S@1 {s['success_at_1']:.3f} [{s['success_at_1_lo']:.3f}, {s['success_at_1_hi']:.3f}], "
            f"S@10 {s['success_at_10']:.3f}, MRR {s['mrr']:.3f} [{s['mrr_lo']:.3f}, {s['mrr_hi']:.3f}], "
            f"mean rank {s['mean_rank']:.1f}")


def rounded(s: dict) -> dict:
    """The JSON figures of a summary: each metric with its 95% interval."""
    keys = ("success_at_1", "success_at_10", "mrr", "mean_rank")
    return {k + suffix: round(s[k + suffix], 6) for k in keys for suffix in ("", "_lo", "_hi")}


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    p.add_argument("--queries", type=Path, required=True,
                   help="query file in the study's queries.json format (the scoring set)")
    p.add_argument("--config", default="best", help="configuration string, or 'best' (chosen as --tune-queries says)")
    p.add_argument("--tune-queries", default=None, metavar="FILE|auto|own",
                   help="with --config best: tune every family's parameters on these queries and confirm the "
                        "family on the db's own (core/transfer.py); 'auto' (the default): pseudo-queries from "
                        "the db's comments when it has 200 or more; 'own': the db's own queries alone")
    p.add_argument("--tune-weight", type=fraction, default=0.5,
                   help="with --tune-queries: the tuning queries' share of the family vote (the db's own "
                        "queries have the rest)")
    p.add_argument("--mode", choices=MODES, default=None,
                   help="normalisation mode (default: the one the corpus database records)")
    p.add_argument("--per-query", action="store_true", help="also print each query's target rank")
    p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                   help="with --config best: processes tuning the families on pseudo-queries "
                        "(default: one per core)")
    p.add_argument("--families", nargs="+", default=None, metavar="TEXT",
                   help="with --config best: only the families whose names contain one of these texts "
                        "(case-insensitive), e.g. 'BM25 4-gram' 'MiniLM'")
    p.add_argument("--budget", type=non_negative_float, default=10.0, metavar="MINUTES",
                   help="with --config best: leave out families whose embedding (not cached yet) would "
                        "take the estimated total past this many minutes, unless --families names them "
                        "(default: 10)")
    p.add_argument("--run-out", type=Path, default=None, metavar="FILE",
                   help="write the ranking of the scoring queries as a TREC run (trec_eval, ranx)")
    p.add_argument("--qrels-out", type=Path, default=None, metavar="FILE",
                   help="write the scoring queries' targets as TREC qrels")
    p.add_argument("--run-depth", type=positive_int, default=1000, help="documents per query in --run-out")
    add_embed_cache(p)
    args = p.parse_args(argv)
    use_embed_cache(args)
    tuning = None
    try:
        if args.tune_queries and args.config != "best":
            raise ValueError("--tune-queries chooses the configuration: use it with --config best")
        check_outputs({"--run-out": args.run_out, "--qrels-out": args.qrels_out},
                      {"--db": args.db, "--queries": args.queries, "--tune-queries":
                       args.tune_queries if args.tune_queries not in (None, "auto", "own") else None})
        entries, label = (pseudo_tuning_set(args.db, args.tune_queries or "auto")
                          if args.config == "best" else (None, ""))
        engines: dict = {}
        engine = engine_without(args.db, set(), args.mode, engines)
        if engine.n_docs == 0:
            raise ValueError(f"{args.db} has no usable documents (none with text to search): "
                             "nothing to rank")
        queries, problems, skip = read_query_set(args.queries)
        for msg in problems:
            print(f"evaluate: skipped {msg}", file=sys.stderr)
        if queries.empty:
            print(f"evaluate: no usable queries in {args.queries}", file=sys.stderr)
            return 2
        if args.config == "best" and entries is not None:
            config, tuning = tuned_on(args.db, entries, label, args, engines)
        elif args.config == "best":
            own = load_queries(args.db)
            if own.empty:
                print(f"evaluate: {args.db} has no queries of its own nor enough pseudo-queries to tune "
                      "'best' on; pass --config NAME or --tune-queries FILE", file=sys.stderr)
                return 2
            from core.families import best_config
            print(f"evaluate: 'best' tuned on {label}", file=sys.stderr)
            config = Config.parse(best_config(engine, own, families_=budgeted_families(engine, args.families, args.budget)))
        else:
            config = Config.parse(args.config)
        engine = engine_without(args.db, skip, args.mode, engines)   # never a query's own comment
        pq = per_query(engine, config, queries, missing=engine.n_docs / 2)
        if args.run_out:
            write_lines(args.run_out, run_lines(engine, config, queries, args.run_depth))
        if args.qrels_out:
            write_lines(args.qrels_out, qrels_lines(queries))
    except (FileNotFoundError, ValueError, ImportError_, DenseUnavailable) as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 2
    s = summarise(pq)
    absent = int((engine.target_positions(queries["target_id"]) < 0).sum())
    if args.per_query:
        for (_, q), (_, r) in zip(queries.iterrows(), pq.iterrows()):
            print(f"{r['rank']:8.1f}  {printable(q['query_text'])}")
    if tuning:
        print(f"evaluate: tuned on {tuning['queries']} queries of {tuning['file']} (family "
              f"{tuning['family']!r} confirmed on {tuning['own_queries']} queries of the db), in-sample: "
              f"{figures(tuning)}", file=sys.stderr)
    print(f"{config}: {len(pq)} queries ({absent} targets not in the corpus), {figures(s)}", file=sys.stderr)
    out = {"config": str(config), "queries": len(pq), "success_at_1": round(s["success_at_1"], 6),
           "success_at_10": round(s["success_at_10"], 6), "mrr": round(s["mrr"], 6),
           "mean_rank": round(s["mean_rank"], 4), "intervals": rounded(s)}
    if tuning:
        out["tuning"] = {"file": tuning["file"], "family": tuning["family"], "queries": tuning["queries"],
                         **rounded(tuning)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    run_cli(main)
