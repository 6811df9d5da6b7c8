"""Build inverted indexes as sparse doc × term count matrices.

A :class:`TokenisedCorpus` normalises each field of a corpus once and tokenises it once per
tokeniser, keeping one count matrix per (tokeniser, field) over a vocabulary shared by all
fields of that tokeniser. An :class:`Index` for a configuration is then assembled from those
blocks without touching text again:

* no attribution: the selected fields' matrices are summed (a term counts wherever it occurs);
* attribution: basic fields are summed into one block, each enrichment field is its own block
  whose terms carry the field's prefix (``sr:``, ``ocr:``, ``c:``); blocks are stacked side by
  side, so the same word in two fields is two columns with their own document frequencies.

Columns no document uses are dropped, so ``vocab_size`` is the number of distinct terms.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .config import Config, index_name
from .fields import ALL_FIELDS, BASIC, ENRICHMENT, ENRICHMENT_ORDER, PREFIX
from .index_cache import IndexCache, content_key
from .postings import gather
from .store import Corpus
from .text import Normaliser, tokeniser


# documents tokenised at a time: a field's tokens live as Python strings only for one chunk
# (a million documents' comments as 4-grams at once would be tens of GB of str objects)
TOKENISE_CHUNK = 20_000


class TokenisedCorpus:
    """Normalised and tokenised fields of one corpus, computed lazily and cached.

    With a :class:`~core.index_cache.IndexCache`, a tokeniser's first use reads every field's
    counts from disk, or tokenises every field (in the fixed order of ``ALL_FIELDS``, so the
    columns are the same whichever configuration came first) and saves them.
    """

    def __init__(self, corpus: Corpus, mode: str | None = None, cache: IndexCache | None = None):
        self.corpus = corpus
        self.mode = mode or corpus.mode
        self.normalise = Normaliser(self.mode, corpus.jl_map)
        self.n_docs = len(corpus)
        self.cache = cache
        self._text: dict[str, list[str]] = {}
        self._vocab: dict[str, dict[str, int]] = {}
        self._counts: dict[tuple[str, str], sp.csr_matrix] = {}
        self._key: str | None = None

    def _raw(self, field_name: str) -> list:
        docs = self.corpus.docs
        return list(docs[field_name]) if field_name in docs else [None] * self.n_docs

    def _from_cache(self, tokens: str) -> None:
        """Fill every field of ``tokens`` from the disk cache, or tokenise them all and save."""
        if self._vocab.get(tokens):
            return   # some fields were tokenised already: their columns must stay
        if self._key is None:
            self._key = content_key(self.mode, self.corpus.jl_map, {f: self._raw(f) for f in ALL_FIELDS})
        hit = self.cache.load(self._key, tokens, self.n_docs)
        if hit:
            terms, counts = hit
            self._vocab[tokens] = dict(zip(terms, range(len(terms))))
            self._counts.update({(tokens, f): m for f, m in counts.items()})
            return
        for f in ALL_FIELDS:
            self._tokenise(tokens, f)
        self.cache.save(self._key, tokens, list(self._vocab[tokens]),
                        {f: self._counts[(tokens, f)] for f in ALL_FIELDS})

    def normalised(self, field_name: str) -> list[str]:
        if field_name not in self._text:
            self._text[field_name] = [self.normalise(t if isinstance(t, str) else None)
                                      for t in self._raw(field_name)]
        return self._text[field_name]

    def preload(self, texts: dict[str, list[str]]) -> None:
        """Adopt normalised field texts computed elsewhere (e.g. by a parent process)."""
        self._text.update(texts)

    def vocabulary(self, tokens: str) -> dict[str, int]:
        """Term → global column for a tokeniser (grows as fields are tokenised)."""
        return self._vocab.setdefault(tokens, {})

    def field_counts(self, tokens: str, field_name: str) -> sp.csr_matrix:
        """Doc × term counts of one field, shaped to the tokeniser's current vocabulary."""
        key = (tokens, field_name)
        if key not in self._counts and self.cache is not None:
            self._from_cache(tokens)
        if key not in self._counts:
            self._tokenise(tokens, field_name)
        m = self._counts[key]
        width = len(self.vocabulary(tokens))
        if m.shape[1] != width:
            m = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(self.n_docs, width))
        return m

    def _tokenise(self, tokens: str, field_name: str) -> None:
        key = (tokens, field_name)
        if key not in self._counts:
            texts = self.normalised(field_name)
            blocks = [self._chunk_counts(tokens, texts[s:s + TOKENISE_CHUNK])
                      for s in range(0, self.n_docs, TOKENISE_CHUNK)]
            width = len(self.vocabulary(tokens))
            blocks = [sp.csr_matrix((b.data, b.indices, b.indptr), shape=(b.shape[0], width))
                      for b in blocks] or [sp.csr_matrix((0, width))]
            self._counts[key] = sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]

    def _chunk_counts(self, tokens: str, texts: list[str]) -> sp.csr_matrix:
        """Doc × term counts of some documents' texts; new terms join the vocabulary in order
        of first occurrence (so chunking changes no column number)."""
        tok = tokeniser(tokens)
        vocab = self.vocabulary(tokens)
        per_doc = [tok(text) for text in texts]
        flat = [t for doc in per_doc for t in doc]
        # factorise all tokens at once; only the distinct ones touch the Python dict
        codes, uniques = pd.factorize(pd.Series(flat, dtype=object), sort=False)
        add = vocab.setdefault
        to_global = np.fromiter((add(u, len(vocab)) for u in uniques), dtype=np.int64, count=len(uniques))
        cols = to_global[codes] if len(flat) else np.zeros(0, dtype=np.int64)
        rows = np.repeat(np.arange(len(texts)), [len(d) for d in per_doc])
        m = sp.csr_matrix((np.ones(len(cols), dtype=np.float64), (rows, cols)), shape=(len(texts), len(vocab)))
        m.sum_duplicates()
        return m

    def query_terms(self, tokens: str, query: str) -> list[str]:
        """A query's tokens, normalised as the corpus's text is."""
        return tokeniser(tokens)(self.normalise(query))

    def query_matrix(self, tokens: str, queries: list[str]) -> sp.csr_matrix:
        """Binary query × global-term matrix; terms not in the corpus are ignored."""
        vocab = self.vocabulary(tokens)
        per_query = [sorted({vocab[t] for t in self.query_terms(tokens, q) if t in vocab}) for q in queries]
        cols = np.fromiter((c for q in per_query for c in q), dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum([len(q) for q in per_query], dtype=np.int64)])
        # built from its arrays (sorted, no duplicates): scipy's checks of a coordinate list
        # cost more than a whole search on a small index
        return sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(queries), len(vocab)))


@dataclass
class Index:
    """Counts (docs × columns) for one tokeniser, enrichment set and attribution choice."""

    name: str
    tokens: str
    counts: sp.csr_matrix
    columns: np.ndarray        # global term id of each column
    blocks: np.ndarray         # block of each column: 0 basic, 1 sr, 2 ocr, 3 c
    source: TokenisedCorpus
    build_seconds: float
    enrichment: frozenset = frozenset()
    attribution: bool = False
    cache: dict = field(default_factory=dict, repr=False)

    BLOCK_NAMES = ("basic",) + ENRICHMENT_ORDER

    @property
    def n_docs(self) -> int:
        return self.counts.shape[0]

    @property
    def vocab_size(self) -> int:
        return self.counts.shape[1]

    @property
    def nbytes(self) -> int:
        c = self.counts
        return c.data.nbytes + c.indices.nbytes + c.indptr.nbytes + self.columns.nbytes + self.blocks.nbytes

    def binary(self) -> sp.csr_matrix:
        if "binary" not in self.cache:
            c = self.counts
            self.cache["binary"] = sp.csr_matrix((np.ones_like(c.data), c.indices, c.indptr), shape=c.shape)
        return self.cache["binary"]

    def document_frequency(self) -> np.ndarray:
        if "df" not in self.cache:
            self.cache["df"] = np.bincount(self.counts.indices, minlength=self.vocab_size).astype(np.float64)
        return self.cache["df"]

    def query_matrix(self, queries: list[str]) -> sp.csr_matrix:
        """Binary query × column matrix (with attribution a query term matches every block);
        the last query set's is kept, since tuning scores one test set many times."""
        key = tuple(queries)
        kept = self.cache.get("query_matrix")
        if kept is None or kept[0] != key:
            kept = self.cache["query_matrix"] = (key, self.to_columns(self.source.query_matrix(self.tokens, queries)))
        return kept[1]

    def to_columns(self, q: sp.csr_matrix) -> sp.csr_matrix:
        """A query × global-term matrix as query × column (``q[:, columns]``, at the cost of
        the queries' terms instead of a pass over every column: the map global term → its
        columns, one per block, is kept)."""
        m = self._column_of(q.shape[1])
        q = q.tocsr()
        if q.shape[1] > m.shape[0]:   # terms added to the vocabulary since: in no column
            q = q[:, :m.shape[0]]
        pos, n = gather(m.indptr, q.indices)
        rows = np.repeat(np.repeat(np.arange(q.shape[0]), np.diff(q.indptr)), n)
        cols, data = m.indices[pos], np.repeat(q.data, n)
        order = np.lexsort((cols, rows))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=q.shape[0]))])
        return sp.csr_matrix((data[order], cols[order], indptr), shape=(q.shape[0], len(self.columns)))

    def query_columns(self, terms: list[str]) -> np.ndarray:
        """The sorted columns of one query's terms (tokens; unknown ones ignored): the
        indices of ``to_columns(source.query_matrix(...))`` for one query, without building
        two scipy matrices per search (their checks cost more than scoring a small index)."""
        vocab = self.source.vocabulary(self.tokens)
        glob = {vocab[t] for t in terms if t in vocab}
        m = self._column_of(len(vocab))
        glob = np.fromiter((g for g in glob if g < m.shape[0]), dtype=np.int64)
        return np.sort(m.indices[gather(m.indptr, glob)[0]])

    def _column_of(self, width: int) -> sp.csr_matrix:
        """Global term × column, kept: row g holds the columns of term g (one per block)."""
        if "column_of" not in self.cache:
            glob = np.asarray(self.columns)
            order = np.argsort(glob, kind="stable")
            width = max(width, int(glob.max()) + 1 if len(glob) else 0)
            self.cache["column_of"] = sp.csr_matrix(
                (np.ones(len(glob)), order, np.searchsorted(glob[order], np.arange(width + 1))),
                shape=(width, len(glob)))
        return self.cache["column_of"]

    def postings(self) -> sp.csr_matrix:
        """The term × doc counts (the columns of ``counts``), kept: a query reads its terms' rows."""
        if "postings" not in self.cache:
            self.cache["postings"] = self.counts.T.tocsr()
        return self.cache["postings"]

    def term(self, column: int) -> str:
        """Display name of a column, with its attribution prefix if any."""
        if "terms" not in self.cache:
            vocab = self.source.vocabulary(self.tokens)
            names = np.empty(len(vocab), dtype=object)
            names[list(vocab.values())] = list(vocab.keys())
            self.cache["terms"] = names
        block = self.BLOCK_NAMES[self.blocks[column]]
        prefix = PREFIX.get(block, "") if self.attribution else ""
        return prefix + self.cache["terms"][self.columns[column]]


def _sum(matrices) -> sp.csr_matrix:
    """The sum of same-shaped count matrices (a fresh matrix, even of one)."""
    total = None
    for m in matrices:
        total = m.copy() if total is None else total + m
    return total


def _nonzero_columns(m: sp.csr_matrix) -> np.ndarray:
    return np.flatnonzero(np.bincount(m.indices, minlength=m.shape[1]))


def build_index(source: TokenisedCorpus, tokens: str, enrichment=frozenset(ENRICHMENT_ORDER),
                attribution: bool = False) -> Index:
    """Assemble the index for one tokeniser from cached per-field counts.

    ``build_seconds`` includes any tokenisation this call had to do (the first index of a
    tokeniser pays for its fields), as the study's indexing time did.
    """
    t0 = time.perf_counter()
    enrich = [e for e in ENRICHMENT_ORDER if e in enrichment]
    fields = BASIC + tuple(ENRICHMENT[e] for e in enrich)
    for f in fields:
        source.field_counts(tokens, f)  # tokenise first so all blocks share one width
    # one sum per block, no intermediate ones (at a million documents each copy of a 4-gram
    # index's counts is gigabytes)
    if attribution:
        parts = [(0, _sum(source.field_counts(tokens, f) for f in BASIC))] + [
            (1 + ENRICHMENT_ORDER.index(e), source.field_counts(tokens, ENRICHMENT[e])) for e in enrich]
    else:
        parts = [(0, _sum(source.field_counts(tokens, f) for f in fields))]
    mats, columns, blocks = [], [], []
    for block, m in parts:
        cols = _nonzero_columns(m)
        mats.append(m if len(cols) == m.shape[1] else m[:, cols])   # every column used: no copy
        columns.append(cols)
        blocks.append(np.full(len(cols), block, dtype=np.int8))
    del parts
    counts = sp.hstack(mats, format="csr") if len(mats) > 1 else mats[0].tocsr()
    counts.sort_indices()
    return Index(index_name(tokens, enrich, attribution), tokens, counts, np.concatenate(columns),
                 np.concatenate(blocks), source, time.perf_counter() - t0, frozenset(enrich), bool(attribution))


def index_for(source: TokenisedCorpus, config: Config) -> Index:
    """The index of a single-tokeniser configuration."""
    if len(config.components) != 1 or config.dense:
        raise ValueError(f"{config} is not one lexical tokenisation; build one index per tokenisation")
    return build_index(source, config.components[0].tokeniser, config.enrichment, config.attribution)
