"""Fine-tune the MiniLM bi-encoder on a corpus's pseudo-queries (one command, re-runnable).

    python -m pipeline.finetune --db data/study/tiktoks.db [--out DIR] [--epochs 1] [--batch-size 32] \
        [--learning-rate 2e-5] [--seed 0] [--max-pairs N] [--train-fraction 0.5] \
        [--held-aside-fraction 0.2 --held-aside-seed 0]

Pairs are (pseudo-query, the rest of its video's text) from the database's comments
(core/pseudo_queries.py defaults), trained with MultipleNegativesRankingLoss
(core/finetune.py). The held-aside videos (the same split as ``pipeline.pseudo_queries
--held-aside-fraction F --seed S``) are left out, so their queries can score the model; real
queries are never used. Of the other videos only ``--train-fraction`` (half by default, by a
hash of the video id) are trained on: ``--config best`` tunes and votes on the rest, since a
model scored on its own training queries would win for that alone (core/transfer.py
``untrained``). ``training.json`` lists the videos trained on. The model is written to ``--out`` (default
``$TRL_MODELS/all-MiniLM-L6-v2-tuned``) with ``training.json`` (settings, checksums of the base
model, the pairs and the trained weights). Prints progress, then as its last line that JSON.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from core.dense import DenseUnavailable
from core.finetune import Settings, check_out_dir, fine_tune, trained_share, training_pairs
from core.pseudo_queries import as_queries, from_corpus, own_comments
from core.store import NotADatabase, load_corpus
from pipeline.config import fraction, positive_float, positive_int, run_cli, stage_parser


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    d = Settings()
    p.add_argument("--out", type=Path, default=None, help="model directory (default: $TRL_MODELS/all-MiniLM-L6-v2-tuned)")
    p.add_argument("--epochs", type=positive_int, default=d.epochs)
    p.add_argument("--batch-size", type=positive_int, default=d.batch_size, help="pairs per batch (its in-batch negatives)")
    p.add_argument("--learning-rate", type=positive_float, default=d.learning_rate)
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--max-pairs", type=positive_int, default=None, help="train on at most this many pairs")
    p.add_argument("--train-fraction", type=fraction, default=0.5,
                   help="share of the other videos trained on; --config best tunes on the rest")
    p.add_argument("--held-aside-fraction", type=float, default=0.2, help="share of videos never trained on")
    p.add_argument("--held-aside-seed", type=int, default=0, help="seed of the held-aside split")
    args = p.parse_args(argv)
    try:
        from core.dense.models import TUNED_NAME, model_dir, models_dir
        out = check_out_dir(args.out or models_dir() / TUNED_NAME, model_dir("minilm"))   # before training
        _, tuning, held = from_corpus(args.db, fraction=args.held_aside_fraction, seed=args.held_aside_seed)
        entries = as_queries(tuning)
        trained = trained_share(entries, args.train_fraction, args.seed)
        pairs = training_pairs(trained, load_corpus(args.db, exclude_comments=own_comments(entries)))
        print(f"finetune: {len(pairs)} pairs ({len(entries) - len(trained)} left for tuning, {len(held)} "
              f"held-aside queries left out) -> {out}", file=sys.stderr)

        def progress(step, steps, loss):
            print(f"finetune: step {step}/{steps}, loss {loss:.4f}", file=sys.stderr, flush=True)

        settings = Settings(args.epochs, args.batch_size, args.learning_rate, args.seed, args.max_pairs)
        info = fine_tune(pairs, out, model_dir("minilm"), settings, progress)
    except (FileNotFoundError, NotADatabase, ValueError, DenseUnavailable) as e:
        print(f"finetune: {e}", file=sys.stderr)
        return 2
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    run_cli(main)
