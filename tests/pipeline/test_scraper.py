"""pipeline/scraper.js in real headless Chromium against a local page that mimics TikTok's
desktop browse layout (late comments, more comments on scroll, next-video navigation)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRAPER = ROOT / "pipeline" / "scraper.js"
FIXTURE = Path(__file__).parent / "fixtures" / "tiktok_browse.html"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")


class _Handler(BaseHTTPRequestHandler):
    """Every page path is the single-page app; /media/* does not exist (like expired links)."""

    def do_GET(self):  # noqa: N802 - http.server naming
        if self.path.startswith("/media/"):
            self.send_error(404)
            return
        body = FIXTURE.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def page(site):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        # only the local server: anything else would be a leak to the network
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(site) else route.abort())
        pg = context.new_page()
        yield pg
        browser.close()


def _scrape(page, site, n, options):
    page.goto(site + "/@dnd_dungeon/video/7171982974357966122")
    page.add_script_tag(path=str(SCRAPER))
    t0 = time.monotonic()
    records = page.evaluate("([n, o]) => scrape_tiktoks(n, o)", [n, options])
    return records, time.monotonic() - t0


def test_scrapes_three_videos_with_late_and_scrolled_comments(page, site):
    records, seconds = _scrape(page, site, 3, {"timeout": 4000, "maxComments": 12,
                                                 "scrollTimeout": 1500})
    assert [r["id"] for r in records] == ["7171982974357966122", "7144411926246935854",
                                          "7052789831151193391"]
    first, second, third = records
    # the study's batch format, field for field
    assert set(first) == {"video-src", "coverphoto-src", "permalink", "web-id", "id",
                          "like-count", "comment-count", "creator-username", "creator-nickname",
                          "timeposted", "music-title", "music-src", "description", "comments",
                          "scrape-timestamp"}
    assert first["like-count"] == "22.6K" and first["comment-count"] == "1.2K"
    assert first["creator-username"] == "@dnd_dungeon"
    assert first["creator-nickname"] == "Dungeon Dan" and first["timeposted"] == "1d ago"
    assert first["music-title"] == "original sound - Dungeon Dan"
    assert "/music/" in first["music-src"]
    assert first["web-id"] == "7172441959205652014"
    assert first["video-src"] == site + "/media/7171982974357966122.mp4"
    assert first["coverphoto-src"] == site + "/media/7171982974357966122.jpg"
    assert "/video/7171982974357966122" in first["permalink"]
    assert isinstance(first["scrape-timestamp"], float)
    # comments arrived late (700 ms), then two scrolls loaded pages 2 and 3, cut at the limit
    assert len(first["comments"]) == 12
    assert first["comments"][0] == {"commenter-username": "@fan_1",
                                    "comment-text": "comment 1 on 7171982974357966122",
                                    "time-posted": "1h ago", "like-count": "0",
                                    "replies-count": "2"}
    assert first["comments"][1]["replies-count"] == ""
    assert first["comments"][11]["comment-text"] == "comment 12 on 7171982974357966122"
    # next video: only its own comments (all 6), none left over from the previous one
    assert [c["comment-text"] for c in second["comments"]] == [
        f"comment {i} on 7144411926246935854" for i in range(1, 7)]
    assert second["creator-nickname"] == "Sir Lance ⚔️" and second["like-count"] == "938"
    # "0" comments: recorded at once, without waiting for the timeout
    assert third["comments"] == [] and third["comment-count"] == "0"
    assert seconds < 10, seconds


def test_comment_limit_and_numeric_timeout_argument(page, site):
    # the 2022 call style: a number as the second argument is the timeout
    records, _ = _scrape(page, site, 1, 3000)
    assert len(records) == 1
    assert len(records[0]["comments"]) == 20  # default maxComments, 30 available
    assert len({c["comment-text"] for c in records[0]["comments"]}) == 20
