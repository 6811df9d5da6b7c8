"""The fine-tuned MiniLM against the base model, dense alone, on real and held-aside queries.

    .venv/bin/python bench/finetune.py --db /tmp/pseudo/tiktoks.db --held held.json \
        --tuned $TRL_MODELS/all-MiniLM-L6-v2-tuned [--out bench/out/finetune.md]

Both models encode, with sentence-transformers on the CPU, each document's basic+OCR+speech
passage (``dense~ocr~sr``: no comments, so no pseudo-query's own comment is in it) and the
queries; a document's score is the cosine. Nothing is tuned on the scored queries: the real
queries (the database's own) were never trained on, nor were the held-aside pseudo-queries
(``pipeline.finetune`` leaves their videos out). Figures with bootstrap 95% CIs.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.quality import ci, report  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", required=True)
    p.add_argument("--held", type=Path, required=True)
    p.add_argument("--tuned", type=Path, required=True)
    p.add_argument("--out", default="bench/out/finetune.md")
    args = p.parse_args(argv)
    from sentence_transformers import SentenceTransformer
    from core.dense.models import model_dir
    from core.dense.passages import passages
    from core.evaluation import per_query_from_ranks, summarise
    from core.grid import target_positions
    from core.index import TokenisedCorpus
    from core.metrics import target_ranks
    from core.store import load_corpus, load_queries
    from pipeline.evaluate import read_query_set
    corpus = load_corpus(args.db)
    docs = passages(corpus.docs, frozenset({"ocr", "sr"}))
    sets = {"real": load_queries(args.db), "held-aside pseudo": read_query_set(args.held)[0]}
    positions = {k: target_positions(TokenisedCorpus(corpus), q["target_id"]) for k, q in sets.items()}
    rows = []
    for label, path in (("MiniLM (base)", model_dir("minilm")), ("MiniLM fine-tuned on pseudo-queries", args.tuned)):
        t = time.perf_counter()
        model = SentenceTransformer(str(path), device="cpu")
        d = model.encode(docs, batch_size=32, normalize_embeddings=True)
        row = {"model": label}
        for name, q in sets.items():
            e = model.encode(q["query_text"].tolist(), batch_size=64, normalize_embeddings=True)
            s = e @ d.T
            lo, hi = target_ranks(s, np.ones_like(s, dtype=bool), positions[name])
            summary = summarise(per_query_from_ranks(q, lo, hi, len(docs) / 2))
            row[f"{name} ({len(q)}): S@1"] = ci(summary, "success_at_1")
            row[f"{name}: MRR"] = ci(summary, "mrr")
        rows.append(row)
        print(f"{label}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows).set_index("model").T
    return report([f"Corpus {args.db}: {len(docs)} documents, dense alone on basic+OCR+speech (whole "
                   f"passages, cosine), sentence-transformers on the CPU; tuned model {args.tuned}.", "",
                   table.to_markdown()], args.out)


if __name__ == "__main__":
    sys.exit(main())
