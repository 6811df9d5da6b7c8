"""BM25F: BM25 over several fields, each with its own weight and length normalisation.

The "simple BM25F" of Robertson, Zaragoza & Taylor (2004) / Zaragoza et al. (2004): per
document and term, field term frequencies are length-normalised per field and summed with the
field weights into one pseudo-frequency, which is then saturated once::

    tf~(t, d) = Σ_f  w_f · tf_f(t, d) / (1 − b_f + b_f · len_f(d) / avglen_f)
    w(t, d)   = idf(t) · tf~ · (k1 + 1) / (tf~ + k1)
    idf(t)    = ln(1 + (N − df + 0.5) / (df + 0.5))     (df over all indexed fields)

Fields are those of :data:`core.fields.TABLE` (parameter names ``desc``, ``creator``,
``music``, ``sr``, ``ocr``, ``c``). Each defaults to its table weight (1); ``b`` is the default
length normalisation of every field, ``b_<field>`` overrides it for one field (``b_c=0.9``).
Enrichment fields are used only when the configuration's enrichment includes them, and a
weight of 0 leaves a field out (a term shared only there is no match). BM25F needs ``noattr``
(it *is* the field-aware variant).

Everything is computed on the per-(tokeniser, field) count matrices that
:class:`core.index.TokenisedCorpus` already keeps over one shared vocabulary, so a new set
of parameters costs a few sparse additions, never re-tokenisation.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..fields import TABLE, active_fields
from ..scheme import Param, Spec
from .bm25 import B, K1
from . import ScoringScheme, cached

FIELDS = {f.name: f.columns for f in TABLE}   # parameter name -> corpus columns of the field
WEIGHTS = tuple(Param(f.name, f.default_weight, 0.0, float("inf"), f"weight of {f.label}",
                      range=(0.0, 3.0)) for f in TABLE)
FIELD_B = tuple(Param(f"b_{f.name}", B.default, 0.0, 1.0, f"b of {f.label} (default: b)") for f in TABLE)
DEFAULTS = {"k1": K1.default, "b": B.default}
PARAMS = ("k1", "b", *FIELDS, *(f"b_{f}" for f in FIELDS))


def check_params(params: dict) -> dict:
    """Full parameter dict (defaults filled in), or ValueError naming what is wrong."""
    unknown = set(params) - set(PARAMS)
    if unknown:
        raise ValueError(f"unknown bm25f parameter(s) {sorted(unknown)}; known: {', '.join(PARAMS)}")
    p = {**DEFAULTS, **{f.name: f.default for f in WEIGHTS}, **params}
    if p["k1"] < 0:
        raise ValueError(f"bm25f needs k1 >= 0, got {p['k1']}")
    for f in FIELDS:
        p.setdefault(f"b_{f}", p["b"])
        if not 0 <= p[f"b_{f}"] <= 1:
            raise ValueError(f"bm25f needs 0 <= b <= 1, got b_{f}={p[f'b_{f}']}")
        if p[f] < 0:
            raise ValueError(f"bm25f field weights must be >= 0, got {f}={p[f]}")
    return p


class BM25F(ScoringScheme):
    name, label, order = "bm25f", "BM25F", 2
    params = (K1, B, *WEIGHTS, *FIELD_B)
    attribution = False

    def check(self, spec: Spec) -> None:
        check_params(spec.kwargs)

    def full(self, spec: Spec) -> dict[str, float]:
        return check_params(spec.kwargs)

    def canonical(self, spec: Spec) -> Spec:
        """Drops defaults; a field's b equal to ``b`` is a default too."""
        p, d = self.full(spec), {**DEFAULTS, **{f.name: f.default for f in WEIGHTS}}
        keep = {k: v for k, v in spec.kwargs.items()
                if abs(v - (p["b"] if k.startswith("b_") else d[k])) > 1e-12}
        return Spec.of(spec.name, **keep)

    def score(self, index, spec, q):
        return (q @ index_bm25f_transposed(index, spec)).toarray()

    def matched(self, scores, matched):
        return matched & (scores > 0)   # a field weighted 0 is left out: no match there


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


def index_bm25f_transposed(index, spec) -> sp.csr_matrix:
    """Term × doc BM25F weights over an (unattributed) index's columns, cached on the index."""
    if index.attribution:
        raise ValueError("bm25f weights fields itself: use it with noattr")
    return cached(index, ("bm25fT", str(spec)), lambda: bm25f_matrix(
        index.source, index.tokens, index.enrichment, spec.kwargs, index.columns).T.tocsr())


SCHEME = BM25F()
