"""BM25F: BM25 over several fields, each with its own weight and length normalisation.

The "simple BM25F" of Robertson, Zaragoza & Taylor (2004) / Zaragoza et al. (2004): per
document and term, field term frequencies are length-normalised per field and summed with the
field weights into one pseudo-frequency, which is then saturated once::

    tf~(t, d) = Σ_f  w_f · tf_f(t, d) / (1 − b_f + b_f · len_f(d) / avglen_f)
    w(t, d)   = idf(t) · tf~ · (k1 + 1) / (tf~ + k1)
    idf(t)    = ln(1 + (N − df + 0.5) / (df + 0.5))     (df over all indexed fields)

Fields (parameter names of the ``bm25f(...)`` weighting): ``desc`` (description),
``creator`` (username and nickname), ``music`` (music title), ``sr`` (speech-to-text),
``ocr`` (cover-photo OCR), ``c`` (comments). Each defaults to weight 1; ``b`` is the default
length normalisation of every field, ``b_<field>`` overrides it for one field (``b_c=0.9``).
Enrichment fields are used only when the configuration's enrichment includes them, and a
weight of 0 leaves a field out. BM25F needs ``noattr`` (it *is* the field-aware variant).

Everything is computed on the per-(tokeniser, field) count matrices that
:class:`core.index.TokenisedCorpus` already keeps over one shared vocabulary, so a new set
of parameters costs a few sparse additions, never re-tokenisation.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .fields import ENRICHMENT

# parameter name -> corpus columns of the field (creator is two columns counted as one field)
FIELDS = {
    "desc": ("description",),
    "creator": ("creator_username", "creator_nickname"),
    "music": ("music_title",),
    "sr": (ENRICHMENT["sr"],),
    "ocr": (ENRICHMENT["ocr"],),
    "c": (ENRICHMENT["c"],),
}
BASIC_FIELDS = ("desc", "creator", "music")
DEFAULTS = {"k1": 1.2, "b": 0.75}
PARAMS = ("k1", "b", *FIELDS, *(f"b_{f}" for f in FIELDS))


def check_params(params: dict) -> dict:
    """Full parameter dict (defaults filled in), or ValueError naming what is wrong."""
    unknown = set(params) - set(PARAMS)
    if unknown:
        raise ValueError(f"unknown bm25f parameter(s) {sorted(unknown)}; known: {', '.join(PARAMS)}")
    p = {**DEFAULTS, **{f: 1.0 for f in FIELDS}, **params}
    if p["k1"] < 0:
        raise ValueError(f"bm25f needs k1 >= 0, got {p['k1']}")
    for f in FIELDS:
        p.setdefault(f"b_{f}", p["b"])
        if not 0 <= p[f"b_{f}"] <= 1:
            raise ValueError(f"bm25f needs 0 <= b <= 1, got b_{f}={p[f'b_{f}']}")
        if p[f] < 0:
            raise ValueError(f"bm25f field weights must be >= 0, got {f}={p[f]}")
    return p


def active_fields(enrichment) -> list[str]:
    return list(BASIC_FIELDS) + [f for f in ("sr", "ocr", "c") if f in enrichment]


def field_matrix(source, tokens: str, name: str) -> sp.csr_matrix:
    """Doc × global-term counts of one BM25F field (several columns summed)."""
    cols = FIELDS[name]
    for c in cols:
        source.field_counts(tokens, c)  # tokenise first so every block has the final width
    m = source.field_counts(tokens, cols[0])
    for c in cols[1:]:
        m = m + source.field_counts(tokens, c)
    return m.tocsr()


def bm25f_matrix(source, tokens: str, enrichment, params: dict, columns: np.ndarray | None = None,
                 df: np.ndarray | None = None) -> sp.csr_matrix:
    """Doc × term BM25F weights over the global vocabulary (or ``columns`` of it)."""
    p = check_params(params)
    fields = active_fields(enrichment)
    mats = {f: field_matrix(source, tokens, f) for f in fields}  # all built: widths agree
    width = len(source.vocabulary(tokens))
    n = source.n_docs
    pseudo = sp.csr_matrix((n, width))
    present = sp.csr_matrix((n, width))
    for f in fields:
        m = mats[f]
        if m.shape[1] != width:
            m = sp.csr_matrix((m.data, m.indices, m.indptr), shape=(n, width))
        present = present + m
        if p[f] == 0:
            continue
        dl = np.asarray(m.sum(axis=1)).ravel()
        avg = dl.mean() if n and dl.mean() > 0 else 1.0
        norm = 1 - p[f"b_{f}"] + p[f"b_{f}"] * dl / avg
        scale = np.where(norm > 0, p[f] / np.where(norm > 0, norm, 1.0), 0.0)
        pseudo = pseudo + sp.diags(scale) @ m
    if columns is not None:
        pseudo = pseudo[:, columns]
        present = present[:, columns]
    pseudo = pseudo.tocsr()
    pseudo.eliminate_zeros()
    if df is None:
        df = np.bincount(present.tocsr().indices, minlength=present.shape[1]).astype(np.float64)
    k1 = p["k1"]
    tf = pseudo.data
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    w = idf[pseudo.indices] * tf * (k1 + 1) / (tf + k1) if k1 > 0 else idf[pseudo.indices]
    return sp.csr_matrix((w, pseudo.indices, pseudo.indptr), shape=pseudo.shape)


def index_enrichment(index) -> frozenset:
    """The enrichment set of an index, from its name ``<tokens>.<fields>.<attr>``."""
    fields = index.name.split(".")[1]
    return frozenset() if fields == "basic" else frozenset(fields.split("+"))


def index_bm25f_transposed(index, weighting) -> sp.csr_matrix:
    """Term × doc BM25F weights over an (unattributed) index's columns, cached on the index."""
    key = ("bm25fT", str(weighting))
    if key not in index.cache:
        if index.name.endswith(".attr"):
            raise ValueError("bm25f weights fields itself: use it with noattr")
        enrichment = index_enrichment(index)
        w = bm25f_matrix(index.source, index.tokens, enrichment, weighting.kwargs, index.columns)
        index.cache[key] = w.T.tocsr()
    return index.cache[key]
