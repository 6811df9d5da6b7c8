"""End to end: `streamlit run app.py` on a free port, driven by headless Chromium.

Searches the tiny corpus, opens a result, reloads (the view lives in the URL), switches
page, and opens a page URL directly. Screenshots go to tests/artifacts/ (git-ignored).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url}")


@pytest.fixture
def server(tiny_db, tiny_results, tmp_path):
    port = free_port()
    env = dict(os.environ, TRL_DB=str(tiny_db), TRL_RESULTS=str(tiny_results), TRL_OFFLINE="1")
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_search_open_result_reload_and_switch_page(server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sync_playwright, expect = playwright.sync_playwright, playwright.expect
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # a first visit straight to a page URL still runs it inside app.py's navigation
        page.goto(server + "/experiments")
        page.get_by_role("tab", name="Heatmaps").wait_for()
        page.get_by_text("TikTok Retrieval Lab").first.wait_for()  # app.py's sidebar
        page.goto(server + "/")
        page.get_by_text("The dataset").wait_for()
        page.screenshot(path=ARTIFACTS / "home.png")

        page.get_by_role("link", name="Search").first.click()
        box = page.get_by_label("What do you remember about the video?")
        box.fill("dnd door stairs")
        box.press("Enter")
        page.get_by_text("@dndnerd").first.wait_for()
        page.screenshot(path=ARTIFACTS / "search.png")
        assert "q=dnd" in page.url

        # open the second result: its card turns to "Watching", the panel follows
        page.get_by_role("button", name=re.compile(r"Watch$")).first.click()
        page.get_by_text("Watching #2").wait_for()
        page.get_by_text("No downloaded video or cover photo").wait_for()
        assert "video=" in page.url
        page.screenshot(path=ARTIFACTS / "search_opened.png")

        # the view (query, configuration) survives a reload
        page.get_by_text("BM25", exact=True).click()
        page.get_by_test_id("stCaptionContainer").filter(has_text="bm25(b=0.75,k1=1.2)").first.wait_for()
        before = page.url
        page.reload()
        assert page.url == before
        page.get_by_test_id("stCaptionContainer").filter(has_text="bm25(b=0.75,k1=1.2)").first.wait_for()
        expect(page.get_by_label("What do you remember about the video?")).to_have_value(
            "dnd door stairs")
        page.get_by_text("Watching #2").wait_for()

        page.get_by_role("link", name="Experiments").first.click()
        page.get_by_role("tab", name="Compare to a baseline").click()
        page.get_by_text("Per-query wins and losses").wait_for()
        page.screenshot(path=ARTIFACTS / "experiments.png")

        page.get_by_role("link", name="Query lab").first.click()
        page.get_by_text("Why this rank").wait_for()
        page.screenshot(path=ARTIFACTS / "query_lab.png")
        browser.close()
    assert not errors, errors
