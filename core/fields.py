"""The one field table: every module that names a field of a TikTok reads it from here.

A document is made of *basic* fields (always indexed) and optional *enrichment* fields
(speech-to-text, cover-photo OCR, comments, and the on-screen text read from video frames). Each field is tokenised on its own, so n-grams
never span two fields. With attribution, terms from an enrichment field get its prefix.

Each :class:`Field` has a short name (the BM25F parameter and the enrichment name in a
configuration: ``desc``, ``creator``, ``music``, ``sr``, ``ocr``, ``c``, ``screen``), a label, the corpus
columns it is made of (the study's column names), the columns a dense passage reads (the
creator's nickname only: a username is rarely words) and its default BM25F weight.

The 2022 study knew three enrichment fields, sr, ocr and c (:data:`STUDY_ENRICHMENT`): its
grid, its names and a configuration's default (``all``) are made of those, so they read as
they did. ``screen`` (on-screen text, from `pipeline.frames`) is named when wanted
(``4gram.sr+ocr+c+screen.noattr.bpx``); the study's corpus has no videos, so it is empty there.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    columns: tuple[str, ...]
    enrichment: bool = False
    passage_columns: tuple[str, ...] | None = None   # None: the same as columns
    default_weight: float = 1.0
    display: str = ""   # a short lowercase word for "matched in …" captions

    @property
    def passage(self) -> tuple[str, ...]:
        return self.columns if self.passage_columns is None else self.passage_columns


TABLE: tuple[Field, ...] = (
    Field("creator", "Creator (username, nickname)", ("creator_username", "creator_nickname"),
          passage_columns=("creator_nickname",), display="creator"),
    Field("desc", "Description", ("description",), display="description"),
    Field("music", "Music title", ("music_title",), display="music"),
    Field("sr", "Speech-to-text", ("speech_to_text",), enrichment=True, display="speech"),
    Field("ocr", "Cover-photo OCR", ("coverphoto_ocr",), enrichment=True, display="cover text"),
    Field("c", "Comments", ("comment_text",), enrichment=True, display="comments"),
    Field("screen", "On-screen text (video frames)", ("onscreen_text",), enrichment=True,
          display="on-screen text"),
)
BY_NAME = {f.name: f for f in TABLE}

BASIC = tuple(c for f in TABLE if not f.enrichment for c in f.columns)
BASIC_FIELDS = tuple(f.name for f in TABLE if not f.enrichment)
ENRICHMENT_ORDER = tuple(f.name for f in TABLE if f.enrichment)          # sr, ocr, c, screen
STUDY_ENRICHMENT = ("sr", "ocr", "c")     # the study's; ``all`` and the default enrichment
ENRICHMENT = {f.name: f.columns[0] for f in TABLE if f.enrichment}       # short name -> column
PREFIX = {e: f"{e}:" for e in ENRICHMENT_ORDER}                           # attribution prefixes
ALL_FIELDS = BASIC + tuple(ENRICHMENT[e] for e in ENRICHMENT_ORDER)
COLUMN_FIELD = {c: f for f in TABLE for c in f.columns}                  # column -> Field
# a dense passage reads the basic fields, then OCR, speech, comments, on-screen text (the
# order its cache hashes were made with: keep it)
PASSAGE_BASIC = ("creator_nickname", "description", "music_title")
PASSAGE_ENRICHMENT_ORDER = ("ocr", "sr", "c", "screen")


def enrichment_subsets(fields=STUDY_ENRICHMENT):
    """Every subset of `fields` (default the study's {sr, ocr, c}) in the study's order:
    basic, sr, ocr, c, sr+ocr, ..."""
    out = []
    for k in range(len(fields) + 1):
        out.extend(frozenset(s) for s in combinations(fields, k))
    return out


def enrichment_name(enrichment) -> str:
    """``sr+ocr+c`` (``+screen``) … or ``basic``: the fields part of a configuration or
    index name."""
    return "+".join(e for e in ENRICHMENT_ORDER if e in enrichment) or "basic"


def fields_for(enrichment) -> tuple[str, ...]:
    """Corpus columns indexed for an enrichment set."""
    return BASIC + tuple(ENRICHMENT[e] for e in ENRICHMENT_ORDER if e in enrichment)


def active_fields(enrichment) -> list[str]:
    """Short names of the fields indexed for an enrichment set (basic ones first)."""
    return [f.name for f in TABLE if not f.enrichment or f.name in enrichment]


def block_of(field: str) -> str:
    """The attribution block a field belongs to: 'basic' or its enrichment name."""
    f = COLUMN_FIELD.get(field)
    if f is None:
        raise KeyError(f"unknown field {field!r}; known: {', '.join(ALL_FIELDS)}")
    return f.name if f.enrichment else "basic"
