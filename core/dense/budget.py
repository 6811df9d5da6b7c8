"""What a set of configurations needs embedded, what that will cost, and embedding it.

Kept apart because the command line (``pipeline.embed``, ``pipeline.evaluate --config best``)
and the dashboard all ask the same two questions before a dense run: how many texts are not
in the cache yet, and how long will they take (from the texts per second this machine last
measured, :meth:`.cache.EmbeddingCache.rate`). Nothing here loads a model until
:func:`prepare` embeds.
"""
from __future__ import annotations

from dataclasses import dataclass

from .models import MODELS

# texts per second when this machine has not measured a model yet: ONNX Runtime on the 2022
# study's windows on an idle 2-core machine (MiniLM: `pipeline.embed`, 2,651 windows at 28.8/s;
# mpnet: bench/embed.py, 1.2-2/s; docs/results.md). The first run records the real rate.
DEFAULT_RATE = {"minilm": 28.0, "mpnet": 2.0, "tuned": 28.0}   # tuned: MiniLM's architecture


@dataclass(frozen=True)
class Need:
    """One embedding set: a model's vectors of one passage choice (whole, or windows)."""
    model: str
    passage: frozenset
    window: int | None = None

    def __str__(self) -> str:
        fields = "+".join(sorted(self.passage)) or "basic"
        return f"{MODELS[self.model]} on {fields}" + (f", {self.window}-word windows" if self.window else "")


def needs(configs) -> list[Need]:
    """The distinct embedding sets the configurations' dense components use, in first-use order."""
    out = {}
    for config in configs:
        for comp in config.dense:
            out.setdefault(Need(comp.model, comp.passage(config.enrichment), comp.window), None)
    return list(out)


def missing(engine, wanted: list[Need]) -> dict[str, set[str]]:
    """Per model, the distinct texts the cache lacks (a text two sets share counted once)."""
    out: dict[str, set[str]] = {}
    for n in wanted:
        out.setdefault(n.model, set()).update(engine.dense_index(n.model).missing(n.passage, n.window))
    return out


def seconds(engine, model: str, texts: int) -> float:
    """Estimated time to embed ``texts`` texts with ``model`` at its measured rate."""
    index = engine.dense_index(model)
    rate = index.cache.rate(index.model_key) or DEFAULT_RATE[model]
    return texts / rate


def cost(engine, wanted: list[Need]) -> tuple[int, float]:
    """(texts to embed, estimated seconds) of the sets not cached."""
    todo = missing(engine, wanted)
    return sum(map(len, todo.values())), sum(seconds(engine, m, len(t)) for m, t in todo.items())


def prepare(engine, wanted: list[Need], progress=None) -> None:
    """Embed (or load) every set; ``progress(need, done, total)`` follows each set's encoding."""
    for n in wanted:
        engine.dense_index(n.model).prepare(
            n.passage, n.window, (lambda done, total, n=n: progress(n, done, total)) if progress else None)
