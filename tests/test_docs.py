"""The README is a short front door; docs/ holds the rest, and docs/cli.md is generated.

docs/cli.md is written by docs/cli.py from every pipeline stage's --help, so the check that it
is not stale is the check that every stage and every option is documented.
"""
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))


def load_generator():
    spec = importlib.util.spec_from_file_location("docs_cli", ROOT / "docs" / "cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cli = load_generator()


def test_there_are_stages():
    assert {"pipeline.ingest", "pipeline.download", "pipeline.ocr", "pipeline.audio",
            "pipeline.transcribe", "pipeline.etl", "pipeline.experiments", "pipeline.demo"} <= set(cli.stages())


def test_cli_reference_is_not_stale(capsys):
    assert cli.main(["--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("module", cli.stages())
def test_every_stage_is_described_in_the_pipeline_guide(module):
    assert re.search(rf"{re.escape(module)}\b", (ROOT / "docs" / "pipeline.md").read_text(encoding="utf-8"))


def test_the_two_commands_are_documented():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_is_short():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= 160, f"README.md has {lines} lines; move detail into docs/"


def test_readme_links_to_every_doc():
    text = README.read_text(encoding="utf-8")
    missing = [p.name for p in DOCS if f"docs/{p.name}" not in text]
    assert not missing, f"README.md does not link to {missing}"


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"^```.*?^```|`[^`\n]*`", re.S | re.M)  # fenced blocks, inline code
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to -."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", FENCE.sub("", page.read_text(encoding="utf-8")), re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(page):
    broken = []
    for target in LINK.findall(CODE.sub("", page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # a URL (http:, mailto:)
        path, _, anchor = target.partition("#")
        file = (page.parent / path) if path else page
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to missing files or headings: {broken}"
