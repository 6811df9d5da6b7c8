"""Documents per second embedding the 2022 study's passages and windows, torch before and
ONNX Runtime after, and how closely the two agree.

    .venv/bin/python bench/embed.py [--db data/study/tiktoks.db] [--sample 96] [--models minilm mpnet]

The texts are every distinct passage and window the dense families of ``pipeline.evaluate
--config best`` embed (core/dense/budget.py). Each model encodes the same random sample of
them (seeded) twice: with ``SentenceTransformer.encode`` (torch, batch 32: the encoder before)
and with :func:`core.dense.onnx.encode_documents` (ONNX Runtime on every core, length-sorted
batches: now). Prints texts/s of each, the speed-up, the minimum cosine between the two
vectors of any text (target ≥ 0.9999), and the full set's estimated time at the ONNX rate.
The sample keeps the torch run short; the load average is printed because the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import Config  # noqa: E402
from core.dense import load_model  # noqa: E402
from core.dense.budget import needs  # noqa: E402
from core.dense.onnx import document_session, encode_documents  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.families import available_families  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=Path("data/study/tiktoks.db"))
    p.add_argument("--sample", type=int, default=96)
    p.add_argument("--models", nargs="+", default=["minilm", "mpnet"])
    args = p.parse_args()
    engine = Engine.from_db(args.db)
    wanted = needs(Config.parse(c) for f in available_families() if f.dense for c in f.candidates)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    for model in args.models:
        texts = sorted({t for n in wanted if n.model == model
                        for t in engine.dense_index(model)._texts(n.passage, n.window)[1] if t})
        sample = random.Random(0).sample(texts, min(args.sample, len(texts)))
        st = load_model(model)
        document_session(model)
        t = time.monotonic()
        before = st.encode(sample, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        torch_rate = len(sample) / (time.monotonic() - t)
        t = time.monotonic()
        after = encode_documents(sample, model)
        onnx_rate = len(sample) / (time.monotonic() - t)
        print(f"{model}: {len(texts)} distinct texts; sample {len(sample)}: torch {torch_rate:.2f} texts/s, "
              f"ONNX Runtime {onnx_rate:.2f} texts/s (x{onnx_rate / torch_rate:.2f}); "
              f"min cosine {float((before * after).sum(1).min()):.6f}; "
              f"all texts at the ONNX rate ≈ {len(texts) / onnx_rate / 60:.1f} min "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
