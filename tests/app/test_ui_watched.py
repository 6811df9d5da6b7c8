"""ui.watched in the running app: the user's own TikTok history on the Viewer's History tab,
the "watched in the last week / month" filter on the Search page, watch dates on cards."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.store import write_corpus
from tests.app.conftest import no_exception, texts
from tests.app.test_viewer import open_viewer, shown_id
from tests.conftest import tiny_rows
from ui.display import escape_md

NOW = datetime.now(timezone.utc)
HOSTILE = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold**"


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat(timespec="seconds")


def on_card(days: float) -> str:
    """A watch date as a card's caption shows it (escaped Markdown)."""
    return f"watched {escape_md(ago(days)[:10])}"


@pytest.fixture
def watched_db(tmp_path):
    """The tiny corpus as if collected from a data export: three videos with watch dates."""
    tiktoks, comments, queries = tiny_rows()
    dates = {"1001": (ago(2), "history"), "1007": (ago(20), "history,likes"),
             "1003": (ago(100), "favourites"), "1009": (HOSTILE, "history")}
    for t in tiktoks:
        if t["id"] in dates:
            t["watched_at"], t["collected_from"] = dates[t["id"]]
    path = tmp_path / "tiktoks.db"
    write_corpus(path, tiktoks, comments, queries, meta={"normalisation": "default"})
    return path


def test_viewer_history_lists_and_filters_what_you_watched(watched_db, monkeypatch):
    at = open_viewer(watched_db, monkeypatch)
    at = at.text_input(key="participant").input("ann").run()
    no_exception(at)
    assert "Your TikTok history" in texts(at)
    table = at.dataframe[0].value
    assert table["id"].tolist() == ["1001", "1007", "1003"]    # latest first; bad date left out
    assert table["lists"].tolist() == ["watched", "watched, liked", "favourite"]
    assert table["watched"].iloc[0] == ago(2)[:10]
    at = at.segmented_control(key="watched").set_value("month").run()
    assert at.dataframe[0].value["id"].tolist() == ["1001", "1007"]
    at = at.segmented_control(key="watched").set_value("week").run()
    assert at.dataframe[0].value["id"].tolist() == ["1001"]
    assert "1 of 3 videos" in texts(at)
    at = at.button(key="watched_open").click().run()
    no_exception(at)
    assert shown_id(at) == "1001"


def test_viewer_without_watch_dates_shows_no_tiktok_history(tiny_db, monkeypatch):
    at = open_viewer(tiny_db, monkeypatch).text_input(key="participant").input("ann").run()
    assert "Your TikTok history" not in texts(at)
    assert not [s for s in at.segmented_control if s.key == "watched"]


def test_search_filter_and_dates_on_cards(app, watched_db, monkeypatch):
    monkeypatch.setenv("TRL_DB", str(watched_db))
    at = app("search")
    at.text_input(key="q").input("cooking pasta potatoes").run()
    no_exception(at)
    both = texts(at)
    assert "@chefmaria" in both and on_card(2) in both and on_card(20) in both
    at = at.segmented_control(key="watched").set_value("week").run()
    no_exception(at)
    shown = [m.value for m in at.markdown if m.value.startswith("**1.**")]
    assert len(shown) == 1 and "chefmaria" in shown[0]
    assert not [m for m in at.markdown if m.value.startswith("**2.**")]
    assert "Only videos you watched in the last week: 1" in texts(at)
    assert on_card(20) not in texts(at) and on_card(2) in texts(at)
    # a hostile watch date is never shown (not a date), and nothing renders as HTML
    at = at.segmented_control(key="watched").set_value("any").run()
    at.text_input(key="q").input("corgi zoomies beach").run()
    no_exception(at)
    assert "onerror" not in texts(at) and "@dogdad" in texts(at)


def test_search_offers_no_filter_without_watch_dates(app):
    at = app("search")
    at.text_input(key="q").input("garlic pasta").run()
    assert not [s for s in at.segmented_control if s.key == "watched"]
    assert "watched 2" not in texts(at)
