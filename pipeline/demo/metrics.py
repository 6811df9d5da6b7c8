"""Small quality measures against the generator's ground truth (used when the media stages do
not provide their own `char_accuracy` / `wer`): both are based on Levenshtein distance."""
from __future__ import annotations

import re


def _edit_distance(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def _chars(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").lower()).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", (text or "").lower())


def char_accuracy(reference: str, hypothesis: str) -> float:
    """1 - character edit distance / reference length (case and spacing ignored), floored at 0."""
    ref, hyp = _chars(reference), _chars(hypothesis)
    if not ref:
        return 1.0 if not hyp else 0.0
    return max(0.0, 1.0 - _edit_distance(ref, hyp) / len(ref))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word edit distance / number of reference words (punctuation ignored)."""
    ref, hyp = _words(reference), _words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return _edit_distance(ref, hyp) / len(ref)
