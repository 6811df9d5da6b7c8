"""One typed retrieval configuration, and its one parser and printer.

    <components>.<fields>[.<attribution>].<weighting>[.<fusion>]

* components, joined by ``+`` (their rankings are fused):
    - :class:`Lexical`: a tokeniser (``word``, ``4gram`` …) with query options after ``~``
      (:mod:`core.query_expansion`): ``fuzzy`` (misspelt query words also match close corpus
      words), ``split`` (hashtags and run-together words), ``rm3`` (pseudo-relevance feedback);
    - :class:`Dense` (sentence embeddings, :mod:`core.dense`; needs requirements-dense.txt):
      ``dense`` embeds the basic fields plus the config's enrichment fields; options (sorted)
      choose its own passage fields (``dense~ocr~sr``: basic + OCR + speech; ``basic``; ``only``
      drops the basic fields: ``dense~c~only``), its model (``mpnet`` for all-mpnet-base-v2,
      ``tuned`` for MiniLM fine-tuned by ``pipeline.finetune``, instead of all-MiniLM-L6-v2) and a window, last (``w64``: 64-word windows, a document
      scored by its best one).
* fields: ``basic`` or a ``+``-joined subset of ``sr``, ``ocr``, ``c`` (``all`` = sr+ocr+c).
* attribution: ``attr`` or ``noattr`` (may be left out: ``noattr``).
* weighting, of every lexical component, from the scoring registry (:mod:`core.scoring`):
  SMART letters (``bpx``, ``tfc`` …), ``bm25(k1=0.9,b=0.4)``, ``bm25f(k1=..,b=..,desc=..,c=..,
  b_c=..)``, ``lmdir(mu=1000)``, or ``cos`` for a configuration of dense components only.
* fusion (several components only; default ``rrf``), from the fusion registry
  (:mod:`core.fusion`), with optional weights per component: ``zsum(dense=0.5)``.

Examples: ``4gram.sr+ocr+c.noattr.bpx``, ``word.basic.attr.tfc``,
``word+4gram+dense.all.noattr.bm25f(c=0.5,k1=1.2).zsum(dense=2)``.

``str(config)`` is the canonical form: parameters equal to their defaults are dropped
(``bm25(k1=1.2,b=0.75)`` → ``bm25``, ``rrf(k=60)`` → ``rrf``) and fusion weights are written
once. Two configurations are equal when they rank the same (component order, defaults and
how weights are written do not matter). Nothing else builds or parses these strings: use
:meth:`Config.parse`, ``str(config)`` and :meth:`Config.replace`.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from . import fusion as fusion_registry
from .dense.models import DEFAULT_MODEL, MODELS
from .fields import ENRICHMENT_ORDER, STUDY_ENRICHMENT, enrichment_name
from .scheme import Param, Spec
from .scoring import REGISTRY as SCORING
from .scoring import scheme_of
from .text import MAX_NGRAM, tokeniser

_CONFIG = re.compile(r"^(?P<tok>[^.]+)\.(?P<fields>[^.]+)(?:\.(?P<attr>attr|noattr))?"
                     r"\.(?P<w>[a-z0-9_]+(?:\([^)]*\))?)(?:\.(?P<fusion>[a-z0-9_]+(?:\([^)]*\))?))?$")
DENSE = "dense"
QUERY_OPTIONS = ("fuzzy", "rm3", "split")
PASSAGE_OPTIONS = ("basic", "c", "ocr", "only", "screen", "sr")
WINDOW = re.compile(r"^w([1-9][0-9]*)$")   # dense window option: w64 = 64-word windows
WINDOW_RANGE = (8, 512)
# the numeric parts of components, declared like a scheme's parameters so that the sidebar's
# sliders and the Tune page's sweep (core.tuning) cover the same values
NGRAM = Param("n", 4, 2, MAX_NGRAM, "characters per n-gram: small n forgives typos and "
              "matches inside words, large n needs longer exact runs", step=1, range=(2, 8),
              integer=True)
WINDOW_WORDS = Param("window", 64, *WINDOW_RANGE, "words per dense window (MaxP: a document "
                     "scores its best window); each new size embeds the corpus once", step=8,
                     integer=True)


def _check_sorted(token: str, opts: list[str]) -> None:
    if opts != sorted(set(opts)):
        raise ValueError(f"query options in {token!r} must be distinct and sorted: "
                         f"{token.split('~')[0]}~{'~'.join(sorted(set(opts)))}")


@dataclass(frozen=True)
class Lexical:
    """A lexical component: a tokeniser and its query options (``word~fuzzy~split``)."""

    tokeniser: str
    options: tuple[str, ...] = ()
    dense = False

    def __post_init__(self):
        tokeniser(self.tokeniser)   # validates the name
        bad = [o for o in self.options if o not in QUERY_OPTIONS]
        if bad:
            raise ValueError(f"unknown query option(s) {bad} in {self.name!r}; "
                             f"choose from {', '.join(QUERY_OPTIONS)}")
        _check_sorted(self.name, list(self.options))

    @classmethod
    def ngram(cls, n: int | None, options=()) -> "Lexical":
        """Words (``n`` None) or character ``n``-grams, with query options in any order."""
        return cls("word" if n is None else f"{int(n)}gram", tuple(sorted(set(options))))

    @property
    def n(self) -> int | None:
        """The n of character n-grams (None for words)."""
        return None if self.tokeniser == "word" else int(self.tokeniser[:-4])

    @property
    def name(self) -> str:
        return "~".join((self.tokeniser, *self.options))


@dataclass(frozen=True)
class Dense:
    """A dense component: model, passage fields and window (``dense~mpnet~ocr~sr~w64``).

    ``fields`` None: the configuration's enrichment fields; ``only``: without the basic ones.
    """

    model: str = DEFAULT_MODEL
    fields: frozenset | None = None
    only: bool = False
    window: int | None = None
    dense = True
    tokeniser = DENSE
    options = ()

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"unknown dense model {self.model!r}; choose from {', '.join(MODELS)}")
        if self.fields is not None:
            object.__setattr__(self, "fields", frozenset(self.fields))
            if self.fields - set(ENRICHMENT_ORDER):
                raise ValueError(f"unknown passage field(s) {sorted(self.fields - set(ENRICHMENT_ORDER))}")
        if self.only and not self.fields:
            raise ValueError(f"{self.name!r}: 'only' drops the basic fields, so name at least one "
                             "of c, ocr, screen, sr and not basic (e.g. dense~c~only)")
        if self.window is not None and not WINDOW_RANGE[0] <= self.window <= WINDOW_RANGE[1]:
            raise ValueError(f"window w{self.window}: choose {WINDOW_RANGE[0]}–{WINDOW_RANGE[1]} words")

    @classmethod
    def parse(cls, token: str) -> "Dense":
        opts = token.split("~")[1:]
        bad = [o for o in opts if o not in PASSAGE_OPTIONS and o not in MODELS and not WINDOW.match(o)]
        if bad:
            raise ValueError(f"unknown query option(s) {bad} in {token!r}; choose from "
                             f"{', '.join(sorted({*PASSAGE_OPTIONS, *MODELS} - {DEFAULT_MODEL}))} "
                             "or a window w<words> (w64)")
        _check_sorted(token, opts)
        models = [o for o in opts if o in MODELS]
        windows = [int(m.group(1)) for m in map(WINDOW.match, opts) if m]
        if len(models) > 1 or len(windows) > 1:
            raise ValueError(f"{token!r}: a dense component takes one model and one window")
        named = [o for o in opts if o in PASSAGE_OPTIONS and o != "only"]
        if "only" in opts and ("basic" in named or not named):
            raise ValueError(f"{token!r}: 'only' drops the basic fields, so name at least one of "
                             "c, ocr, screen, sr and not basic (e.g. dense~c~only)")
        fields = frozenset(o for o in named if o != "basic") if named else None
        return cls(models[0] if models else DEFAULT_MODEL, fields, "only" in opts,
                   windows[0] if windows else None)

    @property
    def name(self) -> str:
        opts = [] if self.fields is None else (sorted(self.fields) or ["basic"])
        opts += [self.model] if self.model != DEFAULT_MODEL else []
        opts += ["only"] if self.only else []
        return "~".join((DENSE, *sorted(opts), *([f"w{self.window}"] if self.window else [])))

    def replace(self, **changes) -> "Dense":
        return dataclasses.replace(self, **changes)

    def passage(self, enrichment) -> frozenset:
        """The passage's enrichment fields in a configuration with ``enrichment`` (with the
        marker ``only`` when the basic fields are left out): what :mod:`core.dense` embeds."""
        fields = frozenset(enrichment) if self.fields is None else self.fields
        return fields | {"only"} if self.only else fields


Component = Lexical | Dense


def component(token: str) -> Component:
    """Parse one component (``word~fuzzy``, ``4gram``, ``dense~ocr~sr~w64``)."""
    base, *opts = token.split("~")
    return Dense.parse(token) if base == DENSE else Lexical(base, tuple(opts))


def _written_weights(weights: dict[str, float]) -> dict[str, float]:
    """The fewest fusion weights that give each component its weight: components sharing a
    base name (``dense~…``) that is not a component itself and one weight are written once,
    under the base name (``dense=0.5``); otherwise each weight that is not 1 (and a 1 that a
    base-name weight would override)."""
    groups: dict[str, list[str]] = {}
    for t in weights:
        groups.setdefault(t.split("~", 1)[0], []).append(t)
    out = {}
    for base, tokens in groups.items():
        w = weights[tokens[0]]
        if base not in weights and w != 1 and all(weights[t] == w for t in tokens):
            out[base] = w
            continue
        for t in tokens:
            if weights[t] != 1 or base != t and weights.get(base, 1.0) != 1:
                out[t] = weights[t]
    return out


@dataclass(frozen=True, eq=False)
class Config:
    """A retrieval configuration: components, fields, attribution, weighting and fusion."""

    components: tuple = (Lexical("4gram"),)
    enrichment: frozenset = field(default_factory=lambda: frozenset(STUDY_ENRICHMENT))
    attribution: bool = False
    weighting: Spec = Spec("bpx")
    fusion: Spec | None = None

    def __post_init__(self):
        comps = tuple(component(c) if isinstance(c, str) else c for c in self.components)
        object.__setattr__(self, "components", comps)
        object.__setattr__(self, "enrichment", frozenset(self.enrichment))
        w = self.weighting if isinstance(self.weighting, Spec) else Spec.parse(self.weighting)
        scheme = scheme_of(w)
        scheme.check(w)
        object.__setattr__(self, "weighting", scheme.canonical(w))
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError(f"component listed twice in {'+'.join(self.tokens)}")
        if not scheme.lexical and self.lexical:
            raise ValueError(f"weighting {w.name!r} is for dense-only configurations; "
                             "lexical components need e.g. bm25(k1=0.9,b=0.4)")
        if self.attribution and not scheme.attribution:
            raise ValueError(f"{w.name} weights each field itself: use it with noattr")
        unknown = set(self.enrichment) - set(ENRICHMENT_ORDER)
        if unknown:
            raise ValueError(f"unknown enrichment field(s) {sorted(unknown)}; use "
                             f"{', '.join(ENRICHMENT_ORDER)}")
        f = self.fusion
        if f is not None:
            f = f if isinstance(f, Spec) else Spec.parse(f)
            if len(self.components) < 2:
                raise ValueError(f"fusion {f} needs several components, e.g. word+4gram")
        if len(self.components) > 1:
            object.__setattr__(self, "fusion", self._canonical_fusion(f or fusion_registry.DEFAULT))

    def _canonical_fusion(self, f: Spec) -> Spec:
        fusion_registry.check(f, list(self.tokens))
        scheme = fusion_registry.REGISTRY.get(f.name)
        own = scheme.canonical(Spec(f.name, tuple((k, v) for k, v in f.params if scheme.param(k))))
        weights = _written_weights(self.weights_of(f))
        return Spec.of(f.name, **own.kwargs, **weights)

    def weights_of(self, f: Spec | None = None) -> dict[str, float]:
        """Each component's fusion weight (by its name, else its base name; default 1)."""
        f = f or self.fusion
        if f is None:
            return {t: 1.0 for t in self.tokens}
        return dict(zip(self.tokens, map(float, fusion_registry.component_weights(f, list(self.tokens)))))

    # -- parsing and printing
    @classmethod
    def parse(cls, text: str) -> "Config":
        m = _CONFIG.match(text.strip())
        if not m:
            raise ValueError(f"bad configuration {text!r}: expected "
                             "'<tokens>.<fields>.<attr|noattr>.<weighting>', e.g. 4gram.sr+ocr+c.noattr.bpx")
        tok, fields, attr, weighting, fusion = m.group("tok", "fields", "attr", "w", "fusion")
        # "all" is the study's sr+ocr+c, so the 2022 names keep their meaning
        enrichment = {"all": frozenset(STUDY_ENRICHMENT), "basic": frozenset()}.get(fields)
        if enrichment is None:
            enrichment = frozenset(fields.split("+"))
        return cls(tuple(tok.split("+")), enrichment, attr == "attr", Spec.parse(weighting),
                   Spec.parse(fusion) if fusion else None)

    @property
    def tokens(self) -> tuple[str, ...]:
        """The components' names, as written (``4gram``, ``dense~ocr~sr~w64``)."""
        return tuple(c.name for c in self.components)

    @property
    def components_name(self) -> str:
        """The components part of the name (``word+4gram``, ``4gram+dense~ocr~sr``)."""
        return "+".join(self.tokens)

    @property
    def scoring_name(self) -> str:
        """The weighting and fusion parts of the name (``bm25(b=0.4,k1=0.9).rrf``)."""
        return f"{self.weighting}.{self.fusion}" if self.fusion else str(self.weighting)

    @property
    def fields_name(self) -> str:
        return enrichment_name(self.enrichment)

    @property
    def index_name(self) -> str:
        """The configuration without its weighting: what an index is built for."""
        return index_name(self.components_name, self.enrichment, self.attribution)

    def __str__(self) -> str:
        return f"{self.index_name}.{self.scoring_name}"

    def __repr__(self) -> str:
        return f"Config.parse({str(self)!r})"

    # -- meaning
    @property
    def lexical(self) -> tuple[Lexical, ...]:
        return tuple(c for c in self.components if not c.dense)

    @property
    def dense(self) -> tuple[Dense, ...]:
        return tuple(c for c in self.components if c.dense)

    @property
    def models(self) -> set[str]:
        """The embedding models the dense components use."""
        return {c.model for c in self.dense}

    def _meaning(self) -> tuple:
        fusion = None
        if self.fusion is not None:
            f = fusion_registry.REGISTRY.get(self.fusion.name)
            own = Spec(self.fusion.name, tuple((k, v) for k, v in self.fusion.params if f.param(k)))
            fusion = (f.meaning(own), tuple(sorted(self.weights_of().items())))
        return (frozenset(self.components), self.enrichment, self.attribution,
                scheme_of(self.weighting).meaning(self.weighting), fusion)

    def __eq__(self, other) -> bool:
        return isinstance(other, Config) and self._meaning() == other._meaning()

    def __hash__(self) -> int:
        return hash(self._meaning())

    def replace(self, **changes) -> "Config":
        """The same configuration but for ``changes`` (strings are parsed): e.g.
        ``config.replace(weighting="bm25(k1=0.5,b=0.4)")``, ``config.replace(components=…)``."""
        return dataclasses.replace(self, **changes)

    def with_weighting(self, weighting: str | Spec) -> "Config":
        return self.replace(weighting=weighting)


def index_name(tokens: str, enrichment, attribution: bool) -> str:
    """``<tokens>.<fields>.<attr|noattr>``: how results.db names an index."""
    return f"{tokens}.{enrichment_name(enrichment)}.{'attr' if attribution else 'noattr'}"


def weighting_names() -> list[str]:
    """The registered scoring schemes' names (SMART is ``smart``: three letters)."""
    return SCORING.names()


STUDY_BEST = Config.parse("4gram.sr+ocr+c.noattr.bpx")
