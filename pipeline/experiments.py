"""Run the experiment grid on a corpus and write results.db in the study's schema.

    python -m pipeline.experiments --db data/tiktoks.db --results data/results.db [--mode study2022]

The default grid is the study's 960 experiments: tokenisation {word, 4-7gram} × every subset
of {sr, ocr, c} × attribution {yes, no} × the 12 SMART weightings. ``--tokens`` and
``--weighting`` change it (e.g. ``--weighting bpx --weighting "bm25(k1=0.9,b=0.4)"``).
"""
from __future__ import annotations

import sys

from tqdm import tqdm

from core.grid import STUDY_TOKENS, run_grid, study_index_configs
from core.index import TokenisedCorpus
from core.store import load_corpus, load_queries, write_results
from core.text import MODES
from core.weighting import SMART
from pipeline.config import stage_parser


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0], results=True, workers=True)
    p.add_argument("--mode", choices=MODES, default=None,
                   help="normalisation mode (default: the one the corpus database records)")
    p.add_argument("--tokens", action="append", default=None,
                   help=f"tokenisation to include, repeatable (default: {', '.join(STUDY_TOKENS)})")
    p.add_argument("--weighting", action="append", default=None,
                   help="weighting to include, repeatable: SMART letters or bm25(k1=..,b=..) "
                        "(default: the 12 SMART weightings)")
    args = p.parse_args(argv)
    try:
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
    configs = study_index_configs(tuple(args.tokens or STUDY_TOKENS))
    weightings = args.weighting or SMART
    try:
        with tqdm(total=len(configs), desc="indexes", unit="index") as bar:
            result = run_grid(source, queries, configs, weightings, progress=lambda done, total: bar.update(),
                              workers=args.workers)
    except ValueError as e:
        print(f"experiments: {e}", file=sys.stderr)
        return 2
    write_results(args.results, result.indexes, result.experiments, queries, result.rankings,
                  {"mode": source.mode, "corpus": str(args.db), "grid_seconds": result.seconds,
                   "documents": len(corpus)})
    missing = int(result.rankings["rank_lo"].isna().sum())
    print(f"Ran {len(result.experiments)} experiments ({len(configs)} indexes × {len(weightings)} "
          f"weightings) on {len(queries)} queries over {len(corpus)} documents in "
          f"{result.seconds:.1f} s (normalisation {source.mode}); {missing} of "
          f"{len(result.rankings)} rankings had no rank; wrote {args.results}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
