"""Text normalisation and tokenisation (STUDY.md, "Normalisation").

Two normalisation modes:

* ``study2022``: the study's pipeline. Each extended grapheme cluster found in the
  Unidecode.jl table (``unidecode_jl_map.json``) is replaced by its name (😅 → ``:sweat_smile:``,
  α → ``alpha``, ’ → ``rq``), then Python ``unidecode`` transliterates the rest to ASCII
  (dropping emoji the table did not name), then lower-case.
* ``default``: emoji become their names with the ``emoji`` package (alias names), then
  ``unidecode``, then lower-case. Needs no table, so it works on any corpus.

Tokenisers take normalised text. Words: split on ``[\\s/—-]+`` then delete every character
that is not a word character, ``@``, ``#`` or space, dropping empty tokens. Character
n-grams: replace each run of ``[\\s/—-]+`` by one space, delete the same characters, take
every substring of length n (text shorter than n gives none). No stop words, no stemming.
"""
from __future__ import annotations

import functools
import re

import emoji
import regex
from unidecode import unidecode

MODES = ("default", "study2022")

DELIMITERS = re.compile(r"[\s/—-]+")
NOT_KEPT = re.compile(r"[^\w@# ]")
_GRAPHEME = regex.compile(r"\X")


class Normaliser:
    """Callable text normaliser for one mode (steps 1-3 of STUDY.md)."""

    def __init__(self, mode: str = "default", jl_map: dict | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown normalisation mode {mode!r}; choose one of {MODES}")
        if mode == "study2022" and not jl_map:
            raise ValueError("study2022 mode needs the unidecode_jl_map table "
                             "(import the study with pipeline.import_study, which stores it)")
        self.mode = mode
        self.jl_map = jl_map or {}

    def _names(self, text: str) -> str:
        if self.mode == "default":
            return emoji.demojize(text, language="alias")
        return "".join(self.jl_map.get(g, g) for g in _GRAPHEME.findall(text))

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        if not text.isascii():
            text = unidecode(self._names(text))
        return text.lower()


def word_tokens(text: str) -> list[str]:
    """Word tokens of normalised text."""
    out = []
    for piece in DELIMITERS.split(text):
        piece = NOT_KEPT.sub("", piece)
        if piece:
            out.append(piece)
    return out


def squash(text: str) -> str:
    """Normalised text ready for n-grams: delimiter runs → one space, other symbols deleted."""
    return NOT_KEPT.sub("", DELIMITERS.sub(" ", text))


def char_ngrams(text: str, n: int) -> list[str]:
    """Every substring of length n of the squashed text."""
    if n < 2:
        raise ValueError(f"character n-grams need n >= 2, got {n}")
    s = squash(text)
    return [s[i:i + n] for i in range(len(s) - n + 1)]


MAX_NGRAM = 12   # longer n-grams only match text copied verbatim; the study used 3 to 5


@functools.lru_cache(maxsize=None)
def tokeniser(name: str):
    """A tokeniser by name: ``word`` or ``<n>gram`` (e.g. ``4gram``)."""
    if name == "word":
        return word_tokens
    m = re.fullmatch(r"(\d+)gram", name)
    if not m or not 2 <= int(m.group(1)) <= MAX_NGRAM:
        raise ValueError(f"unknown tokenisation {name!r}: use 'word' or '<n>gram' with "
                         f"2 <= n <= {MAX_NGRAM}")
    n = int(m.group(1))
    return functools.partial(char_ngrams, n=n)
