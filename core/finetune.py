"""Fine-tuning the MiniLM bi-encoder on the corpus's own pseudo-queries.

Each training pair is (pseudo-query, the rest of its video's text): the passage
(:func:`core.dense.passages.passages`, every field) of the corpus *without* the chosen
comments, so a query is never paired with itself. The loss is sentence-transformers'
MultipleNegativesRankingLoss: for a batch of B pairs, cross-entropy of each query against
all B passages (cosine × 20), its own passage the right class; the other videos' passages
are the negatives, so no labelled negatives are needed.

Only pseudo-queries go in (:func:`training_pairs` refuses an entry without the comment it
came from, which every real query lacks), and the caller passes the tuning split: the
held-aside pseudo-queries are for scoring. ``training.json`` also lists the videos the pairs
came from, so the pseudo-confirmed rule (:func:`core.transfer.untrained`) never scores this
model on a query it was trained on. The loop is plain torch (shuffled by a seeded
generator, dropout seeded too), so one seed gives the same weights on the same machine.
:func:`fine_tune` saves the model with ``training.json``: the settings, the base model's and
the pairs' SHA-256, and the trained weights' SHA-256.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

from .dense.models import TRAINING_FILE
from .pseudo_queries import POSITION_KEY, in_held_aside

VIDEOS_KEY = "videos"   # training.json: the ids of the videos whose pseudo-queries were trained on


@dataclass(frozen=True)
class Settings:
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 2e-5
    seed: int = 0
    max_pairs: int | None = None    # the first N pairs after a seeded shuffle (None: all)
    scale: float = 20.0             # MultipleNegativesRankingLoss' cosine scale


class Pair(NamedTuple):
    query: str
    passage: str
    video: str


def trained_share(entries: list[dict], fraction: float, seed: int = 0) -> list[dict]:
    """The entries of a ``fraction`` of the videos (by a hash of ``seed`` and the video id, as
    the held-aside split, under another seed): the rest of the tuning set stays unseen by the
    model, so the pseudo-confirmed rule can still score it fairly."""
    if not 0 < fraction <= 1:
        raise ValueError(f"the trained fraction must be in (0, 1], got {fraction}")
    return [e for e in entries if in_held_aside(str(e["target"]), fraction, f"train:{seed}")]


def training_pairs(entries: list[dict], corpus) -> list[Pair]:
    """(query, passage, video) per pseudo-query entry whose target is in ``corpus`` (which must be
    the corpus without the entries' comments); ValueError for an entry that is not one."""
    from .dense.passages import passages
    text = dict(zip(corpus.ids, passages(corpus.docs)))
    pairs = []
    for e in entries:
        if not isinstance(e.get(POSITION_KEY), int):
            raise ValueError(f"not a pseudo-query (no {POSITION_KEY}): {str(e.get('text'))[:60]!r}; "
                             "fine-tuning never uses real queries")
        passage = text.get(str(e["target"]))
        if passage:
            pairs.append(Pair(str(e["text"]), passage, str(e["target"])))
    return pairs


def _sha256(items) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(item, ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()


def fine_tune(pairs: list[Pair], out_dir, base_dir, settings: Settings = Settings(),
              progress=None) -> dict:
    """Train a copy of the model in ``base_dir`` on ``pairs`` and save it to ``out_dir``
    with ``training.json`` (returned). ``progress(step, steps, loss)`` after each step."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from .dense.models import sha256_of

    random.Random(settings.seed).shuffle(pairs := list(pairs))
    pairs = pairs[:settings.max_pairs] if settings.max_pairs else pairs
    if len(pairs) < 2 or settings.batch_size < 2:
        raise ValueError(f"fine-tuning needs at least 2 pairs and batches of 2 or more (each batch's "
                         f"other pairs are its negatives); got {len(pairs)} pair(s), batch size "
                         f"{settings.batch_size}")
    torch.manual_seed(settings.seed)
    model = SentenceTransformer(str(base_dir), device="cpu")
    loss = MultipleNegativesRankingLoss(model, scale=settings.scale)
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    order = torch.Generator().manual_seed(settings.seed)
    batches = [list(range(i, min(i + settings.batch_size, len(pairs))))
               for i in range(0, len(pairs), settings.batch_size)]
    steps, step = settings.epochs * len(batches), 0
    model.train()
    for _ in range(settings.epochs):
        perm = torch.randperm(len(pairs), generator=order).tolist()
        for b in batches:
            chosen = [pairs[perm[i]] for i in b]
            if len(chosen) < 2:
                continue
            features = [model.tokenize([p.query for p in chosen]), model.tokenize([p.passage for p in chosen])]
            value = loss(features, None)
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            step += 1
            if progress:
                progress(step, steps, value.item())
    if step == 0:
        raise ValueError("no training step ran: nothing was saved")
    model.eval()
    out = check_out_dir(out_dir, base_dir)
    staged = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staged, ignore_errors=True)
    model.save(str(staged))
    weights = staged / "model.safetensors"
    info = {"base": str(base_dir), "base_sha256": sha256_of(Path(base_dir) / "model.safetensors"),
            "pairs": len(pairs), "pairs_sha256": _sha256(pairs), "steps": step,
            VIDEOS_KEY: sorted({p.video for p in pairs}),
            "loss": "MultipleNegativesRankingLoss", "settings": asdict(settings),
            "sha256": sha256_of(weights) if weights.is_file() else None}
    (staged / TRAINING_FILE).write_text(json.dumps(info, indent=1))
    _swap_in(staged, out)
    return info


def check_out_dir(out_dir, base_dir) -> Path:
    """``out_dir``, unless writing a model there could destroy something: a file, the base
    model, the models directory itself or any directory that is not an earlier fine-tune (one
    with ``training.json``); ValueError says which. Checked before training, and again before
    saving."""
    from .dense.models import models_dir

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a model directory")
    protected = {Path(base_dir).resolve(), models_dir().resolve()}
    if out.resolve() in protected or Path(base_dir).resolve().is_relative_to(out.resolve()):
        raise ValueError(f"--out {out} is the base model or the models directory: refusing to "
                         "overwrite it; choose another directory")
    if out.is_dir() and any(out.iterdir()) and not (out / TRAINING_FILE).is_file():
        raise ValueError(f"--out {out} holds something other than an earlier fine-tune (no "
                         f"{TRAINING_FILE}): refusing to overwrite it; choose another directory")
    return out


def _swap_in(staged: Path, out: Path) -> None:
    """Put the staged model directory at ``out`` whole: an interrupted save never leaves one
    run's weights beside another's training.json (directories cannot be renamed over)."""
    old = out.with_name(f"{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staged, out)
    shutil.rmtree(old, ignore_errors=True)
