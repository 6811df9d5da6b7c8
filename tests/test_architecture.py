"""What docs/architecture.md claims, checked on the source: core is a library (no Streamlit,
no printing, no import cycles), modules stay small, and tests mirror the package tree.

Known offenders are listed by name; a listed offender that no longer offends fails too, so
the lists only shrink."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "pipeline", "ui")
MAX_LINES = 400
TOO_LONG: set[str] = set()        # modules over MAX_LINES lines, to be split
UNTESTED: set[str] = set()        # modules without their mirrored test module


def modules(package: str, root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = ROOT) -> set[str]:
    """The modules ``path`` imports (relative imports resolved), at any depth of the file."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package.split(".")
                pkg = pkg[:len(pkg) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def cycles(package: str, root: Path = ROOT) -> list[list[str]]:
    """Import cycles among a package's modules. A package importing its own submodules (a
    registry discovering them) is not counted: that edge is how a package is built."""
    paths = {module_name(p, root): p for p in modules(package, root)}
    graph = {m: {i for i in imports(p, root) if i in paths and i != m and not i.startswith(m + ".")}
             for m, p in paths.items()}
    state: dict[str, int] = {}
    found = []

    def visit(m, path):
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                found.append(path[path.index(n):] + [n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def test_core_has_no_import_cycles():
    found = cycles("core")
    assert not found, "import cycles in core: " + "; ".join(" → ".join(c) for c in found)


def test_the_cycle_check_sees_relative_and_function_level_imports(tmp_path):
    pkg = tmp_path / "lib"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import a\n")
    (pkg / "a.py").write_text("from .sub.b import x\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import y\n")
    assert cycles("lib", tmp_path) == [["lib.a", "lib.sub.b", "lib.a"]]
    (pkg / "sub" / "b.py").write_text("x = 1\n")
    assert cycles("lib", tmp_path) == []


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_is_a_library(path):
    tree = ast.parse(path.read_text())
    assert not any(i == "streamlit" or i.startswith("streamlit.") for i in imports(path))
    prints = [n.lineno for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"]
    assert not prints, f"{path.name} prints (lines {prints})"


def test_modules_are_small():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines())
             for pkg in (*PACKAGES, "pages") for p in modules(pkg)}
    long = {p for p, n in sizes.items() if n > MAX_LINES}
    assert long - TOO_LONG == set(), {p: sizes[p] for p in long - TOO_LONG}
    assert TOO_LONG - long == set(), "no longer too long: remove from TOO_LONG"


def mirrored_test(path: Path) -> list[Path]:
    """Where a module's test lives: tests/<same folders>/test_<module>.py, or
    test_<package>_<module>.py named after the folder it is in (pytest needs unique basenames:
    tests/core/scoring/test_scoring_bm25.py, and tests/pipeline/test_pipeline_config.py beside
    tests/core/test_config.py); a package's ``__init__`` is tested as test_<package>.py beside
    the package's folder. ``ui`` is tested through the running app, in tests/app."""
    rel = path.relative_to(ROOT)
    folder = ROOT / "tests" / rel.parent
    if rel.parts[0] == "ui":   # the views are tested through the running app
        folder = ROOT / "tests" / "app" / Path(*rel.parts[1:-1])
    if path.name == "__init__.py":
        return [folder.parent / f"test_{rel.parent.name}.py", folder / f"test_{rel.parent.name}.py"]
    return [folder / f"test_{path.stem}.py", folder / f"test_{rel.parts[-2]}_{path.stem}.py"]



def test_where_a_modules_test_lives():
    def names(module):
        return [str(t.relative_to(ROOT / "tests")) for t in mirrored_test(ROOT / module)]

    assert names("core/scoring/bm25.py") == ["core/scoring/test_bm25.py", "core/scoring/test_scoring_bm25.py"]
    assert names("pipeline/config.py") == ["pipeline/test_config.py", "pipeline/test_pipeline_config.py"]
    assert names("core/scoring/__init__.py") == ["core/test_scoring.py", "core/scoring/test_scoring.py"]
    assert names("ui/evaluation.py") == ["app/test_evaluation.py", "app/test_ui_evaluation.py"]

def reexports_only(path: Path) -> bool:
    body = ast.parse(path.read_text()).body
    return all(isinstance(n, (ast.Import, ast.ImportFrom)) or
               isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body)


def test_tests_mirror_the_tree():
    missing = set()
    for pkg in PACKAGES:
        for path in modules(pkg):
            if path.name == "__init__.py" and reexports_only(path):
                continue
            if path.name == "__main__.py":
                continue
            if not any(t.is_file() for t in mirrored_test(path)):
                missing.add(str(path.relative_to(ROOT)))
    assert missing - UNTESTED == set(), f"modules without a mirrored test: {sorted(missing - UNTESTED)}"
    assert UNTESTED - missing == set(), "tested now: remove from UNTESTED"


def test_architecture_page_names_real_modules_and_every_core_module():
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`((?:core|pipeline|ui|pages)/[\w/]*(?:\.py)?)`", text))
    assert {p for p in named if not (ROOT / p).exists()} == set()
    top = {f"core/{p.name}" + ("/" if p.is_dir() else "") for p in (ROOT / "core").iterdir()
           if p.suffix == ".py" and p.name != "__init__.py" or p.is_dir() and p.name != "__pycache__"}
    mentioned = {p.rstrip("/") for p in named}
    assert {p for p in top if p.rstrip("/") not in mentioned} == set()
