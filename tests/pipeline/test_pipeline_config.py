"""The options every pipeline stage shares: one parser builder, defaults under $TRL_DATA."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import DATA, defaults, stage_parser

ROOT = Path(__file__).resolve().parents[2]


def options(parser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings} - {"-h", "--help"}


def test_a_stage_gets_only_the_options_it_asks_for():
    assert options(stage_parser("x")) == {"--db"}
    assert options(stage_parser("x", db=False, results=True)) == {"--results"}
    assert options(stage_parser("x", db=False, pipeline_db=True, media=True, workers=True)) == \
        {"--pipeline-db", "--media", "--workers"}


def test_defaults_and_types():
    d = defaults()
    assert d == {"db": DATA / "tiktoks.db", "results": DATA / "results.db",
                 "pipeline_db": DATA / "pipeline.db", "media": DATA / "media"}
    p = stage_parser("x", results=True, pipeline_db=True, media=True, workers=True)
    a = p.parse_args([])
    assert (a.db, a.results, a.pipeline_db, a.media) == (d["db"], d["results"], d["pipeline_db"], d["media"])
    assert a.workers == (os.cpu_count() or 1)
    a = p.parse_args(["--db", "x.db", "--workers", "3", "--media", "m"])
    assert (a.db, a.workers, a.media) == (Path("x.db"), 3, Path("m"))
    shown = " ".join(p.format_help().split())   # the help shows each default
    assert f"corpus database (tiktoks.db) (default: {d['db']})" in shown and p.description == "x"


def test_bad_values_are_refused(capsys):
    with pytest.raises(SystemExit):
        stage_parser("x", workers=True).parse_args(["--workers", "many"])
    assert "invalid int value: 'many'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        stage_parser("x").parse_args(["--results", "r.db"])   # not an option of this stage


def test_trl_data_moves_every_default(tmp_path):
    code = "import json; from pipeline.config import defaults; print(json.dumps({k: str(v) for k, v in defaults().items()}))"
    env = {**os.environ, "TRL_DATA": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"db": str(tmp_path / "tiktoks.db"), "results": str(tmp_path / "results.db"),
                                      "pipeline_db": str(tmp_path / "pipeline.db"), "media": str(tmp_path / "media")}
