"""One name for a retrieval configuration, and its parser.

    <tokenisation>.<enrichment>.<attribution>.<weighting>

* tokenisation: ``word``, ``4gram`` … (several joined by ``+`` mean fusion, e.g. ``word+4gram``)
* enrichment: ``basic`` or a ``+``-joined subset of ``sr``, ``ocr``, ``c`` (``all`` = sr+ocr+c)
* attribution: ``attr`` or ``noattr`` (may be left out: ``noattr``)
* weighting: three SMART letters (``bpx``, ``tfc`` …) or ``bm25(k1=0.9,b=0.4)`` (any scheme
  registered in :mod:`core.weighting`, with optional ``name(key=value,...)`` parameters)
* fusion (optional, only with several tokenisations): how their rankings are combined,
  e.g. ``rrf(k=60)`` or ``zsum``; a scheme name with optional parameters like a weighting

Examples: ``4gram.sr+ocr+c.noattr.bpx``, ``word.basic.attr.tfc``, ``word+4gram.all.bm25(k1=0.9,b=0.4)``.
Nothing else builds these strings by hand: use :func:`Config.parse` and ``str(config)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields import ENRICHMENT_ORDER
from .text import tokeniser

# the attribution part may be left out (it then means noattr)
_SCHEME = r"[a-z0-9_]+(?:\([^)]*\))?"
_CONFIG = re.compile(rf"^(?P<tok>[^.]+)\.(?P<fields>[^.]+)(?:\.(?P<attr>attr|noattr))?"
                     rf"\.(?P<w>{_SCHEME})(?:\.(?P<fusion>{_SCHEME}))?$")
_PARAMS = re.compile(r"^([a-z0-9_]+)(?:\((.*)\))?$")


def _fmt_num(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class Weighting:
    """A weighting scheme name and its numeric parameters (``bm25(k1=0.9,b=0.4)``)."""

    name: str
    params: tuple[tuple[str, float], ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Weighting":
        m = _PARAMS.match(text.strip())
        if not m:
            raise ValueError(f"bad weighting {text!r}: expected e.g. 'bpx' or 'bm25(k1=0.9,b=0.4)'")
        name, raw = m.group(1), m.group(2)
        params = []
        if raw:
            for part in raw.split(","):
                key, _, val = part.partition("=")
                try:
                    params.append((key.strip(), float(val)))
                except ValueError:
                    raise ValueError(f"bad parameter {part!r} in weighting {text!r}") from None
        return cls(name, tuple(sorted(params)))

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.params)

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({','.join(f'{k}={_fmt_num(v)}' for k, v in self.params)})"


@dataclass(frozen=True)
class Config:
    """A retrieval configuration: how to tokenise, which fields, attribution, weighting."""

    tokens: tuple[str, ...] = ("4gram",)
    enrichment: frozenset = field(default_factory=lambda: frozenset(ENRICHMENT_ORDER))
    attribution: bool = False
    weighting: Weighting = Weighting("bpx")
    fusion: Weighting | None = None

    def __post_init__(self):
        for t in self.tokens:
            tokeniser(t)  # validates the name
        unknown = set(self.enrichment) - set(ENRICHMENT_ORDER)
        if unknown:
            raise ValueError(f"unknown enrichment field(s) {sorted(unknown)}; use sr, ocr, c")

    @classmethod
    def parse(cls, text: str) -> "Config":
        m = _CONFIG.match(text.strip())
        if not m:
            raise ValueError(f"bad configuration {text!r}: expected "
                             "'<tokens>.<fields>.<attr|noattr>.<weighting>', e.g. 4gram.sr+ocr+c.noattr.bpx")
        tok, fields, attr, weighting, fusion = m.group("tok", "fields", "attr", "w", "fusion")
        if fields == "all":
            enrichment = frozenset(ENRICHMENT_ORDER)
        elif fields == "basic":
            enrichment = frozenset()
        else:
            enrichment = frozenset(fields.split("+"))
        return cls(tuple(tok.split("+")), enrichment, attr == "attr", Weighting.parse(weighting),
                   Weighting.parse(fusion) if fusion else None)

    @property
    def fields_name(self) -> str:
        return "+".join(e for e in ENRICHMENT_ORDER if e in self.enrichment) or "basic"

    @property
    def index_name(self) -> str:
        """The configuration without its weighting: what an index is built for."""
        return f"{'+'.join(self.tokens)}.{self.fields_name}.{'attr' if self.attribution else 'noattr'}"

    def with_weighting(self, weighting: str | Weighting) -> "Config":
        w = weighting if isinstance(weighting, Weighting) else Weighting.parse(weighting)
        return Config(self.tokens, self.enrichment, self.attribution, w, self.fusion)

    def __str__(self) -> str:
        tail = f".{self.fusion}" if self.fusion else ""
        return f"{self.index_name}.{self.weighting}{tail}"


STUDY_BEST = Config.parse("4gram.sr+ocr+c.noattr.bpx")
