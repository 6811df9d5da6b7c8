"""End to end: a participant watches three videos and adds a query, in headless Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from core.history import history
from core.store import load_queries

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tiny_db, tmp_path):
    """`streamlit run app.py -- --db <tiny db>` on a free port; stopped afterwards."""
    port = free_port()
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--", "--db", str(tiny_db), "--results", str(tmp_path / "results.db")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "TRL_OFFLINE": "1", "TRL_DATA": str(tmp_path)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{(tmp_path / 'streamlit.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        time.sleep(0.2)


def test_watch_then_collect_one_query(app_url, tiny_db):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
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
        finally:
            browser.close()
    q = load_queries(tiny_db).iloc[-1]
    assert (q["query_text"], q["target_id"], q["author"], q["purely_visual"]) == (
        "the video I watched third", target, "ann", 1)
