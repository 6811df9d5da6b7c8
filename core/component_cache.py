"""Component scores shared by the candidates of a tuning grid.

A family's candidates differ in a fusion weight or in one component's parameters, so most of
their components are the same: the nine fusion weights of a 4-gram BM25 + MiniLM hybrid score
BM25 and the dense passage once between them, not nine times, and prepare each once for
the fusion scheme (its normalisation; its ranks under ``rrf``). On the 3,178 pseudo-queries
of the 2022 corpus a component costs a second or more (a 3,178 × 1,462 score matrix and its
per-query z-scores or ranks), so ``--config best``'s pseudo-query tuning spent most of its
time recomputing them.

:class:`ComponentCache` wraps an Engine (everything else is passed through) and gives the same
``scores`` bit for bit: parts are the Engine's own ``component_scores``, fused by
:func:`core.fusion.fuse` with each part's ``prepare`` looked up instead of recomputed. A
few recent parts are kept (least recently used dropped), enough for one family at a time.
"""
from __future__ import annotations

from collections import OrderedDict

from .config import Config
from .fusion import DEFAULT, REGISTRY, fuse, own_params


class ComponentCache:
    """An Engine whose ``scores`` reuse the components (and their normalisations) that
    earlier configurations computed for the same queries."""

    def __init__(self, engine, max_items: int = 8):
        self.engine = engine
        self.max_items = max_items
        self._parts: OrderedDict = OrderedDict()
        self._prepared: OrderedDict = OrderedDict()

    def __getattr__(self, name):   # n_docs, target_positions, drop_weights…: the Engine's
        if name.startswith("__") or name == "engine":   # copy/pickle probe before engine is set
            raise AttributeError(name)
        return getattr(self.engine, name)

    def scores(self, config: Config, queries):
        queries = list(queries)
        asked = tuple(queries)
        keys = [_part_key(config, c, asked) for c in config.components]
        parts = [self._kept(self._parts, k, lambda c=c: self.engine.component_scores(config, c, queries))
                 for k, c in zip(keys, config.components)]
        if len(parts) == 1:
            return parts[0]
        spec = config.fusion or DEFAULT
        scheme = REGISTRY.get(spec.name)
        own = tuple(sorted((k, v) for k, v in spec.kwargs.items() if k in own_params(spec)))

        def prepared(i: int):
            return self._kept(self._prepared, (keys[i], spec.name, own),
                              lambda: scheme.prepare(spec, *parts[i]))

        return fuse(spec, list(config.tokens), parts, prepared)

    def _kept(self, store: OrderedDict, key, compute):
        if key in store:
            store.move_to_end(key)
            return store[key]
        value = store[key] = compute()
        while len(store) > self.max_items:
            store.popitem(last=False)
        return value


def _part_key(config: Config, comp, asked: tuple) -> tuple:
    """What one component's (scores, matched) depend on: the component, the fields, the
    attribution, the weighting (lexical components only) and the queries."""
    return (str(comp), tuple(sorted(config.enrichment)), config.attribution,
            None if comp.dense else str(config.weighting), asked)
