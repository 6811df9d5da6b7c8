"""How fast the dashboard answers: cold index build and re-rank/redraw after a control change.

    .venv/bin/python bench/dashboard.py [--db data/study/tiktoks.db] [--query "..."]
                                        [--browser] [--screenshot docs/screenshot.png]

Prints figures (nothing is asserted):

1. core: loading the corpus, the cold build of the default index (the study's best
   configuration), and one search per control change once that index exists;
2. app (streamlit.testing AppTest, server side): the Search page's first run (corpus load
   + index build + render) and a rerun after each control change;
3. ``--browser``: a real ``streamlit run`` driven by headless Chromium: time from clicking
   a control to the new results being on screen.

``--screenshot PATH`` also saves a screenshot of the Search page (for the README).
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import STUDY_BEST  # noqa: E402
from core.engine import Engine  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
REDRAWN = """t => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                .some(e => e.innerText.startsWith('Top ') && e.innerText.includes(t))"""
# (label, widget kind, key, value) applied one after another on the Search page
CHANGES = [
    ("collection weight p → f", "radio", "idf", "f"),
    ("normalisation x → c", "radio", "norm", "c"),
    ("term frequency b → t", "radio", "tf", "t"),
    ("weighting SMART → BM25", "segmented_control", "w", "bm25"),
    ("BM25 k1 1.2 → 1.6", "slider", "k1", 1.6),
    ("BM25 b 0.75 → 0.4", "slider", "b", 0.4),
    ("comments off (new index)", "toggle", "c", False),
    ("comments on (cached index)", "toggle", "c", True),
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def bench_core(db: Path, query: str) -> None:
    t = time.perf_counter()
    engine = Engine.from_db(db)
    print(f"core  load corpus ({engine.n_docs:,} docs, mode {engine.mode}):      {ms(time.perf_counter() - t)}")
    t = time.perf_counter()
    index = engine.index(STUDY_BEST.lexical[0].tokeniser, STUDY_BEST.enrichment, STUDY_BEST.attribution)
    print(f"core  cold build {STUDY_BEST.index_name} ({index.vocab_size:,} terms):  "
          f"{ms(time.perf_counter() - t)}")
    t = time.perf_counter()
    engine.search(STUDY_BEST, query)
    print(f"core  first search {STUDY_BEST} (weights computed):    {ms(time.perf_counter() - t)}")
    for w in ("bpx", "bfx", "bpc", "tpx", "bm25(k1=1.2,b=0.75)", "bm25(k1=1.6,b=0.4)"):
        cfg = STUDY_BEST.with_weighting(w)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            engine.search(cfg, query)
            times.append(time.perf_counter() - t)
        print(f"core  re-rank {str(cfg):42s} first {ms(times[0])}, then {ms(min(times[1:]))}")


def bench_app(db: Path, results: Path, query: str) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ.update(TRL_DB=str(db), TRL_RESULTS=str(results), TRL_OFFLINE="1")
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["q"] = query
    t = time.perf_counter()
    at.run()
    at.switch_page("pages/search.py").run()
    cold = time.perf_counter() - t
    assert not at.exception, at.exception
    print(f"app   cold: Home + Search page first run (load + build + draw): {ms(cold)}")
    warm = []
    for _ in range(3):
        t = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t)
    print(f"app   rerun, nothing changed (median of 3):                   {ms(statistics.median(warm))}")
    for label, kind, key, value in CHANGES:
        widget = getattr(at, kind)(key=key)
        t = time.perf_counter()
        widget.set_value(value).run()
        took = time.perf_counter() - t
        assert not at.exception, at.exception
        print(f"app   {label:40s}               {ms(took)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, results: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, TRL_DB=str(db), TRL_RESULTS=str(results), TRL_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise TimeoutError("streamlit did not start")


def bench_browser(db: Path, results: Path, query: str, screenshot: Path | None,
                  measure: bool = True) -> None:
    from urllib.parse import quote_plus

    from playwright.sync_api import sync_playwright

    proc, url = start_server(db, results)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(60_000)
            t = time.perf_counter()
            page.goto(f"{url}/search?q={quote_plus(query)}")
            caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Top ")
            caption.first.wait_for()
            if measure:
                print(f"browser cold: page load to first results:                   "
                      f"{ms(time.perf_counter() - t)}")
                steps = (("collection weight p → f", "f", ".bfx"), ("normalisation x → c", "c", ".bfc"),
                         ("collection weight f → p", "p", ".bpc"), ("normalisation c → x", "x", ".bpx"))
                took = {label: [] for label, _, _ in steps}
                for _ in range(3):
                    for label, option, expect_text in steps:
                        target = page.get_by_test_id("stRadio").get_by_text(option, exact=True)
                        target = target.nth(1 if option == "x" else 0)  # 2nd "x": normalisation
                        target.scroll_into_view_if_needed()
                        t = time.perf_counter()
                        target.click()
                        # poll every animation frame until the new configuration is drawn
                        page.wait_for_function(REDRAWN, arg=expect_text, polling="raf")
                        took[label].append(time.perf_counter() - t)
                for label, times in took.items():
                    print(f"browser {label:30s} click → redrawn: median {ms(statistics.median(times))}"
                          f" (min {ms(min(times))}, n={len(times)})")
            if screenshot:
                # the default configuration, its index built: the figure shows a warm search
                page.goto(f"{url}/search?q={quote_plus(query)}")
                caption.first.wait_for()
                page.get_by_test_id("stSidebar").get_by_text("Weighting").wait_for()
                time.sleep(2)
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=screenshot)
                print(f"screenshot saved to {screenshot} ({screenshot.stat().st_size / 1024:.0f} KB)")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=ROOT / "data/study/tiktoks.db")
    ap.add_argument("--results", type=Path, default=None,
                    help="results.db (default: next to --db)")
    ap.add_argument("--query", default="dnd players stairs door")
    ap.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    ap.add_argument("--screenshot", type=Path, default=None,
                    help="save a screenshot of the Search page here (e.g. docs/screenshot.png)")
    ap.add_argument("--no-app", action="store_true", help="skip the AppTest measurements")
    a = ap.parse_args(argv)
    results = a.results or a.db.parent / "results.db"
    if not a.db.exists():
        print(f"no corpus at {a.db}: run `make study` (or pass --db)", file=sys.stderr)
        return 2
    bench_core(a.db, a.query)
    if not a.no_app:
        bench_app(a.db, results, a.query)
    if a.browser or a.screenshot:
        bench_browser(a.db, results, a.query, a.screenshot, measure=a.browser)
    return 0


if __name__ == "__main__":
    sys.exit(main())
