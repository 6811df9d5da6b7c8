"""Run the experiment grid on a corpus and write results.db in the study's schema.

    python -m pipeline.experiments --db data/tiktoks.db --results data/results.db [--mode study2022]

The default grid is the study's 960 experiments: tokenisation {word, 4-7gram} × every subset
of {sr, ocr, c} × attribution {yes, no} × the 12 SMART weightings. ``--tokens`` and
``--weighting`` change it (e.g. ``--weighting bpx --weighting "bm25(k1=0.9,b=0.4)"``).
``--config NAME`` adds any configuration (fusion, dense, BM25F, query options) and
``--family NAME`` every candidate of a method family of ``core.families`` (``--family list``
names them); ``--tokens none`` leaves the study grid out.

The grid's tokenisations run in ``--workers`` processes, or as Ray tasks with ``--executor
ray`` (a local Ray with ``--workers`` CPUs) or ``--ray-address`` (a cluster): each task builds
one tokenisation's indexes and scores its experiments; the results come back here and this
process writes results.db, the same as without Ray.
"""
from __future__ import annotations

import sys

import pandas as pd
from tqdm import tqdm

from core.config import Config
from core.dense import DenseUnavailable
from core.dense.models import install_hint, installed
from core.engine import Engine
from core.families import families
from core.grid import STUDY_TOKENS, GridResult, combine, run_configs, run_grid, study_index_configs
from core.index import TokenisedCorpus
from core.locks import Busy
from core.store import NotADatabase, check_kind, load_corpus, load_queries, write_results
from core.text import MODES
from core.weighting import SMART
from pipeline import executors
from pipeline.config import run_cli, stage_parser


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0], results=True, workers=True)
    p.add_argument("--mode", choices=MODES, default=None,
                   help="normalisation mode (default: the one the corpus database records)")
    p.add_argument("--tokens", action="append", default=None,
                   help=f"tokenisation to include, repeatable (default: {', '.join(STUDY_TOKENS)}; "
                        "'none': no study grid, only --config/--family)")
    p.add_argument("--weighting", action="append", default=None,
                   help="weighting to include, repeatable: SMART letters or bm25(k1=..,b=..) "
                        "(default: the 12 SMART weightings)")
    p.add_argument("--config", action="append", default=[],
                   help="add a configuration, repeatable, e.g. "
                        "'4gram+dense~ocr~sr.all.noattr.bm25(k1=0.5,b=0.7).zsum(dense=0.75)'")
    p.add_argument("--family", action="append", default=[],
                   help="add every candidate of a method family (core.families), repeatable; "
                        "'list' prints their names")
    executors.add_options(p)
    args = p.parse_args(argv)
    by_name = {f.name: f for f in families()}
    if "list" in args.family:
        print("\n".join(by_name))
        return 0
    try:
        extra = [Config.parse(c) for c in args.config]
        for name in args.family:
            if name not in by_name:
                raise ValueError(f"unknown family {name!r}; --family list names them")
            extra += [Config.parse(c) for c in by_name[name].candidates]
        missing = sorted({m for c in extra for m in c.models if not installed(m)})
        if missing:   # said before the grid runs, not after it
            raise ValueError(f"the configurations asked for need model(s) {', '.join(missing)}, not "
                             f"installed ({install_hint(missing)})")
    except ValueError as e:
        print(f"experiments: {e}", file=sys.stderr)
        return 2
    try:
        check_kind(args.results, "results")   # before the grid runs, not after it
        corpus = load_corpus(args.db)
        source = TokenisedCorpus(corpus, args.mode)
    except (FileNotFoundError, ValueError) as e:
        print(f"experiments: {e}", file=sys.stderr)
        return 2
    queries = load_queries(args.db)
    if queries.empty or len(corpus) == 0:
        print(f"experiments: {args.db} has {len(corpus)} usable documents and {len(queries)} "
              "queries; nothing to evaluate", file=sys.stderr)
        return 2
    tokens = tuple(t for t in (args.tokens or STUDY_TOKENS) if t != "none")
    configs = study_index_configs(tokens) if tokens else []
    weightings = args.weighting or SMART
    try:
        result = GridResult(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), 0.0)
        if configs:
            with tqdm(total=len(configs), desc="indexes", unit="index") as bar:
                where = executors.resolve(args)
                spread = executors.ray_spread(where, args.workers) if executors.is_ray(where) else None
                result = run_grid(source, queries, configs, weightings, workers=args.workers, spread=spread,
                                  progress=lambda done, total: bar.update())
        done = set(result.experiments["config"]) if len(result.experiments) else set()
        extra = [c for c in dict.fromkeys(extra) if str(c) not in done]
        if extra:
            engine = Engine(corpus, source.mode)
            with tqdm(total=len(extra), desc="configurations", unit="config") as bar:
                result = combine(result, run_configs(engine, queries, extra,
                                                     progress=lambda done, total: bar.update()))
    except (ValueError, DenseUnavailable) as e:
        print(f"experiments: {e}", file=sys.stderr)
        return 2
    if result.experiments.empty:
        print("experiments: nothing to run (--tokens none without --config or --family)", file=sys.stderr)
        return 2
    try:
        write_results(args.results, result.indexes, result.experiments, queries, result.rankings,
                      {"mode": source.mode, "corpus": str(args.db), "grid_seconds": result.seconds,
                       "documents": len(corpus)})
    except (Busy, NotADatabase) as e:
        print(f"experiments: {e}", file=sys.stderr)
        return 3 if isinstance(e, Busy) else 2
    missing = int(result.rankings["rank_lo"].isna().sum())
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"   # noqa: E731
    parts = ([f"{len(configs)} indexes × {len(weightings)} weightings"] if configs else []) + \
        ([plural(len(extra), "more configuration" if configs else "configuration")] if extra else [])
    print(f"Ran {plural(len(result.experiments), 'experiment')} ({' and '.join(parts)}) on {len(queries)} queries over "
          f"{len(corpus)} documents in {result.seconds:.1f} s (normalisation {source.mode}); {missing} of "
          f"{len(result.rankings)} rankings had no rank; wrote {args.results}.")
    return 0


if __name__ == "__main__":
    run_cli(main)
