"""Locks beside a database: one rebuild at a time, and writes during a rebuild carried over
(issue 11, defects 1 and 5: a collected query or a view vanished when a rebuild renamed its
new file over the database; two ETL runs at once both crashed)."""
import os
import subprocess
import sys
import textwrap

import pytest

from core.history import history, record_view
from core.locks import Busy, rebuild_lock, write_lock
from core.query_set import add_query
from core.store import load_queries, write_corpus

ROWS = [{"id": str(1000 + i), "description": f"video {i}", "usable": 1} for i in range(3)]


def corpus(path):
    write_corpus(path, ROWS, [], [{"query_id": 1, "query_text": "video one", "target_id": "1001",
                                   "author": "study", "collection": "study"}])
    return path


def rows_writing_meanwhile(path, write):
    """The rebuild's documents; while the rebuild is reading them (after it started, before
    it renames its new file into place) a researcher writes to the database."""
    for i, row in enumerate(ROWS):
        if i == 1:
            write()
        yield row


def test_a_query_collected_during_a_rebuild_is_kept(tmp_path):
    db = corpus(tmp_path / "tiktoks.db")
    added = []
    write_corpus(db, rows_writing_meanwhile(db, lambda: added.append(
        add_query(db, "the second video", "1002", "ana"))), [], [])
    q = load_queries(db)
    assert added and "the second video" in q["query_text"].tolist()
    assert "video one" in q["query_text"].tolist()   # the other collection is kept too


def test_a_view_recorded_during_a_rebuild_is_kept(tmp_path):
    db = corpus(tmp_path / "tiktoks.db")
    write_corpus(db, rows_writing_meanwhile(db, lambda: record_view(db, "ana", "1002")), [], [])
    assert history(db, "ana")["video_id"].tolist() == ["1002"]


def test_a_second_rebuild_refuses_naming_the_holder(tmp_path):
    db = corpus(tmp_path / "tiktoks.db")
    with rebuild_lock(db):
        with pytest.raises(Busy, match=rf"being rebuilt by another process \(pid {os.getpid()}\)"):
            write_corpus(db, ROWS, [], [])
    write_corpus(db, ROWS, [], [])   # released: the next rebuild runs


def test_a_killed_rebuilds_leftover_is_cleaned_and_its_lock_released(tmp_path):
    db = corpus(tmp_path / "tiktoks.db")
    script = textwrap.dedent(f"""
        import os, signal
        from core.locks import rebuild_lock
        with rebuild_lock({str(db)!r}):
            open({str(db)!r} + ".tmp", "wb").write(b"half-written" * 1000)
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd())
    assert done.returncode == -9 and (tmp_path / "tiktoks.db.tmp").exists()
    write_corpus(db, ROWS, [], [])
    assert not (tmp_path / "tiktoks.db.tmp").exists()
    assert load_queries(db)["query_text"].tolist() == ["video one"]


def test_writes_wait_for_the_write_lock(tmp_path):
    db = corpus(tmp_path / "tiktoks.db")
    marker = tmp_path / "written-before-release"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import pathlib, time
        from core.locks import write_lock
        with write_lock({str(db)!r}):
            print("held", flush=True)
            time.sleep(1.0)
            pathlib.Path({str(marker)!r}).write_text("x")
        """)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert holder.stdout.readline().strip() == "held"
    with write_lock(db):   # waits for the holder instead of failing or going first
        assert marker.exists()
    assert holder.wait(timeout=30) == 0
