"""Query-side options of a lexical component: ``~fuzzy``, ``~split`` and ``~rm3``
(``word~fuzzy~split``, ``4gram~rm3``).

All only add corpus terms to a query (each added term has query weight 1, like the
query's own terms); documents and indexes are unchanged, so an option costs nothing at
indexing time.

* ``fuzzy`` (word tokens only; n-grams are already robust to typos): a query word of at
  least 4 characters that is *not* in the corpus vocabulary also matches the corpus words
  within Damerau–Levenshtein distance 1 (distance 2 from 8 characters on), and the corpus
  words it is a prefix of; at most ``MAX_FUZZY`` of them, the most frequent first.
* ``split`` (hashtags and run-together words): for word tokens, each query word also
  matches its hashtag ``#word``, a ``#hashtag`` or ``@name`` query word also matches the
  bare word, adjacent query words joined (2 or 3 of them) match the joined word and its
  hashtag (``one piece`` → ``onepiece``, ``#onepiece``), and a query word the corpus lacks
  is split into corpus words when it can be (``onepiece`` → ``one``, ``piece``, by the
  segmentation with the fewest, then most frequent, parts). For character n-grams the
  n-grams of the query with its spaces removed are added (``one piece`` → ``epie``).
* ``rm3`` (pseudo-relevance feedback, RM3 as in Lavrenko & Croft 2001 / Anserini): the
  component first scores the query as it is; its ``RM3_DOCS`` best documents (weighted by
  their share of those documents' total score) give a term distribution
  Σ_d w_d · tf(t, d) / |d|; its ``RM3_TERMS`` heaviest terms, normalised to sum 1, are added
  to the query vector with weight ``(1 − RM3_ORIGINAL) / RM3_ORIGINAL`` times the query's own
  term count, i.e. original and feedback parts mixed RM3_ORIGINAL : 1 − RM3_ORIGINAL (Anserini's
  defaults, 10 documents, 10 terms, 0.5, untuned). Only the corpus is used, never a target.
"""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

from .text import squash, tokeniser

MAX_FUZZY = 3
MIN_FUZZY_LEN = 4


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def damerau(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (capped at limit + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2 = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class WordLexicon:
    """Corpus word statistics for expansion: df per word, a deletion index, sorted words."""

    def __init__(self, source):
        vocab = source.vocabulary("word")
        from .fields import ALL_FIELDS
        for f in ALL_FIELDS:
            source.field_counts("word", f)
        df = np.zeros(len(vocab))
        for f in ALL_FIELDS:
            m = source.field_counts("word", f)
            df[: m.shape[1]] += np.bincount(m.indices, minlength=m.shape[1])
        self.vocab = vocab
        self.df = {t: df[i] for t, i in vocab.items()}
        self.words = sorted(t for t in vocab if t.isalnum() or t.replace("_", "").isalnum())
        self.by_delete: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) >= MIN_FUZZY_LEN - 1:
                for d in _deletes(w) | {w}:
                    self.by_delete.setdefault(d, []).append(w)

    def fuzzy(self, word: str) -> list[str]:
        if len(word) < MIN_FUZZY_LEN or word in self.vocab or not word.isalnum():
            return []
        limit = 2 if len(word) >= 8 else 1
        cands = set()
        for d in _deletes(word) | {word}:
            cands.update(self.by_delete.get(d, ()))
        if limit == 2:  # two deletions on the query side reach distance-2 words
            for d in _deletes(word):
                for dd in _deletes(d):
                    cands.update(self.by_delete.get(dd, ()))
        found = {c for c in cands if damerau(word, c, limit) <= limit}
        import bisect
        i = bisect.bisect_left(self.words, word)
        while i < len(self.words) and self.words[i].startswith(word):
            found.add(self.words[i])
            i += 1
        return sorted(found, key=lambda t: (-self.df.get(t, 0), t))[:MAX_FUZZY]

    def segment(self, word: str) -> list[str]:
        """Split a run-together word into corpus words (fewest parts, then most frequent)."""
        n = len(word)
        best: list = [None] * (n + 1)
        best[0] = (0, 0.0, [])
        for j in range(1, n + 1):
            for i in range(max(0, j - 20), j):
                piece = word[i:j]
                if best[i] is None or piece not in self.df or (len(piece) < 2 and piece not in ("a", "i")):
                    continue
                cand = (best[i][0] + 1, best[i][1] - np.log1p(self.df[piece]), best[i][2] + [piece])
                if best[j] is None or cand[:2] < best[j][:2]:
                    best[j] = cand
        return best[n][2] if best[n] and best[n][0] > 1 else []


def lexicon(source) -> WordLexicon:
    cache = source.__dict__.setdefault("_lexicon", {})
    if "word" not in cache:
        cache["word"] = WordLexicon(source)
    return cache["word"]


def expanded_terms(source, tokens: str, options, query: str) -> set[str]:
    """The query's own terms plus those its options add."""
    text = source.normalise(query)
    terms = set(tokeniser(tokens)(text))
    if tokens != "word":
        if "split" in options:
            n = int(tokens[:-4])
            s = squash(text).replace(" ", "")
            terms |= {s[i:i + n] for i in range(len(s) - n + 1)}
        return terms
    words = tokeniser("word")(text)
    lex = lexicon(source) if options else None
    if "split" in options:
        bare = [re.sub(r"^[#@]+", "", w) for w in words]
        for w in bare:
            if w:
                terms |= {w, "#" + w, "@" + w}
                if w not in lex.vocab:
                    terms |= set(lex.segment(w))
        for size in (2, 3):
            for i in range(len(bare) - size + 1):
                joined = "".join(bare[i:i + size])
                terms |= {joined, "#" + joined}
    if "fuzzy" in options:
        for w in list(terms):
            terms |= set(lex.fuzzy(w))
    return terms


def query_matrix(source, tokens: str, options, queries: list[str]) -> sp.csr_matrix:
    """Binary query × global-term matrix with the options' extra terms (unknown terms dropped)."""
    if not options:
        return source.query_matrix(tokens, queries)
    vocab = source.vocabulary(tokens)
    rows, cols = [], []
    for i, q in enumerate(queries):
        for c in {vocab[t] for t in expanded_terms(source, tokens, options, q) if t in vocab}:
            rows.append(i)
            cols.append(c)
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(queries), len(vocab)))


RM3_DOCS = 10
RM3_TERMS = 10
RM3_ORIGINAL = 0.5


def rm3(index, weighting, q: sp.csr_matrix) -> sp.csr_matrix:
    """The query × column matrix ``q`` with RM3 feedback terms from its own first ranking.

    Per query: its ``RM3_DOCS`` best documents d (score s, ties by corpus order), weights
    w_d = s_d / Σ s, the feedback distribution P(t) ∝ Σ_d w_d · tf(t, d) / |d| over its
    ``RM3_TERMS`` most likely terms, and the new query q + (1 − λ)/λ · |q| · P with
    λ = ``RM3_ORIGINAL``. Only the terms of the feedback documents are looked at, so a query
    costs its documents, not the vocabulary."""
    from .search import score
    s0 = score(index, weighting, q)
    counts = index.counts
    dl = np.asarray(counts.sum(axis=1)).ravel()
    p_td = (sp.diags(1.0 / np.maximum(dl, 1.0)) @ counts).tocsr()          # tf / |d|
    q = sp.csr_matrix(q)
    rows, cols, vals = [], [], []
    for i in range(q.shape[0]):
        own_cols, own = q.indices[q.indptr[i]:q.indptr[i + 1]], q.data[q.indptr[i]:q.indptr[i + 1]]
        rows.append(np.full(len(own), i))
        cols.append(own_cols)
        vals.append(own)
        hits = np.flatnonzero(s0[i] > 0)
        if not len(hits) or own.sum() == 0:
            continue
        top = hits[np.lexsort((hits, -s0[i, hits]))][:RM3_DOCS]
        w = s0[i, top] / s0[i, top].sum()
        spans = [slice(p_td.indptr[d], p_td.indptr[d + 1]) for d in top]
        terms, at = np.unique(np.concatenate([p_td.indices[span] for span in spans]), return_inverse=True)
        v = np.bincount(at, weights=np.concatenate([p_td.data[span] * wd for span, wd in zip(spans, w)]))
        keep = np.argsort(-v, kind="stable")[:RM3_TERMS]
        fb = v[keep] / v[keep].sum()
        rows.append(np.full(len(keep), i))
        cols.append(terms[keep])
        vals.append((1 - RM3_ORIGINAL) / RM3_ORIGINAL * own.sum() * fb)
    if not rows:
        return q
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=q.shape)
