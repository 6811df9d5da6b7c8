"""Embed a corpus ahead of time, so the dashboard's dense configurations answer at once.

    python -m pipeline.embed [--db data/tiktoks.db] [--config NAME ...] [--embed-cache FILE]

For each configuration (default: the dashboard's Tuned hybrid preset, core.families
TUNED_ON_STUDY) this embeds every dense passage (or window) its components need that the
shared embedding cache (core/dense/cache.py) lacks, with a progress bar (texts/s, time left),
exports each model's ONNX query encoder, and answers one query. A configuration whose
embeddings are all cached is skipped without loading a model; the dashboard then only loads
them. A model whose packages are missing is reported and skipped (exit code 0): dense
retrieval is optional.
"""
from __future__ import annotations

import importlib.util
import sys
import time

from tqdm import tqdm

from core.config import Config
from core.dense import DenseUnavailable, installed, onnx_path
from core.dense.models import install_hint
from core.dense.budget import cost, needs, prepare
from core.engine import Engine
from core.families import TUNED_ON_STUDY
from pipeline.config import add_embed_cache, run_cli, stage_parser, use_embed_cache


def prepared(engine: Engine, config: Config) -> bool:
    """Is every dense component's set cached and its query encoder exported? Checked without
    loading a model, so a rerun (every ``make demo``) costs milliseconds."""
    onnx = importlib.util.find_spec("onnxruntime") is not None
    if onnx and any(not onnx_path(m).is_file() for m in config.models):
        return False
    return cost(engine, needs([config]))[0] == 0


def progress_bars():
    """A ``progress(need, done, total)`` drawing one tqdm bar (texts/s, time left) per set."""
    bars: dict = {}

    def progress(need, done: int, total: int) -> None:
        if need not in bars:
            bars[need] = tqdm(total=total, desc=f"embedding {need}", unit="text", file=sys.stderr,
                              dynamic_ncols=True, smoothing=0.1)
        bar = bars[need]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
    return progress


def embed(engine: Engine, configs: list[Config]) -> None:
    """Embed what the configurations need, one progress bar per set (for other stages too)."""
    prepare(engine, needs(configs), progress_bars())


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    p.add_argument("--config", action="append", default=None,
                   help="configuration to prepare (repeatable; default: the Tuned hybrid preset)")
    add_embed_cache(p)
    args = p.parse_args(argv)
    use_embed_cache(args)
    try:
        configs = [Config.parse(c) for c in (args.config or [TUNED_ON_STUDY])]
        engine = Engine.from_db(args.db)
    except (FileNotFoundError, ValueError) as e:
        print(f"embed: {e}", file=sys.stderr)
        return 2
    if engine.n_docs == 0:
        print(f"embed: {args.db} has no usable documents: nothing to embed", file=sys.stderr)
        return 2
    for config in configs:
        missing = sorted(m for m in config.models if not installed(m))
        if missing:
            print(f"embed: skipped {config}: model(s) {', '.join(missing)} not installed "
                  f"({install_hint(missing)})")
            continue
        try:
            if not config.models:
                print(f"embed: {config} has no dense part: nothing to embed")
                continue
            if prepared(engine, config):
                print(f"embed: {config} already prepared")
                continue
            texts, secs = cost(engine, needs([config]))
            print(f"embed: {config}: {texts} texts to embed (about {secs / 60:.1f} min)", flush=True)
            t = time.monotonic()
            embed(engine, [config])
            engine.scores(config, ["warm up"])
        except DenseUnavailable as e:
            print(f"embed: skipped {config}: {e}")
            continue
        print(f"embed: {config} ready in {time.monotonic() - t:.1f} s ({engine.n_docs} documents)")
    return 0


if __name__ == "__main__":
    run_cli(main)
