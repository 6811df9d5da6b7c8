"""core.history: the viewer's feed order and per-participant view history in tiktoks.db."""
from __future__ import annotations

import pytest

from core.history import clean_participant, feed, history, participants, record_view, top_comments

IDS = [str(1001 + i) for i in range(10)]


def test_feed_is_a_seeded_permutation():
    a = feed(IDS, "ann")
    assert sorted(a) == IDS
    assert feed(list(reversed(IDS)), "ann") == a  # input order does not matter
    assert feed(IDS, "  ann ") == a               # nor stray spaces in the name
    assert feed(IDS, "bo") != a                   # another participant, another order


def test_participant_names_are_checked():
    assert clean_participant("  Ann   Lee ") == "Ann Lee"
    for bad in ("", "   ", None, "x" * 41, "a\x00b"):
        with pytest.raises(ValueError):
            clean_participant(bad)


def test_views_are_recorded_newest_first_per_participant(tiny_db):
    record_view(tiny_db, "ann", "1001", opened_at="2024-05-01T10:00:00+00:00")
    record_view(tiny_db, "ann", "1003", opened_at="2024-05-01T10:05:00+00:00")
    record_view(tiny_db, "ann", "1001", opened_at="2024-05-01T10:09:00+00:00")
    record_view(tiny_db, "bo", "1002")
    h = history(tiny_db, "ann")
    assert h["video_id"].tolist() == ["1001", "1003", "1001"]
    assert h["creator_username"].tolist()[1] == "@catlover"
    assert history(tiny_db, "ann", distinct=True)["video_id"].tolist() == ["1001", "1003"]
    assert history(tiny_db, "bo")["video_id"].tolist() == ["1002"]
    assert history(tiny_db, "cy").empty
    assert participants(tiny_db) == ["bo", "ann"]  # bo's view is the latest (now)


def test_bad_views_are_refused(tiny_db, tmp_path):
    assert history(tiny_db, "ann").empty  # no views table yet
    with pytest.raises(ValueError, match="invalid TikTok id"):
        record_view(tiny_db, "ann", "../etc/passwd")
    with pytest.raises(ValueError, match="no video"):
        record_view(tiny_db, "ann", "999")
    with pytest.raises(FileNotFoundError):
        record_view(tmp_path / "missing.db", "ann", "1001")
    assert not (tmp_path / "missing.db").exists()


def test_top_comments(tiny_db):
    c = top_comments(tiny_db, "1002", n=1)
    assert c["comment_text"].tolist() == ["peak fiction"]
    assert top_comments(tiny_db, "1011").empty
