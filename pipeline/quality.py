"""Quality figures for the media stages: word error rate and OCR character accuracy.

Both compare a reference with a hypothesis after light normalisation (lower-case, punctuation
removed, whitespace collapsed), with jiwer's Levenshtein alignment (rapidfuzz underneath):
error rate = (substitutions + deletions + insertions) / reference length. The word error rate
first applies Whisper's English normaliser (package whisper-normalizer, as in the Whisper
paper), so "ten thousand" and "10,000" or "I'm" and "I am" are the same words whichever
engine wrote them.
"""
from __future__ import annotations

import functools
import re

import jiwer
from rapidfuzz.distance import Levenshtein

_PUNCT = re.compile(r"[^\w\s']|_")


def normalise(text) -> str:
    text = _PUNCT.sub(" ", str(text or "").lower()).replace("'", "")
    return " ".join(text.split())


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (substitution, insertion, deletion = 1)."""
    return Levenshtein.distance(a, b)


@functools.lru_cache(maxsize=1)
def _english():
    from whisper_normalizer.english import EnglishTextNormalizer
    return EnglishTextNormalizer()


def wer(ref, hyp) -> float:
    """Word error rate: word edits / reference words (0 is perfect; can exceed 1).

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise."""
    r, h = (normalise(_english()(str(t or ""))) for t in (ref, hyp))
    if not r:
        return 0.0 if not h else 1.0
    return float(jiwer.wer(r, h))


def char_accuracy(ref, hyp) -> float:
    """1 - character error rate (jiwer.cer; spaces count as characters), clipped to [0, 1]."""
    r, h = normalise(ref), normalise(hyp)
    if not r:
        return 1.0 if not h else 0.0
    return max(0.0, 1.0 - float(jiwer.cer(r, h)))
