"""One place for the options and paths every pipeline stage shares.

Stages build their parser with `stage_parser(description)` so `--db`, `--results`,
`--pipeline-db`, `--media`, `--workers` mean the same everywhere; defaults can be moved
with environment variables (TRL_DATA) so tests and the demo can point at a temp dir.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

DATA = Path(os.environ.get("TRL_DATA", "data"))


def defaults() -> dict:
    return {
        "db": DATA / "tiktoks.db",          # the corpus (study schema)
        "results": DATA / "results.db",     # experiment results (study schema)
        "pipeline_db": DATA / "pipeline.db",  # per-item stage state (raw, downloads, ocr, ...)
        "media": DATA / "media",            # downloaded videos/ covers/ and extracted audio/
    }


def stage_parser(description: str, *, db=True, results=False, pipeline_db=False, media=False,
                 workers=False) -> argparse.ArgumentParser:
    """An argparse parser with the shared options this stage uses."""
    d = defaults()
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    if db:
        p.add_argument("--db", type=Path, default=d["db"], help="corpus database (tiktoks.db)")
    if results:
        p.add_argument("--results", type=Path, default=d["results"], help="results database")
    if pipeline_db:
        p.add_argument("--pipeline-db", type=Path, default=d["pipeline_db"],
                       help="pipeline state database (raw records and per-item stage results)")
    if media:
        p.add_argument("--media", type=Path, default=d["media"],
                       help="media directory (videos/, covers/, audio/)")
    if workers:
        p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="parallel worker processes for per-item work")
    return p


def add_embed_cache(p: argparse.ArgumentParser) -> None:
    """``--embed-cache``: where the shared embedding cache is (core/dense/cache.py)."""
    p.add_argument("--embed-cache", type=Path, default=None,
                   help="embedding cache file (default: $TRL_EMBED_CACHE, else $TRL_DATA/embeddings.sqlite, "
                        "else data/embeddings.sqlite in the checkout)")


def use_embed_cache(args) -> None:
    if getattr(args, "embed_cache", None):
        os.environ["TRL_EMBED_CACHE"] = str(args.embed_cache)
