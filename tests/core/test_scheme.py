"""Param, Spec, Scheme and Registry: parameters declared once, checked with specific messages,
printed canonically, and schemes found one module each."""
import importlib
import pkgutil

import pytest

from core.scheme import Param, Registry, Scheme, Spec

INF = float("inf")


class Demo(Scheme):
    name, label = "demo", "a scheme declared here"
    params = (Param("a", 1.0, 0.0, 10.0), Param("b", 0.5, 0.0, 1.0))


@pytest.mark.parametrize("written, printed", [
    ("bpx", "bpx"), (" rrf ", "rrf"), ("rrf(k=60.0)", "rrf(k=60)"),
    ("bm25(k1=0.9,b=0.4)", "bm25(b=0.4,k1=0.9)"), ("zsum(word = 0.5, dense=2)", "zsum(dense=2,word=0.5)"),
])
def test_spec_prints_sorted_parameters_and_parses_back(written, printed):
    spec = Spec.parse(written)
    assert str(spec) == printed and Spec.parse(printed) == spec


def test_spec_parameters():
    spec = Spec.parse("bm25(k1=0.9,b=0.4)")
    assert spec == Spec("bm25", (("b", 0.4), ("k1", 0.9)))
    assert spec.kwargs == {"k1": 0.9, "b": 0.4}
    assert Spec.of("zsum", word=1, dense=0.5).params == (("dense", 0.5), ("word", 1.0))
    assert Spec.of("bpx") == Spec.parse("bpx") and Spec.parse("bpx").kwargs == {}


@pytest.mark.parametrize("bad, message", [
    ("BM25", "bad weighting 'BM25'"), ("bm25(k1=0.9", "bad weighting"), ("", "bad weighting"),
    ("bm25(k1=x)", "bad parameter 'k1=x'"), ("bm25(k1)", "bad parameter 'k1'"),
])
def test_spec_parse_errors(bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Spec.parse(bad)


def test_param_check_names_the_bound():
    k1 = Param("k1", 1.2, 0.0, INF)
    b = Param("b", 0.75, 0.0, 1.0)
    k1.check("bm25", 0.0)
    b.check("bm25", 1.0)
    with pytest.raises(ValueError, match=r"^bm25 needs k1 >= 0, got k1=-1$"):
        k1.check("bm25", -1)
    with pytest.raises(ValueError, match=r"^bm25 needs 0 <= b <= 1, got b=1.5$"):
        b.check("bm25", 1.5)
    # an unbounded parameter still needs a finite value: k1=1e400 parsed as inf gave NaN scores
    with pytest.raises(ValueError, match=r"^bm25 needs k1 >= 0, got k1=inf \(it must be a finite number\)$"):
        k1.check("bm25", float("inf"))
    with pytest.raises(ValueError, match=r"^bm25 needs k1 >= 0, got k1=nan"):
        k1.check("bm25", float("nan"))


def test_param_span_is_its_range_or_its_bounds():
    assert Param("k", 60.0, 1.0, INF, range=(1.0, 200.0)).span == (1.0, 200.0)
    assert Param("b", 0.75, 0.0, 1.0).span == (0.0, 1.0)


def test_scheme_defaults_and_full_parameters():
    d = Demo()
    assert d.defaults == {"a": 1.0, "b": 0.5}
    assert d.param("b").hi == 1.0 and d.param("z") is None
    assert d.full(Spec.parse("demo(b=0.7)")) == {"a": 1.0, "b": 0.7}
    assert d.owns("demo") and not d.owns("dem")


def test_scheme_check_is_specific():
    d = Demo()
    d.check(Spec.parse("demo(a=10,b=0)"))
    with pytest.raises(ValueError, match=r"unknown demo parameter\(s\) \['c', 'z'\]; known: a, b"):
        d.check(Spec.parse("demo(z=1,c=2)"))
    with pytest.raises(ValueError, match="demo needs 0 <= a <= 10, got a=11"):
        d.check(Spec.parse("demo(a=11)"))

    class Bare(Scheme):
        name = "bare"

    with pytest.raises(ValueError, match="known: none"):
        Bare().check(Spec.parse("bare(x=1)"))


def test_canonical_drops_defaults_and_meaning_fills_them_in():
    d = Demo()
    assert str(d.canonical(Spec.parse("demo(a=1,b=0.7)"))) == "demo(b=0.7)"
    assert str(d.canonical(Spec.parse("demo(a=1,b=0.5)"))) == "demo"
    assert d.meaning(Spec.parse("demo")) == d.meaning(Spec.parse("demo(a=1)")) == ("demo", (("a", 1.0), ("b", 0.5)))
    assert d.meaning(Spec.parse("demo(a=2)")) != d.meaning(Spec.parse("demo"))


@pytest.mark.parametrize("package, kind, names", [
    ("core.scoring", "weighting", ["smart", "bm25", "bm25f", "lmdir", "cos"]),
    ("core.fusion", "fusion", ["rrf", "zsum", "zall", "ztop", "msum", "mnz"]),
])
def test_registry_finds_every_modules_scheme_in_order(package, kind, names):
    registry = Registry(package, kind)
    pkg = importlib.import_module(package)
    declared = [importlib.import_module(f"{package}.{m.name}") for m in pkgutil.iter_modules(pkg.__path__)]
    schemes = [m.SCHEME for m in declared if hasattr(m, "SCHEME")]
    assert len(schemes) == len(names) and set(map(id, registry.all())) == set(map(id, schemes))
    assert registry.names() == names
    with pytest.raises(ValueError, match=f"^unknown {kind} 'nope'; choose one of {', '.join(names)}$"):
        registry.get("nope")


def test_registry_skips_private_modules_and_modules_without_a_scheme(tmp_path, monkeypatch):
    pkg = tmp_path / "schemes_here"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    scheme = "from core.scheme import Scheme\n\nclass S(Scheme):\n    name, order = {name!r}, {order}\n\nSCHEME = S()\n"
    (pkg / "late.py").write_text(scheme.format(name="late", order=5))
    (pkg / "early.py").write_text(scheme.format(name="early", order=1))
    (pkg / "_hidden.py").write_text(scheme.format(name="hidden", order=0))
    (pkg / "helpers.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = Registry("schemes_here", "thing", " (a hint)")
    assert registry.names() == ["early", "late"]
    assert registry.get("late").name == "late" and "early" in registry and "hidden" not in registry
    with pytest.raises(ValueError, match=r"choose one of early, late \(a hint\)"):
        registry.get("hidden")


def test_registry_get_prefers_an_exact_name_to_an_owner():
    scoring = Registry("core.scoring", "weighting")
    # SMART owns every three-letter name, 'cos' included; 'cos' is its own scheme
    assert scoring.get("cos").name == "cos" and scoring.get("bpx").name == "smart"
    assert "tfc" in scoring and "bm25" in scoring and "bm26" not in scoring
