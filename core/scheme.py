"""Schemes with declared parameters, and the registries that find them.

A scoring scheme (``bm25(k1=0.9,b=0.4)``) and a fusion scheme (``zsum(dense=0.5)``) are both
written ``name(key=value,…)``: a :class:`Spec`. What a name means, which parameters it takes
(type, default, range, help text) and how it is validated is declared once, by a
:class:`Scheme` in its own module, as ``ir_measures`` declares its measures. A
:class:`Registry` finds every scheme module of a package, so a new scheme is one new file.

The canonical form of a spec drops parameters equal to their defaults (``rrf(k=60)`` →
``rrf``, ``bm25(k1=1.2,b=0.75)`` → ``bm25``); two specs mean the same when their parameters,
defaults filled in, are equal.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
import re
from dataclasses import dataclass

_SPEC = re.compile(r"^([a-z0-9_]+)(?:\((.*)\))?$")


@dataclass(frozen=True)
class Param:
    """One numeric parameter of a scheme: what the sidebar's slider and the sweep range over."""

    name: str
    default: float
    lo: float
    hi: float
    help: str = ""
    step: float = 0.05
    range: tuple[float, float] | None = None   # what sliders and sweeps cover (default lo–hi)
    integer: bool = False

    @property
    def span(self) -> tuple[float, float]:
        return self.range or (self.lo, self.hi)

    def check(self, scheme: str, value: float) -> None:
        if math.isfinite(value) and self.lo <= value <= self.hi:
            return
        bound = f"{self.name} >= {self.lo:g}" if self.hi == float("inf") else \
            f"{self.lo:g} <= {self.name} <= {self.hi:g}"
        raise ValueError(f"{scheme} needs {bound}, got {self.name}={value:g}"
                         + ("" if math.isfinite(value) else " (it must be a finite number)"))


def fmt(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class Spec:
    """A scheme name and its numeric parameters as written (``bm25(k1=0.9,b=0.4)``)."""

    name: str
    params: tuple[tuple[str, float], ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Spec":
        m = _SPEC.match(text.strip())
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

    @classmethod
    def of(cls, name: str, **params: float) -> "Spec":
        return cls(name, tuple(sorted((k, float(v)) for k, v in params.items())))

    @property
    def kwargs(self) -> dict[str, float]:
        return dict(self.params)

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({','.join(f'{k}={fmt(v)}' for k, v in self.params)})"


class Scheme:
    """A registered scheme: its name, declared parameters and validation.

    Subclasses (one per module) set ``name``, ``label``, ``params`` and override
    :meth:`check` for rules beyond ranges, and :meth:`owns` when one module answers several
    names (SMART's letters).
    """

    name: str = ""
    label: str = ""
    params: tuple[Param, ...] = ()

    def owns(self, name: str) -> bool:
        return name == self.name

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def full(self, spec: Spec) -> dict[str, float]:
        """Every parameter's value, defaults filled in."""
        return {**self.defaults, **spec.kwargs}

    def check(self, spec: Spec) -> None:
        """ValueError naming what is wrong with ``spec``'s parameters."""
        unknown = set(spec.kwargs) - {p.name for p in self.params}
        if unknown:
            known = ", ".join(p.name for p in self.params) or "none"
            raise ValueError(f"unknown {spec.name} parameter(s) {sorted(unknown)}; known: {known}")
        for k, v in spec.kwargs.items():
            self.param(k).check(spec.name, v)

    def canonical(self, spec: Spec) -> Spec:
        """``spec`` without the parameters equal to their defaults."""
        d = self.defaults
        return Spec(spec.name, tuple((k, v) for k, v in spec.params if k not in d or abs(v - d[k]) > 1e-12))

    def meaning(self, spec: Spec) -> tuple:
        """What ``spec`` computes, as a comparable value."""
        return spec.name, tuple(sorted((k, round(v, 12)) for k, v in self.full(spec).items()))


class Registry:
    """The schemes of a package, one per module (each module's ``SCHEME``), found on first use."""

    def __init__(self, package: str, kind: str, hint: str = ""):
        self.package, self.kind, self.hint = package, kind, hint
        self._schemes: list[Scheme] | None = None

    def all(self) -> list[Scheme]:
        if self._schemes is None:
            pkg = importlib.import_module(self.package)
            mods = [importlib.import_module(f"{self.package}.{m.name}")
                    for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
            self._schemes = sorted((m.SCHEME for m in mods if hasattr(m, "SCHEME")),
                                   key=lambda s: getattr(s, "order", 100))
        return self._schemes

    def names(self) -> list[str]:
        return [s.name for s in self.all()]

    def get(self, name: str) -> Scheme:
        """The scheme named ``name`` (an exact name first, then one that owns it)."""
        for s in sorted(self.all(), key=lambda s: s.name != name):
            if s.name == name or s.owns(name):
                return s
        raise ValueError(f"unknown {self.kind} {name!r}; choose one of {', '.join(self.names())}{self.hint}")

    def __contains__(self, name: str) -> bool:
        return any(s.owns(name) for s in self.all())
