"""One entry point for answering any configuration on one corpus.

An :class:`Engine` owns a corpus, its cached tokenisation and every index built so far, so
scripts, the grid, the evaluation and the dashboard all answer a :class:`~core.config.Config`
the same way: ``scores`` for many queries at once, ``search`` for one, ``explain`` a score.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .config import STUDY_BEST, Component, Config, component
from .dense import DenseIndex
from .grid import target_positions
from .index import Index, TokenisedCorpus, build_index
from .index_cache import IndexCache
from .metrics import target_ranks
from .scoring import scheme_of
from .search import explain, matches, score
from .store import Corpus, load_corpus
from .topk import top_k

MAX_QUERY_CHARS = 500
RESULT_COLUMNS = pd.Index(["rank", "doc", "id", "score"])   # made once: see Engine.search


class QueryError(ValueError):
    """A query that cannot be searched; the message is meant for the user."""


def check_query(text) -> str:
    """The query stripped, or a QueryError saying in words what is wrong with it."""
    if text is None or not str(text).strip():
        raise QueryError("Type a few words you remember about the video.")
    text = str(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"That query is {len(text):,} characters long; keep it under "
                         f"{MAX_QUERY_CHARS} (a few words you remember work best).")
    return text


class Engine:
    """Indexes of one corpus, built on demand and cached by (tokens, enrichment, attribution)."""

    def __init__(self, corpus: Corpus, mode: str | None = None, index_cache: IndexCache | None = None):
        self.source = TokenisedCorpus(corpus, mode, index_cache)
        self.corpus = corpus
        self._indexes: dict[tuple, Index] = {}
        self._dense: dict = {}
        self._ids: np.ndarray | None = None
        self._id_array = None

    @classmethod
    def from_db(cls, path, mode: str | None = None, index_cache: bool = True) -> "Engine":
        """An engine over a corpus database; its tokenisations are read from (and saved to)
        the disk cache of :mod:`core.index_cache` unless ``index_cache`` is False."""
        return cls(load_corpus(path), mode, IndexCache() if index_cache else None)

    @property
    def mode(self) -> str:
        return self.source.mode

    @property
    def n_docs(self) -> int:
        return len(self.corpus)

    def ids(self) -> np.ndarray:
        """Document ids by document number, as one array made once (``Corpus.ids`` and the
        column's ``to_numpy`` build a new list of every id on each call)."""
        if self._ids is None:
            self._ids = self.corpus.docs["id"].to_numpy(dtype=object)
        return self._ids

    def index(self, tokens: str, enrichment, attribution: bool) -> Index:
        key = (tokens, frozenset(enrichment), bool(attribution))
        if key not in self._indexes:
            self._indexes[key] = build_index(self.source, tokens, key[1], key[2])
        return self._indexes[key]

    def dense_index(self, model: str = "minilm"):
        """Passage embeddings of the corpus by one model (built once, cached beside the database)."""
        if model not in self._dense:
            self._dense[model] = DenseIndex.build(self.corpus, model=model)
        return self._dense[model]

    def warm(self, configs=(STUDY_BEST,)) -> None:
        """Build (or read from the disk cache) the lexical indexes ``configs`` search."""
        for config in configs:
            for comp in config.lexical:
                self.index(comp.tokeniser, config.enrichment, config.attribution)

    def drop_weights(self, config: Config) -> None:
        """Forget the weighted matrices cached for a configuration's weighting (tuning over
        many parameter settings would otherwise keep one matrix per setting)."""
        tag = str(config.weighting)
        for index in self._indexes.values():
            for key in [k for k in index.cache if isinstance(k, tuple) and tag in k[1:]]:
                del index.cache[key]

    def component_scores(self, config: Config, comp: Component | str, queries: list[str]):
        """(scores, matched) of one component (tokenisation) of a configuration."""
        comp = component(comp) if isinstance(comp, str) else comp
        if comp.dense:
            return self.dense_index(comp.model).scores(queries, comp.passage(config.enrichment), comp.window)
        index = self.index(comp.tokeniser, config.enrichment, config.attribution)
        opts = comp.options
        terms = tuple(o for o in opts if o != "rm3")
        if terms:
            from .query_expansion import query_matrix
            q = index.to_columns(query_matrix(self.source, index.tokens, terms, queries))
        else:
            q = index.query_matrix(queries)
        if "rm3" in opts:
            from .query_expansion import rm3
            q = rm3(index, config.weighting, q)
        s = score(index, config.weighting, q)
        return s, scheme_of(config.weighting).matched(s, matches(index, q))

    def scores(self, config: Config, queries: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched), both queries × documents, for a configuration.

        With several components (``word+4gram+dense``) the scores are their fusion
        (:mod:`core.fusion`, default ``rrf(k=60)``) and ``matched`` is the union.
        """
        queries = list(queries)
        parts = [self.component_scores(config, c, queries) for c in config.components]
        if len(parts) == 1:
            return parts[0]
        from .fusion import fuse
        return fuse(config.fusion, list(config.tokens), parts)

    def target_positions(self, target_ids) -> np.ndarray:
        return target_positions(self.source, target_ids)

    def rank_queries(self, config: Config, queries: pd.DataFrame) -> pd.DataFrame:
        """Per query: rank_lo, rank_hi and expected target_rank (NaN when unranked)."""
        s, m = self.scores(config, queries["query_text"].tolist())
        lo, hi = target_ranks(s, m, self.target_positions(queries["target_id"]))
        out = queries[["query_id"]].copy() if "query_id" in queries else pd.DataFrame(index=queries.index)
        out["rank_lo"], out["rank_hi"], out["target_rank"] = lo, hi, (lo + hi) / 2
        return out

    def top(self, config: Config, query: str, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k best matching documents for one query, best first, as arrays: (document
        numbers, scores); ``search`` is this with ranks and ids."""
        s, m = self._one(config, check_query(query))
        order = top_k(s, np.flatnonzero(m), k)
        return order, s[order]

    def search(self, config: Config, query: str, k: int = 10) -> pd.DataFrame:
        """Top-k matching documents for one query: rank, doc, id, score (best first)."""
        docs, scores = self.top(config, query, k)
        # built from its columns: pandas's dict constructor (and the index of the column
        # names it makes) costs more than scoring the query on a corpus of a few thousand
        return pd.DataFrame._from_arrays(
            [np.arange(1, len(docs) + 1), docs, self._id_column().take(docs), scores],
            columns=RESULT_COLUMNS, index=pd.RangeIndex(len(docs)), verify_integrity=False)

    def _one(self, config: Config, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(scores, matched) over the documents for one query. One lexical component without
        query options is scored from its terms' postings (no query matrix is built); any
        other configuration as a query set of one."""
        lexical = config.lexical
        terms = [self.source.query_terms(c.tokeniser, query) for c in lexical]
        if lexical and len(lexical) == len(config.components) and not any(terms):
            raise QueryError("Nothing searchable is left in that query after normalisation "
                             "(try words, not only symbols).")
        if len(config.components) == 1 and lexical and not lexical[0].options:
            index = self.index(lexical[0].tokeniser, config.enrichment, config.attribution)
            cols = index.query_columns(terms[0])
            scheme = scheme_of(config.weighting)
            s, m = scheme.score_one(index, config.weighting, cols)
            return s, scheme.matched(s, m)
        s, m = self.scores(config, [query])
        return s[0], m[0]

    def _id_column(self):
        """Every id as the pandas array a result's ``id`` column holds (its type inferred
        once, from the list of all ids, as pandas infers it from a list of some)."""
        if self._id_array is None:
            self._id_array = pd.Series(self.ids().tolist()).array
        return self._id_array

    def explain(self, config: Config, query: str, doc: int) -> pd.DataFrame:
        """Each matching term's contribution to one document's score (they sum to the score)."""
        if not config.lexical or not scheme_of(config.weighting).explains:
            raise ValueError(f"{config}: term contributions are only available for a lexical "
                             "SMART or bm25 component")
        index = self.index(config.lexical[0].tokeniser, config.enrichment, config.attribution)
        return explain(index, config.weighting, query, doc)


def warm_index_cache(path, configs=(STUDY_BEST,)) -> float:
    """Tokenise what ``configs`` need into the disk cache (:mod:`core.index_cache`), so the
    first search of a freshly started dashboard or CLI reads it instead; returns seconds."""
    import time
    t0 = time.perf_counter()
    Engine.from_db(path).warm(configs)
    return time.perf_counter() - t0

