"""One name for a retrieval configuration, and its parser.

    <tokenisation>.<enrichment>.<attribution>.<weighting>[.<fusion>]

* tokenisation: ``word``, ``4gram`` … or ``dense`` (sentence embeddings, see
  :mod:`core.dense`; needs requirements-dense.txt). Several joined by ``+`` are *components*
  whose rankings are fused (``word+4gram``, ``word+4gram+dense``). A tokeniser may carry
  query-side options after ``~`` (see :mod:`core.query_expansion`): ``word~fuzzy``
  (misspelt query words also match close corpus words), ``word~split`` (query words are also
  joined/split to match concatenated hashtags), ``word~fuzzy~split``, ``4gram~rm3``
  (pseudo-relevance feedback: terms of the component's own top documents are added). ``dense`` embeds the
  basic fields plus the config's enrichment fields; ``dense~<field>~…`` (sorted, from
  ``basic``, ``c``, ``ocr``, ``sr``) chooses its passage fields itself, e.g. ``dense~ocr~sr``
  (basic + OCR + speech, no comments) fused with a lexical component over all fields;
  ``only`` drops the basic fields (``dense~c~only``: a passage of the comments alone);
  ``mpnet`` embeds with all-mpnet-base-v2 instead of all-MiniLM-L6-v2 (``dense~mpnet~ocr~sr``);
  ``w64`` cuts the passage into 64-word windows and scores a document by its best window
  (``dense~ocr~sr~w64``).
* enrichment: ``basic`` or a ``+``-joined subset of ``sr``, ``ocr``, ``c`` (``all`` = sr+ocr+c)
* attribution: ``attr`` or ``noattr`` (may be left out: ``noattr``)
* weighting (applies to every lexical component; ``dense`` ignores it):
    - three SMART letters (``bpx``, ``tfc`` …);
    - ``bm25(k1=0.9,b=0.4)``;
    - ``bm25f(k1=..,b=..,desc=..,creator=..,music=..,sr=..,ocr=..,c=..,b_<field>=..)``:
      BM25F (:mod:`core.bm25f`) with one weight per field (default 1; 0 leaves a field out;
      desc = description, creator = username + nickname, music = music title, sr = speech,
      ocr = cover OCR, c = comments), ``b`` the default length normalisation of every field
      and ``b_<field>`` a per-field override (``b_c=0.9``); needs ``noattr``;
    - ``lmdir(mu=1000)``: query likelihood with Dirichlet smoothing (:mod:`core.weighting`);
    - ``cos`` for a configuration that is ``dense`` only (``dense.all.noattr.cos``).
* fusion (optional, only with several components; default ``rrf(k=60)``): how their
  rankings are combined (:mod:`core.fusion`): ``rrf(k=60)``, ``zsum``, ``zall``, ``ztop(k=50)``,
  ``msum`` or ``mnz``,
  each with optional per-component weights keyed by the component's name, e.g.
  ``zsum(dense=0.5)`` or ``rrf(k=60,word=2)``.

Examples: ``4gram.sr+ocr+c.noattr.bpx``, ``word.basic.attr.tfc``, ``word+4gram.all.bm25(k1=0.9,b=0.4)``,
``word+4gram+dense.all.noattr.bm25f(c=0.5,k1=1.2).zsum(dense=2)``.
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

DENSE = "dense"
QUERY_OPTIONS = ("fuzzy", "rm3", "split")
DENSE_OPTIONS = ("basic", "c", "mpnet", "ocr", "only", "sr")   # and a window, w<words>
WINDOW = re.compile(r"^w([1-9][0-9]*)$")   # dense window option: w64 = 64-word windows


def base_token(token: str) -> str:
    """The tokeniser of a component, without query options: ``word~fuzzy`` → ``word``."""
    return token.split("~", 1)[0]


def is_dense(token: str) -> bool:
    return base_token(token) == DENSE


def query_options(token: str) -> tuple[str, ...]:
    """The options of a component (``word~fuzzy~split`` → ('fuzzy', 'split'))."""
    opts = tuple(token.split("~")[1:])
    allowed = DENSE_OPTIONS if is_dense(token) else QUERY_OPTIONS
    bad = [o for o in opts if o not in allowed and not (is_dense(token) and WINDOW.match(o))]
    if bad:
        raise ValueError(f"unknown query option(s) {bad} in {token!r}; choose from {', '.join(allowed)}"
                         + (" or a window w<words> (w64)" if is_dense(token) else ""))
    if list(opts) != sorted(set(opts)):
        raise ValueError(f"query options in {token!r} must be distinct and sorted: "
                         f"{base_token(token)}~{'~'.join(sorted(set(opts)))}")
    if "only" in opts and not set(opts) & {"c", "ocr", "sr"} or {"only", "basic"} <= set(opts):
        raise ValueError(f"{token!r}: 'only' drops the basic fields, so name at least one of "
                         "c, ocr, sr and not basic (e.g. dense~c~only)")
    if is_dense(token):
        from .dense import window_of
        window_of(opts)   # one window, of a sensible size
    return opts


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
            if not is_dense(t):
                tokeniser(base_token(t))  # validates the name
            query_options(t)
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError(f"component listed twice in {'+'.join(self.tokens)}")
        if self.weighting.name == "cos" and any(not is_dense(t) for t in self.tokens):
            raise ValueError("weighting 'cos' is for dense-only configurations; "
                             "lexical components need e.g. bm25(k1=0.9,b=0.4)")
        if self.weighting.name == "lmdir" and (set(self.weighting.kwargs) - {"mu"}
                                               or self.weighting.kwargs.get("mu", 1) <= 0):
            raise ValueError(f"{self.weighting}: lmdir takes one parameter, mu > 0 (e.g. lmdir(mu=1000))")
        if self.weighting.name == "bm25f":
            if self.attribution:
                raise ValueError("bm25f weights each field itself: use it with noattr")
            from .bm25f import check_params
            check_params(self.weighting.kwargs)
        if self.fusion is not None:
            if len(self.tokens) < 2:
                raise ValueError(f"fusion {self.fusion} needs several components, e.g. word+4gram")
            from .fusion import check
            check(self.fusion, list(self.tokens))
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
