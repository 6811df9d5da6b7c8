"""A file that is not SQLite, given where a database is expected, gets a clear message, a
non-zero exit and is left as it was (issue 11, defect 8: tracebacks, and a results file
that was not a database was overwritten)."""
import subprocess
import sys
from pathlib import Path

import pytest

from core.store import NotADatabase, check_database, write_corpus

ROOT = Path(__file__).resolve().parents[2]
NOT_SQLITE = b"hello, this is a text file and not a database\n"


@pytest.fixture
def text_file(tmp_path):
    p = tmp_path / "notes.db"
    p.write_bytes(NOT_SQLITE)
    return p


def test_check_database_names_the_file(text_file, tmp_path):
    with pytest.raises(NotADatabase, match=r"notes.db is not a SQLite database \(it starts with b'hello, t'\)"):
        check_database(text_file)
    assert check_database(tmp_path / "missing.db") == tmp_path / "missing.db"   # missing: not our call


def test_a_rebuild_never_replaces_a_file_that_is_not_a_database(text_file):
    with pytest.raises(NotADatabase):
        write_corpus(text_file, [{"id": "1", "usable": 1}], [])
    assert text_file.read_bytes() == NOT_SQLITE


@pytest.mark.parametrize("stage, args", [
    ("experiments", ["--db", "{bad}", "--results", "{tmp}/r.db"]),
    ("experiments", ["--db", "{tiny}", "--results", "{bad}", "--tokens", "none", "--config", "4gram.all.bpx"]),
    ("reproduce", ["--original", "{bad}", "--results", "{tmp}/r.db"]),
    ("evaluate", ["--db", "{bad}", "--queries", "{queries}", "--config", "4gram.all.bpx"]),
    ("embed", ["--db", "{bad}"]),
    ("etl", ["--pipeline-db", "{bad}", "--db", "{tmp}/t.db"]),
    ("import_study", ["{study}", "--db", "{bad}"]),
    ("ingest", ["--pipeline-db", "{bad}", "{tmp}"]),
    ("download", ["--pipeline-db", "{bad}", "--media", "{tmp}/media"]),
])
def test_stages_refuse_a_file_that_is_not_a_database(stage, args, text_file, tmp_path, tiny_db, request):
    queries = tmp_path / "queries.json"
    queries.write_text('[{"text": "garlic pasta", "target": "1001", "author": "a"}]')
    study = request.getfixturevalue("study_dir") if "{study}" in args else None
    argv = [a.format(bad=text_file, tmp=tmp_path, tiny=tiny_db, queries=queries, study=study) for a in args]
    done = subprocess.run([sys.executable, "-m", f"pipeline.{stage}", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert f"{text_file} is not a SQLite database" in done.stderr, done.stderr
    assert text_file.read_bytes() == NOT_SQLITE


@pytest.mark.parametrize("stage, args", [
    ("ingest", ["--pipeline-db", "{corpus}", "{tmp}/batch.json"]),
    ("download", ["--pipeline-db", "{corpus}", "--media", "{tmp}"]),
    ("audio", ["--pipeline-db", "{corpus}", "--media", "{tmp}"]),
    ("etl", ["--pipeline-db", "{corpus}", "--db", "{corpus}"]),
    ("embed", ["--db", "{tiny}", "--embed-cache", "{corpus}", "--config", "dense.all.cos"]),
])
def test_a_corpus_is_never_taken_for_the_pipeline_db_or_the_cache(stage, args, tiny_db, tmp_path):
    """A corpus given as --pipeline-db took the stages' tables (etl then rebuilt it with no
    documents), and as --embed-cache the cache's."""
    import shutil

    corpus = tmp_path / "copy.db"
    shutil.copy(tiny_db, corpus)
    before = corpus.read_bytes()
    (tmp_path / "batch.json").write_text('[{"id": "7001", "description": "a cat"}]')
    argv = [a.format(corpus=corpus, tmp=tmp_path, tiny=tiny_db) for a in args]
    done = subprocess.run([sys.executable, "-m", f"pipeline.{stage}", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{corpus} is a corpus database, not a" in done.stderr, done.stderr
    assert corpus.read_bytes() == before


def test_a_directory_as_the_pipeline_db_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline.ocr", "--pipeline-db", str(tmp_path),
                           "--media", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("ocr: ") and "directory" in done.stderr
    assert "Traceback" not in done.stderr
