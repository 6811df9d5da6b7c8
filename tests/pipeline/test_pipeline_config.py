"""The options every pipeline stage shares: one parser builder, defaults under $TRL_DATA."""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import (DATA, count, defaults, fraction, positive_float, positive_int, run_cli,
                             stage_parser)

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
    assert "argument --workers: 'many' is not a number" in capsys.readouterr().err
    for bad in ("0", "-1"):   # was accepted and printed as "on -1 worker(s)"
        with pytest.raises(SystemExit):
            stage_parser("x", workers=True).parse_args(["--workers", bad])
        assert f"'{bad}': must be a whole number of 1 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        stage_parser("x").parse_args(["--results", "r.db"])   # not an option of this stage


def test_trl_data_moves_every_default(tmp_path):
    code = "import json; from pipeline.config import defaults; print(json.dumps({k: str(v) for k, v in defaults().items()}))"
    env = {**os.environ, "TRL_DATA": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"db": str(tmp_path / "tiktoks.db"), "results": str(tmp_path / "results.db"),
                                      "pipeline_db": str(tmp_path / "pipeline.db"), "media": str(tmp_path / "media")}


@pytest.mark.parametrize("kind, good, bad", [
    (positive_int, {"1": 1, "12": 12}, ["0", "-3", "1.5", "x"]),
    (count, {"0": 0, "7": 7}, ["-1", "x"]),
    (positive_float, {"0.5": 0.5, "60": 60.0}, ["0", "-5", "nan", "inf", "x"]),
    (fraction, {"0": 0.0, "0.5": 0.5, "1": 1.0}, ["5", "-0.1", "nan"]),
])
def test_number_types(kind, good, bad):
    import argparse

    assert {t: kind(t) for t in good} == good
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
            kind(text)


def run_cli_with(tmp_path, body: str) -> subprocess.CompletedProcess:
    """A stage's __main__ whose main() runs ``body``, as a real process."""
    script = tmp_path / "stage.py"
    script.write_text("import sqlite3, sys\nfrom pipeline.config import run_cli\n"
                      f"def main():\n    {body}\nrun_cli(main)\n")
    return subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_file_problem_is_one_line_not_a_traceback(tmp_path):
    """A path that is a directory, or a database another process holds, reaches the user as
    one line naming it (exit 2, busy 3); the stage's own exit code passes through."""
    (tmp_path / "out").mkdir()
    r = run_cli_with(tmp_path, f"open({str(tmp_path / 'out')!r}, 'w')")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"stage: Is a directory: {tmp_path / 'out'}"
    db = tmp_path / "held.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("create table t (x)")
    holder.execute("begin exclusive")
    try:
        r = run_cli_with(tmp_path, f"sqlite3.connect({str(db)!r}, timeout=0.1).execute('select * from t')")
    finally:
        holder.close()
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert "another process holds the database: database is locked; run again when it is free" in r.stderr
    assert run_cli_with(tmp_path, "return 5").returncode == 5


def test_errors_and_help_name_the_stage_and_say_each_default_once():
    """Errors said `ocr.py: error`; --help said `(default: all) (default: None)` and
    `hide the progress bar (default: True)`."""
    root = Path(__file__).resolve().parents[2]
    bad = subprocess.run([sys.executable, "-m", "pipeline.ocr", "--psm", "0"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("usage: python -m pipeline.ocr ")
    assert "python -m pipeline.ocr: error: argument --psm" in bad.stderr
    helped = subprocess.run([sys.executable, "-m", "pipeline.ocr", "--help"], cwd=root,
                            capture_output=True, text=True, timeout=120).stdout
    flat = " ".join(helped.split())
    assert "(default: None)" not in flat and "hide the progress bar (default" not in flat
    assert "pending items (default: all)" in flat
    assert "--workers WORKERS parallel worker processes for per-item work (default:" in flat
