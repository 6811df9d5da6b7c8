"""Quality figures for the media stages: word error rate and OCR character accuracy.

Both compare a reference with a hypothesis after light normalisation (lower-case, punctuation
removed, whitespace collapsed), using a plain Levenshtein edit distance.
"""
from __future__ import annotations

import re

_PUNCT = re.compile(r"[^\w\s']|_")


def normalise(text) -> str:
    text = _PUNCT.sub(" ", str(text or "").lower()).replace("'", "")
    return " ".join(text.split())


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (substitution, insertion, deletion = 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def wer(ref, hyp) -> float:
    """Word error rate: word edits / reference words (0 is perfect; can exceed 1).

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise."""
    r, h = normalise(ref).split(), normalise(hyp).split()
    if not r:
        return 0.0 if not h else 1.0
    return edit_distance(r, h) / len(r)


def char_accuracy(ref, hyp) -> float:
    """1 - character error rate, clipped to [0, 1] (1 is perfect)."""
    r, h = normalise(ref), normalise(hyp)
    if not r:
        return 1.0 if not h else 0.0
    return max(0.0, 1.0 - edit_distance(r, h) / len(r))
