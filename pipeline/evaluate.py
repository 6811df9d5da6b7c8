"""Score a query file against a corpus with one configuration (or the tuned best).

    python -m pipeline.evaluate --db data/study/tiktoks.db --queries ../shared/study2022/queries.json \
        [--config NAME|best] [--families TEXT ...] [--embed-cache FILE] [--mode default|study2022] [--per-query]

``--queries`` is a JSON list in the 2022 study's queries.json format (``text``, ``target``,
optional ``author`` and the five tag booleans). Pseudo-queries (pipeline.pseudo_queries) are
scored against the corpus without the comments they came from. ``--config`` is any configuration string
(core/config.py) or ``best``: the configuration chosen, among every method family's
candidates (core/families.py), by MRR on the database's *own* queries (cached in
``<db>.best.json``). Scoring the database's own queries with ``best`` is therefore in-sample;
the honest figure for them is the cross-validated one of bench/quality.py.
Before tuning, ``best`` prints each family it evaluates with what it will cost to embed (texts
not in the embedding cache, minutes at this machine's measured rate), then embeds them under
progress bars; ``--families`` limits the search to families whose names contain a given text.

Prints a short human summary, then as its last line one JSON object with config, queries,
success_at_1, success_at_10, mrr, mean_rank (missing ranks counted as the middle of the
corpus, as the study did).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from core.config import Config
from core.dense import DenseUnavailable
from core.engine import Engine
from core.evaluation import per_query, summarise
from core.pseudo_queries import own_comments
from core.store import load_corpus, load_queries
from core.text import MODES
from pipeline.config import add_embed_cache, stage_parser, use_embed_cache
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
        engines[key] = Engine(load_corpus(db, exclude_comments=key), mode)
    return engines[key]


def budgeted_families(engine: Engine, wanted: list[str] | None):
    """The families ``best`` evaluates (those named by ``wanted``), each printed with its embed
    cost, and everything they need embedded (progress bars); ValueError when none match."""
    from core.dense.budget import cost, needs, prepare
    from core.families import available_families
    from pipeline.embed import progress_bars
    fams = [f for f in available_families()
            if not wanted or any(w.lower() in f.name.lower() for w in wanted)]
    if not fams:
        raise ValueError(f"no method family matches {wanted}; names: "
                         + "; ".join(f.name for f in available_families()))
    print(f"evaluate: choosing 'best' among {len(fams)} families:", file=sys.stderr)
    for f in fams:
        texts, secs = cost(engine, needs(map(Config.parse, f.candidates))) if f.dense else (0, 0.0)
        print(f"  {f.name}: {len(f.candidates)} candidates"
              + (f", {texts} texts to embed (about {secs / 60:.1f} min)" if texts else ""), file=sys.stderr)
    wanted_sets = needs(Config.parse(c) for f in fams if f.dense for c in f.candidates)
    texts, secs = cost(engine, wanted_sets)
    if texts:
        print(f"evaluate: embedding {texts} texts in all (about {secs / 60:.1f} min)", file=sys.stderr)
    prepare(engine, wanted_sets, progress_bars())
    return fams


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    p.add_argument("--queries", type=Path, required=True, help="query file in the study's queries.json format")
    p.add_argument("--config", default="best", help="configuration string, or 'best' (tuned on the db's queries)")
    p.add_argument("--mode", choices=MODES, default=None,
                   help="normalisation mode (default: the one the corpus database records)")
    p.add_argument("--per-query", action="store_true", help="also print each query's target rank")
    p.add_argument("--families", nargs="+", default=None, metavar="TEXT",
                   help="with --config best: only the families whose names contain one of these texts "
                        "(case-insensitive), e.g. 'BM25 4-gram' 'MiniLM'")
    add_embed_cache(p)
    args = p.parse_args(argv)
    use_embed_cache(args)
    try:
        engines: dict = {}
        engine = engine_without(args.db, set(), args.mode, engines)
        queries, problems, skip = read_query_set(args.queries)
        for msg in problems:
            print(f"evaluate: skipped {msg}", file=sys.stderr)
        if queries.empty:
            print(f"evaluate: no usable queries in {args.queries}", file=sys.stderr)
            return 2
        if args.config == "best":
            own = load_queries(args.db)
            if own.empty:
                print(f"evaluate: {args.db} has no queries of its own to tune 'best' on; "
                      "pass --config NAME", file=sys.stderr)
                return 2
            from core.families import best_config
            config = Config.parse(best_config(engine, own, families_=budgeted_families(engine, args.families)))
        else:
            config = Config.parse(args.config)
        engine = engine_without(args.db, skip, args.mode, engines)   # never a query's own comment
        pq = per_query(engine, config, queries, missing=engine.n_docs / 2)
    except (FileNotFoundError, ValueError, ImportError_, DenseUnavailable) as e:
        print(f"evaluate: {e}", file=sys.stderr)
        return 2
    s = summarise(pq)
    absent = int((engine.target_positions(queries["target_id"]) < 0).sum())
    if args.per_query:
        for (_, q), (_, r) in zip(queries.iterrows(), pq.iterrows()):
            print(f"{r['rank']:8.1f}  {q['query_text']}")
    print(f"{config}: {len(pq)} queries ({absent} targets not in the corpus), "
          f"S@1 {s['success_at_1']:.3f} [{s['success_at_1_lo']:.3f}, {s['success_at_1_hi']:.3f}], "
          f"S@10 {s['success_at_10']:.3f}, MRR {s['mrr']:.3f} [{s['mrr_lo']:.3f}, {s['mrr_hi']:.3f}], "
          f"mean rank {s['mean_rank']:.1f}", file=sys.stderr)
    print(json.dumps({"config": str(config), "queries": len(pq), "success_at_1": round(s["success_at_1"], 6),
                      "success_at_10": round(s["success_at_10"], 6), "mrr": round(s["mrr"], 6),
                      "mean_rank": round(s["mean_rank"], 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
