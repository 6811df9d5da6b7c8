"""Hostile text in a real browser: corpus text, a queries file and URL parameters that try to
inject Markdown images, links, HTML and bidi overrides (issue 11's fault suite).

A canary HTTP server on 127.0.0.1 stands for an attacker's host; the test fails if Chromium
makes any request to it (an injected image is fetched as soon as it renders) or if any
injected link is clickable.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import quote

import pytest

from core.store import write_corpus
from tests.e2e.conftest import ARTIFACTS, streamlit_app
from tests.e2e.test_browser import new_page

pytestmark = pytest.mark.slow


class _Canary(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    srv = HTTPServer(("127.0.0.1", 0), _Canary)
    srv.hits = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()


@pytest.fixture
def hostile_app(tmp_path, canary):
    host = f"http://127.0.0.1:{canary.server_port}"
    evil = (f"pasta ![img]({host}/md.png) <img src={host}/html.png> [log in]({host}/phish) "
            f"{host}/bare \u202eevil :material/warning:")
    db = tmp_path / "evil.db"
    write_corpus(db, [{"id": "42", "creator_username": "@chef", "description": evil, "usable": 1,
                       "music_title": f"![m]({host}/music.png)"}], [],
                 [{"query_id": 1, "query_text": f"pasta ![q]({host}/query.png)", "target_id": "42",
                   "author": "x", "collection": "c"}])
    with streamlit_app(tmp_path, env={"TRL_DB": str(db), "TRL_OFFLINE": "1"}) as url:
        yield url, host


def test_hostile_corpus_text_and_url_parameters_render_as_text(hostile_app, chromium, canary):
    url, host = hostile_app
    page, errors = new_page(chromium)
    outbound = []
    page.on("request", lambda r: outbound.append(r.url) if r.url.startswith(host) else None)
    cfg = quote(f"![x]({host}/cfg.png) [Session expired - log in again]({host}/cfg-phish)")
    for path in (f"/search?q=pasta&cfg={cfg}", "/search?q=pasta", "/query_lab", f"/query_lab?cfg={cfg}",
                 "/viewer"):
        page.goto(url + path)
        page.get_by_text("TikTok Retrieval Lab").first.wait_for()
        page.wait_for_timeout(1500)   # let every element render
        links = page.locator(f"a[href^='{host}']")
        assert links.count() == 0, (path, [links.nth(i).evaluate("a => a.outerHTML.slice(0, 300)") for i in range(min(3, links.count()))])
        imgs = page.locator(f"img[src^='{host}']")
        assert imgs.count() == 0, (path, [imgs.nth(i).evaluate("e => e.parentElement.parentElement.outerHTML.slice(0, 400)") for i in range(min(3, imgs.count()))])
    page.goto(url + "/search?q=pasta")
    page.get_by_text("@chef").first.wait_for()
    page.screenshot(path=ARTIFACTS / "hostile_search.png")
    body = page.inner_text("body")
    where = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.children.length == 0
        && e.textContent.includes('\u202e')).map(e => e.outerHTML.slice(0, 300))""")
    assert "\u202e" not in body and f"{host}/bare" in body.replace("\u200b", ""), where   # shown, as text
    assert outbound == [] and canary.hits == [], (outbound, canary.hits)
    assert not errors
