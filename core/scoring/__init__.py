"""The scoring registry: one module per scheme, each declaring its parameters.

A lexical component's documents are scored by the configuration's weighting, a
:class:`~core.scheme.Spec` such as ``bpx`` or ``bm25(k1=0.9,b=0.4)``. Each scheme lives in its
own module here (``smart``, ``bm25``, ``bm25f``, ``lmdir``, ``cosine``) as a
:class:`ScoringScheme` named ``SCHEME``: its parameters (type, default, range, help), its
validation, how it scores a query matrix against an index, and whether it can explain a
score term by term. The configuration parser, the engine, the method families, the sidebar
and the sweep all read schemes from :data:`REGISTRY`; a new scheme is one new file.

Scores are computed for many queries at once with one sparse product; weighted matrices are
cached on the index (keys ``(kind, str(spec))``, so :meth:`core.engine.Engine.drop_weights`
can forget one setting's matrices).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..postings import gather
from ..scheme import Registry, Scheme, Spec


class ScoringScheme(Scheme):
    """A document scoring scheme (see the module docstring)."""

    lexical = True        # scores an index's term matrix (cosine scores dense embeddings)
    explains = False      # can a score be split into per-term contributions?
    attribution = True    # may the index prefix terms with their field?

    def score(self, index, spec: Spec, q: sp.csr_matrix) -> np.ndarray:
        """Dense query × document scores for a binary query matrix over the index's columns."""
        raise NotImplementedError

    def score_one(self, index, spec: Spec, columns: np.ndarray, weights=None) -> tuple[np.ndarray, np.ndarray]:
        """One query (a search) from its sorted distinct columns and their weights (default
        1: a binary query): (scores, does the document hold one of the columns) over the
        documents. BM25 overrides it with a postings path; the rest score a one-row matrix."""
        data = np.ones(len(columns)) if weights is None else weights
        q = sp.csr_matrix((data, columns, [0, len(columns)]), shape=(1, index.vocab_size))
        return self.score(index, spec, q)[0], matches_one(index, columns)

    def document_matrix(self, index, spec: Spec) -> sp.csr_matrix:
        """The doc × column weights whose product with a query gives its scores (explain)."""
        raise ValueError(f"{spec}: term contributions are only available for SMART or bm25")

    def matched(self, scores: np.ndarray, matched: np.ndarray) -> np.ndarray:
        """Which documents count as matched, given the term matches (a hook for BM25F)."""
        return matched


REGISTRY = Registry(__name__, "weighting", " (smart: SMART letters {b,t}{x,f,p}{x,c}, e.g. bpx)")


def scheme_of(spec: Spec | str) -> ScoringScheme:
    return REGISTRY.get(spec.name if isinstance(spec, Spec) else spec)


def cached(index, key, build):
    """``index.cache[key]``, built once."""
    if key not in index.cache:
        index.cache[key] = build()
    return index.cache[key]


def doc_lengths(index) -> np.ndarray:
    return cached(index, ("doc_length",), lambda: np.asarray(index.counts.sum(axis=1)).ravel().astype(np.float64))


def matches_one(index, columns: np.ndarray) -> np.ndarray:
    """Boolean per document: does it hold one of these columns (a search's terms)?"""
    postings = index.postings()
    m = np.zeros(index.n_docs, dtype=bool)
    m[postings.indices[gather(postings.indptr, columns)[0]]] = True
    return m


def query_term_weights(index, spec, q, build):
    """``(terms, build(postings, terms))`` for the query set's distinct terms, where
    ``postings`` is the term × doc count matrix: a scheme weighs those terms' postings only,
    so a new parameter setting costs them, not a whole weight matrix. The last term set's
    result is kept per setting (tuning scores one test set many times)."""
    terms = np.unique(q.indices)
    key = ("query_terms", str(spec))
    kept = index.cache.get(key)
    if kept is None or not np.array_equal(kept[0], terms):
        kept = index.cache[key] = (terms, build(index.postings(), terms))
    return kept


def local_columns(q: sp.csr_matrix, terms: np.ndarray) -> sp.csr_matrix:
    """``q[:, terms]`` for the sorted distinct ``terms`` of q itself: its columns renumbered to
    positions in ``terms``, without scipy's pass over every column."""
    return sp.csr_matrix((q.data, np.searchsorted(terms, q.indices), q.indptr), shape=(q.shape[0], len(terms)))
