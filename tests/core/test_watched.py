"""core.watched: watch dates from a user's data export, and the last week / month filter, on
real corpus databases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from core.store import write_corpus
from core.watched import cutoff, has_dates, parse, restrict, watched_date, watched_videos, within

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="seconds")


def test_parse_and_date_accept_only_real_times():
    assert parse("2024-05-03T21:10:00+00:00") == datetime(2024, 5, 3, 21, 10, tzinfo=timezone.utc)
    assert parse("2024-05-03T23:10:00+02:00") == datetime(2024, 5, 3, 21, 10, tzinfo=timezone.utc)
    assert parse("2024-05-03 21:10:00").tzinfo == timezone.utc     # naive: read as UTC
    for bad in (None, "", "  ", "yesterday", "<script>", 12345, float("nan")):
        assert parse(bad) is None and watched_date(bad) is None
    assert watched_date("2024-05-03T23:10:00-05:00") == "2024-05-04"


def test_windows():
    assert cutoff("any", NOW) is None
    assert cutoff("week", NOW) == NOW - timedelta(days=7)
    assert cutoff("month", NOW) == NOW - timedelta(days=30)
    with pytest.raises(ValueError, match="unknown window"):
        cutoff("year", NOW)
    docs = pd.DataFrame({"id": ["1", "2", "3", "4"],
                         "watched_at": [ago(1), ago(10), None, "garbage"]})
    assert within(docs, "week", NOW).tolist() == [True, False, False, False]
    assert within(docs, "month", NOW).tolist() == [True, True, False, False]
    assert within(docs, "any", NOW).all()
    assert has_dates(docs) and not has_dates(docs.drop(columns="watched_at"))
    assert not within(docs.drop(columns="watched_at"), "week", NOW).any()
    assert not has_dates(pd.DataFrame({"watched_at": [None, "x"]}))


def test_restrict_reranks_the_kept_hits():
    hits = pd.DataFrame({"rank": [1, 2, 3, 4], "doc": [0, 1, 2, 3], "id": ["a", "b", "c", "d"],
                         "score": [4.0, 3.0, 2.0, 1.0]})
    got = restrict(hits, {"b", "d", "z"}, k=10)
    assert got["id"].tolist() == ["b", "d"] and got["rank"].tolist() == [1, 2]
    assert restrict(hits, {"a", "b", "c"}, k=2)["id"].tolist() == ["a", "b"]
    assert restrict(hits, set(), k=5).empty


def test_watched_videos_from_a_corpus(tmp_path):
    path = tmp_path / "tiktoks.db"
    rows = [{"id": "1", "description": "new", "usable": 1, "watched_at": ago(2),
             "collected_from": "history,likes"},
            {"id": "2", "description": "older", "usable": 1, "watched_at": ago(20),
             "collected_from": "history"},
            {"id": "3", "description": "never watched", "usable": 1},
            {"id": "4", "description": "unusable", "usable": 0, "watched_at": ago(1)},
            {"id": "5", "description": "bad date", "usable": 1, "watched_at": "soon"}]
    write_corpus(path, rows, [])
    assert watched_videos(path, "any", NOW)["id"].tolist() == ["1", "2"]
    assert watched_videos(path, "week", NOW)["id"].tolist() == ["1"]
    week = watched_videos(path, "week", NOW)
    assert week.iloc[0]["collected_from"] == "history,likes"
    # a corpus built before watch dates existed has no such column: nothing, no error
    import sqlite_utils
    old = sqlite_utils.Database(tmp_path / "old.db")
    old["tiktoks"].insert({"id": "1", "usable": 1})
    old.close()
    assert watched_videos(tmp_path / "old.db").empty
