"""core.outputs: a text output never lands on an input, another output, a database or a directory."""
import sqlite3

import pytest

from core.outputs import check_outputs


def test_a_fresh_path_or_an_earlier_run_file_may_be_written(tmp_path):
    (tmp_path / "run.txt").write_text("old run\n")
    check_outputs({"--run-out": tmp_path / "run.txt", "--qrels-out": tmp_path / "new" / "qrels.txt",
                   "--unused": None}, {"--db": tmp_path / "tiktoks.db", "--queries": None})


def test_refusals_name_the_option_and_the_clash(tmp_path):
    db, queries = tmp_path / "tiktoks.db", tmp_path / "queries.json"
    sqlite3.connect(db).execute("create table tiktoks (id)").connection.close()
    queries.write_text("[]")
    with pytest.raises(ValueError, match="--qrels-out .*tiktoks.db is a SQLite database: refusing"):
        check_outputs({"--qrels-out": db}, {})
    with pytest.raises(ValueError, match="--run-out .*queries.json is the same file as --queries"):
        check_outputs({"--run-out": tmp_path / "." / "queries.json"}, {"--queries": queries})
    with pytest.raises(ValueError, match="--held-aside-out .*same.json is the same file as --out"):
        check_outputs({"--out": tmp_path / "same.json", "--held-aside-out": tmp_path / "same.json"}, {})
    with pytest.raises(ValueError, match="--out .* is a directory: give a file name"):
        check_outputs({"--out": tmp_path}, {})
    (tmp_path / "link.json").symlink_to(queries)
    with pytest.raises(ValueError, match="is the same file as --queries"):
        check_outputs({"--out": tmp_path / "link.json"}, {"--queries": queries})
