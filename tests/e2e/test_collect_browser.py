"""End to end: a participant watches three videos and adds a query, in headless Chromium."""
from __future__ import annotations

import time

import pytest

from core.history import history
from core.store import load_queries
from tests.e2e.conftest import streamlit_app

pytestmark = pytest.mark.slow


@pytest.fixture
def app_url(tiny_db, tmp_path):
    """`streamlit run app.py -- --db <tiny db>` on a free port; stopped afterwards."""
    with streamlit_app(tmp_path, app_args=["--db", tiny_db, "--results", tmp_path / "results.db"],
                       env={"TRL_OFFLINE": "1", "TRL_DATA": str(tmp_path)}) as url:
        yield url


def wait_for(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        time.sleep(0.2)


def test_watch_then_collect_one_query(app_url, tiny_db, chromium):
    page = chromium.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{app_url}/viewer?participant=ann")
    page.get_by_text("Top comments").wait_for()
    wait_for(lambda: len(history(tiny_db, "ann")) == 1)
    page.get_by_role("button", name="Next").click()
    wait_for(lambda: len(history(tiny_db, "ann")) == 2)
    page.get_by_role("heading", name="Viewer").click()  # focus away from the buttons
    page.keyboard.press("ArrowRight")  # the Next button's shortcut
    wait_for(lambda: len(history(tiny_db, "ann")) == 3)
    target = history(tiny_db, "ann")["video_id"].iloc[0]
    page.get_by_text(target, exact=True).first.wait_for()

    page.goto(f"{app_url}/collect?participant=ann")
    page.get_by_role("textbox", name="Query", exact=True).fill("the video I watched third")
    page.get_by_role("textbox", name="…or paste its video id").fill(target)
    page.get_by_test_id("stForm").get_by_text("Purely visual", exact=True).click()
    page.get_by_role("button", name="Add query").click()
    page.get_by_text(f"Added query 7 for video {target}").wait_for()
    q = load_queries(tiny_db).iloc[-1]
    assert (q["query_text"], q["target_id"], q["author"], q["purely_visual"]) == (
        "the video I watched third", target, "ann", 1)
