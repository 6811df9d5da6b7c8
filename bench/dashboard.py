"""How fast the dashboard answers: cold index build and re-rank/redraw after a control change.

    .venv/bin/python bench/dashboard.py [--db data/study/tiktoks.db] [--query "..."]
                                        [--browser] [--screenshot docs/screenshot.png]

Prints figures (nothing is asserted):

1. core: loading the corpus and building the default index (the study's best configuration)
   without and with the tokenised-corpus disk cache, and one search per control change once
   that index exists;
2. app (streamlit.testing AppTest, server side): the Search page's first run (corpus load
   + index build + render) and a rerun after each control change;
3. ``--browser``: a real ``streamlit run serve.py`` (``--launcher app.py``: the app without
   start-up warming) driven by headless Chromium: right after the server answers its health
   check, opening the Search page, typing a query and pressing Enter (to results on screen:
   a fresh app's first search), opening it with the query in the URL, then
   time from clicking a control to the new results being on screen;
4. ``--tune`` (headless Chromium): on the Tune page, with 4-gram BM25, time from moving the
   sidebar's k1 slider one step (keyboard, alternating between two values, then walking up
   to values never scored before) to the headline
   MRR of the new configuration (computed by core beforehand) being on screen, and to the
   whole page (its open Charts tab's four charts included) being redrawn; and a
   12-point sweep of BM25's b (Sweep tab) from the tab click to its chart being drawn;
   ``--tune-dense``: the same slider on a hybrid of that BM25 and MiniLM (basic+OCR+speech,
   64-word windows; the page's first load embeds the corpus unless it is cached). Each
   change also prints how long the browser took to send its rerun request (the slider's own
   delay, out of the server's hands).

5. ``--tuned-first`` (headless Chromium): the Search page's first search with the *Tuned
   hybrid* preset, from clicking its button to its results on screen (whatever of its
   embeddings the cache lacks is embedded under a progress bar; point ``TRL_EMBED_CACHE`` at a
   new file to time a fresh machine), then the engine's time for each of the next queries
   typed (the ``· N ms`` of the results caption).

``--screenshot PATH`` also saves a screenshot of the Search page (for the README).
"""
from __future__ import annotations

import argparse
import contextlib
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

from core.config import STUDY_BEST, Config  # noqa: E402
from core.engine import Engine, warm_index_cache  # noqa: E402

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
    best = (STUDY_BEST.lexical[0].tokeniser, STUDY_BEST.enrichment, STUDY_BEST.attribution)
    t = time.perf_counter()
    index = Engine.from_db(db, index_cache=False).index(*best)
    print(f"core  load + build {STUDY_BEST.index_name}, no disk cache ({index.vocab_size:,} terms): "
          f"{ms(time.perf_counter() - t)}")
    warm_index_cache(db)
    t = time.perf_counter()
    engine = Engine.from_db(db)
    print(f"core  load corpus ({engine.n_docs:,} docs, mode {engine.mode}):      {ms(time.perf_counter() - t)}")
    t = time.perf_counter()
    engine.index(*best)
    print(f"core  {STUDY_BEST.index_name} from the disk cache (core/index_cache.py): "
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


LAUNCHER = "serve.py"   # --launcher app.py: the plain app, nothing warmed at start


def start_server(db: Path, results: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, TRL_DB=str(db), TRL_RESULTS=str(results), TRL_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / LAUNCHER), "--server.headless",
         "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    if wait_healthy(url):
        return proc, url
    proc.terminate()
    raise TimeoutError("streamlit did not start")


def wait_healthy(url: str, timeout: float = 40.0) -> bool:
    """Wait until a streamlit server at ``url`` answers its health check."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return True
        except OSError:
            time.sleep(0.2)
    return False


def typed_search(page, url: str, query: str) -> tuple[float, float]:
    """Open Search, type ``query``, press Enter, as a user would: seconds from opening the page
    to its search box, and from Enter to the results on screen."""
    t = time.perf_counter()
    page.goto(f"{url}/search")
    box = page.get_by_label("What do you remember about the video?")
    box.wait_for()
    loaded = time.perf_counter() - t
    box.fill(query)
    t = time.perf_counter()
    box.press("Enter")
    page.get_by_test_id("stCaptionContainer").filter(has_text="Top ").first.wait_for()
    return loaded, time.perf_counter() - t


@contextlib.contextmanager
def browser_page(db: Path, results: Path, timeout_ms: int = 60_000):
    """A headless Chromium page and the URL of a ``streamlit run`` on ``db``; both stopped after."""
    from playwright.sync_api import sync_playwright

    proc, url = start_server(db, results)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(timeout_ms)
            try:
                yield page, url
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def bench_browser(db: Path, results: Path, query: str, screenshot: Path | None,
                  measure: bool = True) -> None:
    from urllib.parse import quote_plus

    with browser_page(db, results) as (page, url):
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Top ")
        if measure:
            # as a user meets a freshly started app: open Search, type a query, press Enter
            loaded, answered = typed_search(page, url, query)
            print(f"browser cold: page load to the search box:                  {ms(loaded)}")
            print(f"browser cold: Enter → first results on screen:              {ms(answered)}")
        t = time.perf_counter()
        page.goto(f"{url}/search?q={quote_plus(query)}")
        caption.first.wait_for()
        if measure:
            print(f"browser same tab, the query in the URL: page load to results:"
                  f"{ms(time.perf_counter() - t)}")
            other = page.context.browser.new_page(viewport={"width": 1440, "height": 900})
            t = time.perf_counter()
            other.goto(f"{url}/search?q={quote_plus(query)}")
            other.get_by_test_id("stCaptionContainer").filter(has_text="Top ").first.wait_for()
            print(f"browser warm server, a second visitor: page load to first results: "
                  f"{ms(time.perf_counter() - t)}")
            other.close()
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


def bench_tuned_first(db: Path, results: Path, query: str, more: int = 10) -> None:
    from urllib.parse import quote_plus

    from core.families import TUNED_ON_STUDY
    from core.store import load_queries

    tuned = str(Config.parse(TUNED_ON_STUDY))
    texts = load_queries(db)["query_text"].tolist()[:more]
    with browser_page(db, results, timeout_ms=1_800_000) as (page, url):
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Top ")
        page.goto(f"{url}/search?q={quote_plus(query)}")
        caption.first.wait_for()
        t = time.perf_counter()
        page.get_by_role("button", name="Tuned hybrid").click()
        bar = None
        try:
            page.get_by_test_id("stProgress").first.wait_for(timeout=60_000)
            bar = time.perf_counter() - t
        except Exception:   # noqa: BLE001 - nothing to embed: no bar
            pass
        page.wait_for_function(REDRAWN, arg=tuned, polling=200)
        print(f"browser: Tuned hybrid clicked → its first results on screen: "
              f"{time.perf_counter() - t:.1f} s (progress bar "
              f"{'shown after %.1f s' % bar if bar is not None else 'not shown'}); {tuned}")
        box = page.get_by_label("What do you remember about the video?")
        took = []
        for q in texts:
            before = caption.first.inner_text()
            box.fill(q)
            box.press("Enter")
            with contextlib.suppress(Exception):   # the same caption twice: read it anyway
                page.wait_for_function("""old => {
                    const app = document.querySelector('[data-testid="stApp"]');
                    const cap = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                        .find(e => e.innerText.startsWith('Top '));
                    return cap && cap.innerText !== old
                        && app.getAttribute('data-test-script-state') === 'notRunning';
                }""", arg=before, polling=50, timeout=15_000)
            cap = caption.first.inner_text()
            took.append(float(cap.rsplit("·", 1)[1].split("ms")[0]))
        print(f"browser: next {len(took)} queries typed, the engine's time (caption): median "
              f"{statistics.median(took):.0f} ms, max {max(took):.0f} ms")


TUNE_BASE = "BM25"        # the Tune page opened on 4-gram BM25 (k1=1.2, b=0.75)
# … fused (z-scores) with MiniLM on basic+OCR+speech, 64-word windows (URLs carry the widgets' labels)
TUNE_DENSE = "&dense=Basic+%2B+OCR+%2B+speech&dw_ocr_sr=64-word+windows&fu=zsum"
TUNE_SHOWN = """([cfg, mrr]) => {
    const cap = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
        .some(e => e.innerText.includes(cfg + ' against'));
    const card = [...document.querySelectorAll('[data-testid="stMetric"]')]
        .find(e => e.innerText.startsWith('MRR'));
    return cap && card && card.querySelector('[data-testid="stMetricValue"]').innerText.trim() === mrr;
}"""
PAGE_DONE = """() => {   // the script finished its run and every chart of the open tab is drawn
    const app = document.querySelector('[data-testid="stApp"]');
    const charts = [...document.querySelectorAll('[role="tabpanel"]:not([hidden]) [data-testid="stVegaLiteChart"]')];
    return app && app.getAttribute('data-test-script-state') === 'notRunning' && charts.length >= 4
        && charts.every(c => c.querySelector('canvas, svg'));
}"""


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def bench_tune(db: Path, results: Path, changes: int, dense: bool = False) -> None:
    """The Tune page in headless Chromium: k1 slider → headline MRR; a 12-point sweep.
    ``dense``: on a hybrid of 4-gram BM25 and MiniLM (basic+OCR+speech, 64-word windows)."""
    from core.config import Config
    from core.evaluation import per_query, summarise
    from core.store import load_queries

    engine, queries = Engine.from_db(db), load_queries(db)
    expected: dict[str, str] = {}
    base = [STUDY_BEST]     # the page's configuration at k1 1.2, read from its caption

    def mrr_of(k1: str) -> tuple[str, str]:
        cfg = str(base[0].with_weighting(f"bm25(k1={float(k1):g},b=0.75)"))
        if cfg not in expected:
            expected[cfg] = f"{summarise(per_query(engine, Config.parse(cfg), queries))['mrr']:.3f}"
        return cfg, expected[cfg]

    start = TUNE_BASE + (TUNE_DENSE if dense else "")
    with browser_page(db, results, 300_000) as (page, url):
        sent: list[float] = []     # when the browser sent each websocket message (rerun requests)
        page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.perf_counter())))

        def request_delay(since: float) -> float:
            """Key press → the rerun request leaving the browser (the slider's own delay)."""
            return min((s for s in sent if s >= since), default=since) - since

        t = time.perf_counter()
        page.goto(f"{url}/tune?w={start}")
        caption = page.get_by_test_id("stCaptionContainer").filter(has_text=" against ").first
        caption.wait_for()
        base[0] = Config.parse(caption.inner_text().split(" against ")[0].strip("` "))
        cfg0, mrr0 = mrr_of("1.2")
        page.wait_for_function(TUNE_SHOWN, arg=[cfg0, mrr0], polling="raf")
        print(f"tune  cold: page load to headline ({len(queries)} queries, both configurations "
              f"scored): {ms(time.perf_counter() - t)}")
        thumb = page.get_by_test_id("stSidebar").get_by_test_id("stSlider").filter(
            has_text="k1").get_by_role("slider")
        step = float(thumb.get_attribute("step"))
        for k1 in (1.2, round(1.2 + step, 6), round(1.2 - step, 6)):   # core's figures, untimed
            mrr_of(str(k1))
        thumb.focus()
        first, rest, whole, delay = [], [], [], []
        keys = ("ArrowRight", "ArrowLeft")
        for i in range(changes):
            key = keys[i % 2]
            t = time.perf_counter()
            thumb.press(key)
            value = thumb.input_value()
            cfg, mrr = mrr_of(value)   # computed above: a dictionary look-up
            page.wait_for_function(TUNE_SHOWN, arg=[cfg, mrr], polling="raf")
            took = time.perf_counter() - t
            page.wait_for_function(PAGE_DONE, polling="raf")
            if i:
                whole.append(time.perf_counter() - t)
                delay.append(request_delay(t))
            if i == 0:
                print(f"tune  k1 1.2 → {value}: MRR {mrr0} → {mrr} ({cfg})")
            (first if i == 0 else rest).append(took)
        print(f"tune  k1 slider → headline MRR on screen, first (uncached) change: {ms(first[0])}")
        print(f"tune  k1 slider → headline MRR on screen, next {len(rest)} changes (cached, "
              f"alternating): median {ms(statistics.median(rest))}, p95 {ms(p95(rest))}, "
              f"max {ms(max(rest))}")
        print(f"tune  k1 slider → whole page redrawn (charts included), same {len(whole)} changes: "
              f"median {ms(statistics.median(whole))}, p95 {ms(p95(whole))}")
        print(f"tune    of which key press → rerun request sent by the browser: "
              f"median {ms(statistics.median(delay))}, p95 {ms(p95(delay))}")
        # new values each time (nothing cached for them): k1 walked up one step at a time
        value, fresh, fresh_whole = thumb.input_value(), [], []
        for k1 in [round(float(value) + step * (i + 1), 6) for i in range(changes)]:
            if k1 > 3.0:
                break
            cfg, mrr = mrr_of(str(k1))                      # core's figure, before the change
            t = time.perf_counter()
            thumb.press("ArrowRight")
            page.wait_for_function(TUNE_SHOWN, arg=[cfg, mrr], polling="raf")
            fresh.append(time.perf_counter() - t)
            page.wait_for_function(PAGE_DONE, polling="raf")
            fresh_whole.append(time.perf_counter() - t)
            delay.append(request_delay(t))
        print(f"tune  k1 slider → headline MRR on screen, {len(fresh)} changes to new values (each "
              f"scored for the first time): median {ms(statistics.median(fresh))}, p95 {ms(p95(fresh))}; "
              f"whole page redrawn: median {ms(statistics.median(fresh_whole))}, p95 {ms(p95(fresh_whole))}")
        delay = delay[-len(fresh):]
        print(f"tune    of which key press → rerun request sent by the browser: "
              f"median {ms(statistics.median(delay))}, p95 {ms(p95(delay))}")
        page.screenshot(path=str(ROOT / "tests/artifacts/bench_tune.png"))
        # the sweep: b (12 values) of the current configuration, named in the URL so that
        # opening the tab starts it (the first parameter, k1, has 11 values)
        if dense:
            return      # the sweep's target is for lexical configurations
        page.goto(f"{url}/tune?w={start}&t_sweep=b+%C2%B7+BM25")   # "b · BM25"
        page.wait_for_function(TUNE_SHOWN, arg=[cfg0, mrr0], polling="raf")
        tab = page.get_by_role("tab", name="Sweep")
        t = time.perf_counter()
        tab.click()
        page.locator('[role="tabpanel"]:visible [data-testid="stVegaLiteChart"]').filter(
            has=page.locator("canvas, svg")).first.wait_for()
        took = time.perf_counter() - t
        page.get_by_text("12 values from 0 to 1").wait_for()   # the sweep drawn is b's
        print(f"tune  12-point sweep of b (Sweep tab click → chart drawn): {ms(took)}")
        page.screenshot(path=str(ROOT / "tests/artifacts/bench_tune_sweep.png"))


def main(argv=None) -> int:
    global LAUNCHER
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=ROOT / "data/study/tiktoks.db")
    ap.add_argument("--results", type=Path, default=None,
                    help="results.db (default: next to --db)")
    ap.add_argument("--query", default="dnd players stairs door")
    ap.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    ap.add_argument("--screenshot", type=Path, default=None,
                    help="save a screenshot of the Search page here (e.g. docs/screenshot.png)")
    ap.add_argument("--tune", action="store_true", help="measure the Tune page in headless Chromium")
    ap.add_argument("--tune-dense", action="store_true",
                    help="with --tune: on a hybrid of 4-gram BM25 and MiniLM (embeddings cached first)")
    ap.add_argument("--tuned-first", action="store_true",
                    help="time the Tuned hybrid preset's first search (and the next queries)")
    ap.add_argument("--changes", type=int, default=24, help="slider changes timed on the Tune page")
    ap.add_argument("--launcher", choices=("serve.py", "app.py"), default=LAUNCHER,
                    help="what `streamlit run` starts: serve.py warms the first search at start")
    ap.add_argument("--no-core", action="store_true", help="skip the core measurements")
    ap.add_argument("--no-app", action="store_true", help="skip the AppTest measurements")
    a = ap.parse_args(argv)
    LAUNCHER = a.launcher
    results = a.results or a.db.parent / "results.db"
    if not a.db.exists():
        print(f"no corpus at {a.db}: run `make study` (or pass --db)", file=sys.stderr)
        return 2
    if not a.no_core:
        bench_core(a.db, a.query)
    if not a.no_app:
        bench_app(a.db, results, a.query)
    if a.browser or a.screenshot:
        bench_browser(a.db, results, a.query, a.screenshot, measure=a.browser)
    if a.tuned_first:
        bench_tuned_first(a.db, results, a.query)
    if a.tune:
        bench_tune(a.db, results, a.changes, a.tune_dense)
    return 0


if __name__ == "__main__":
    sys.exit(main())
