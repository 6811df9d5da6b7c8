"""Field names, enrichment sets and attribution prefixes.

A document is made of *basic* fields (always indexed) and optional *enrichment* fields
(speech-to-text, cover-photo OCR, comments). Each field is tokenised on its own, so n-grams
never span two fields. With attribution, terms from an enrichment field get its prefix.
"""

BASIC = ("creator_username", "creator_nickname", "description", "music_title")

# enrichment short name -> column of the corpus
ENRICHMENT = {"sr": "speech_to_text", "ocr": "coverphoto_ocr", "c": "comment_text"}
ENRICHMENT_ORDER = ("sr", "ocr", "c")

# attribution prefix per enrichment field (basic fields get none)
PREFIX = {"sr": "sr:", "ocr": "ocr:", "c": "c:"}

ALL_FIELDS = BASIC + tuple(ENRICHMENT[e] for e in ENRICHMENT_ORDER)


def enrichment_subsets():
    """Every subset of {sr, ocr, c} in the study's order: basic, sr, ocr, c, sr+ocr, ..."""
    from itertools import combinations

    out = []
    for k in range(len(ENRICHMENT_ORDER) + 1):
        out.extend(frozenset(s) for s in combinations(ENRICHMENT_ORDER, k))
    return out


def fields_for(enrichment) -> tuple[str, ...]:
    """Corpus columns indexed for an enrichment set."""
    return BASIC + tuple(ENRICHMENT[e] for e in ENRICHMENT_ORDER if e in enrichment)


def block_of(field: str) -> str:
    """The attribution block a field belongs to: 'basic' or its enrichment name."""
    for short, col in ENRICHMENT.items():
        if col == field:
            return short
    if field in BASIC:
        return "basic"
    raise KeyError(f"unknown field {field!r}; known: {', '.join(ALL_FIELDS)}")
