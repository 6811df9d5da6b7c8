"""The README is the front door: every pipeline stage and every one of its options is in it."""
import contextlib
import importlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def stage_modules():
    mods = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        if "def main(" in path.read_text(encoding="utf-8"):
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(rel.parts)
            mods.append(name.removesuffix(".__main__"))
    return mods


def help_text(module: str) -> str:
    mod = importlib.import_module(module if module != "pipeline.demo" else "pipeline.demo.__main__")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_:
        mod.main(["--help"])
    assert exit_.value.code == 0
    return out.getvalue()


def test_there_are_stages():
    assert {"pipeline.ingest", "pipeline.download", "pipeline.ocr", "pipeline.audio",
            "pipeline.transcribe", "pipeline.etl", "pipeline.experiments", "pipeline.demo"} <= set(stage_modules())


@pytest.mark.parametrize("module", stage_modules())
def test_stage_and_options_are_documented(module):
    assert re.search(rf"{re.escape(module)}\b", README), f"README does not mention {module}"
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", help_text(module))) - {"--help"}
    missing = sorted(o for o in options if not re.search(rf"{re.escape(o)}(?![\w-])", README))
    assert not missing, f"{module}: options missing from README.md: {missing}"


def test_the_two_commands_are_documented():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
