"""Embed a corpus ahead of time, so the dashboard's dense configurations answer at once.

    python -m pipeline.embed [--db data/tiktoks.db] [--config NAME ...]

For each configuration (default: the dashboard's Tuned hybrid preset, core.families
TUNED_ON_STUDY) this answers one query, which builds and caches everything its components
need: every dense passage's (or window's) embeddings in ``<db>.dense-<model>.npz`` and each
model's ONNX query encoder. A configuration whose caches are up to date is skipped without
loading a model; the dashboard then only loads them. A model whose packages are missing is
reported and skipped (exit code 0): dense retrieval is optional.
"""
from __future__ import annotations

import importlib.util
import sys
import time

from core.config import Config
from core.dense import DenseUnavailable, installed, onnx_path
from core.engine import Engine
from core.families import TUNED_ON_STUDY
from pipeline.config import stage_parser


def prepared(engine: Engine, config: Config) -> bool:
    """Is every dense component's cache up to date and its query encoder exported? Checked
    without loading a model, so a rerun (every ``make demo``) costs milliseconds."""
    onnx = importlib.util.find_spec("onnxruntime") is not None
    for comp in config.dense:
        if onnx and not onnx_path(comp.model).is_file() \
                or not engine.dense_index(comp.model).is_cached(comp.passage(config.enrichment), comp.window):
            return False
    return True


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    p.add_argument("--config", action="append", default=None,
                   help="configuration to prepare (repeatable; default: the Tuned hybrid preset)")
    args = p.parse_args(argv)
    try:
        configs = [Config.parse(c) for c in (args.config or [TUNED_ON_STUDY])]
        engine = Engine.from_db(args.db)
    except (FileNotFoundError, ValueError) as e:
        print(f"embed: {e}", file=sys.stderr)
        return 2
    for config in configs:
        missing = sorted(m for m in config.models if not installed(m))
        if missing:
            print(f"embed: skipped {config}: model(s) {', '.join(missing)} not installed "
                  "(pip install -r requirements-dense.txt)")
            continue
        if prepared(engine, config):
            print(f"embed: {config} already prepared")
            continue
        t = time.monotonic()
        try:
            engine.scores(config, ["warm up"])
        except DenseUnavailable as e:
            print(f"embed: skipped {config}: {e}")
            continue
        print(f"embed: {config} ready in {time.monotonic() - t:.1f} s ({engine.n_docs} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
