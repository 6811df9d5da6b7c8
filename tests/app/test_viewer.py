"""The Viewer page: a seeded queue per participant, views recorded, History and Search."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.history import feed, history, usable_ids

ROOT = Path(__file__).resolve().parents[2]


def open_viewer(db, monkeypatch, **params) -> AppTest:
    """The Viewer page of app.py on a corpus (offline: no TikTok embed), with URL params."""
    monkeypatch.setenv("TRL_DB", str(db))
    monkeypatch.setenv("TRL_OFFLINE", "1")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.switch_page("pages/viewer.py")
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


@pytest.fixture
def viewer(tiny_db, monkeypatch):
    return open_viewer(tiny_db, monkeypatch)


def shown_id(at) -> str:
    return at.code[0].value


def test_instructions_and_content_warning_before_a_name(viewer, tiny_db):
    assert not viewer.exception
    text = " ".join(m.value for m in viewer.markdown)
    assert "Content warning" in text and "not moderated" in text
    assert "Type your name" in viewer.info[0].value
    assert history(tiny_db, "ann").empty


def test_queue_is_seeded_and_every_opened_video_is_recorded(viewer, tiny_db):
    queue = feed(usable_ids(tiny_db), "ann")
    at = viewer.text_input(key="participant").input("ann").run()
    assert not at.exception and shown_id(at) == queue[0]
    at = at.button(key="next").click().run()
    assert shown_id(at) == queue[1] and at.number_input(key="pos").value == 2
    at = at.button(key="next").click().run()
    at = at.button(key="prev").click().run()
    assert shown_id(at) == queue[1]
    assert history(tiny_db, "ann")["video_id"].tolist() == [queue[1], queue[2], queue[1], queue[0]]
    # a rerun without navigating records nothing more
    at = at.text_input(key="viewer_q").input("").run()
    assert len(history(tiny_db, "ann")) == 4
    # History lists the openings newest first, ids included
    table = at.dataframe[0].value
    assert table["video_id"].tolist() == [queue[1], queue[2], queue[1], queue[0]]


def test_opening_from_history_keeps_the_queue_position(viewer, tiny_db):
    queue = feed(usable_ids(tiny_db), "bo")
    at = viewer.text_input(key="participant").input("bo").run()
    for _ in range(3):
        at = at.button(key="next").click().run()
    at = at.selectbox(key="history_pick").select(queue[0]).run()
    at = at.button(key="history_open").click().run()
    assert shown_id(at) == queue[0] and at.query_params["video"] in (queue[0], [queue[0]])
    assert at.number_input(key="pos").value == 4
    assert history(tiny_db, "bo")["video_id"].iloc[0] == queue[0]
    at = at.button(key="next").click().run()  # back to the queue, one further
    assert shown_id(at) == queue[4] and "video" not in at.query_params


def test_search_tab_opens_a_result(viewer, tiny_db):
    at = viewer.text_input(key="participant").input("cy").run()
    at = at.text_input(key="viewer_q").input("corgi zoomies beach").run()
    assert not at.exception
    at = at.button(key="open_viewer_1009").click().run()
    assert shown_id(at) == "1009"
    assert history(tiny_db, "cy")["video_id"].iloc[0] == "1009"


def test_bad_video_parameter_and_name_are_handled(tiny_db, monkeypatch):
    at = open_viewer(tiny_db, monkeypatch, video="../../etc/passwd", participant="dee")
    assert not at.exception and shown_id(at) == feed(usable_ids(tiny_db), "dee")[0]
    at = at.text_input(key="participant").input("a\x01b").run()
    assert not at.exception and "control characters" in at.warning[0].value


def test_corpus_text_is_escaped(tiny_db, monkeypatch):
    import sqlite_utils
    db = sqlite_utils.Database(tiny_db)
    db.execute("update tiktoks set description = ? where usable = 1",
               ["<img src=x onerror=alert(1)> [click](javascript:alert(1)) **bold**"])
    db.conn.commit()
    db.close()
    at = open_viewer(tiny_db, monkeypatch, participant="eve")
    desc = [m.value for m in at.markdown if "img" in m.value]
    assert desc and all("\\<img" in d and "\\[click\\]" in d and "\\*\\*bold" in d for d in desc)


def test_history_links_to_the_collection_form(viewer):
    at = viewer.text_input(key="participant").input("fay").run()
    assert not at.exception and at.title[0].value.endswith("Viewer")
    link = at.get("page_link")[0].proto
    assert "collect" in link.page and "participant=fay" in link.query_string


def test_search_tab_with_query_options_and_dense(tiny_db, monkeypatch):
    """Highlighting copes with ``word~fuzzy`` and dense components (the configuration string
    comes from the sidebar's paste box, bound to the URL)."""
    at = open_viewer(tiny_db, monkeypatch, cfg="word~fuzzy+dense~ocr~sr.all.noattr.bm25(k1=1.2,b=0.75).zsum")
    at = at.text_input(key="participant").input("gus").run()
    at = at.text_input(key="viewer_q").input("corgi zoomes beach").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "open_viewer_1009" in [b.key for b in at.button]
    assert any(":orange-background[corgi]" in m.value.lower() for m in at.markdown)
