"""End to end: the Tune page in `streamlit run app.py`, driven by headless Chromium.

On the tiny corpus with its harder queries (the six easy ones are ranked first by every
configuration, so no control would move a metric): the headline MRR shown equals a direct
core evaluation; the sidebar's Weighting (SMART → BM25) and the k1 slider, moved with the
keyboard, change it to what core gives for the new configuration; a movers row's "Open"
link lands on Query lab with that query selected (?query=ID); clicking a point of the rank
scatter (an Altair point selection; hovering a point shows Vega's tooltip naming its query)
offers the same link. Screenshots go to tests/artifacts/ (git-ignored).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from core.config import STUDY_BEST, Config
from core.engine import Engine
from core.evaluation import per_query, summarise
from core.grid import run_grid, study_index_configs
from core.store import load_queries, write_results
from core.tuning import compare
from tests.e2e.conftest import ARTIFACTS, streamlit_app
from tests.e2e.test_browser import new_page

pytestmark = pytest.mark.slow


@pytest.fixture
def server(hard_db, tmp_path):
    engine, queries = Engine.from_db(hard_db), load_queries(hard_db)
    results = tmp_path / "results.db"
    r = run_grid(engine.source, queries, study_index_configs(("4gram",)), ["bpx"])
    write_results(results, r.indexes, r.experiments, queries, r.rankings,
                  {"mode": engine.mode, "documents": engine.n_docs})
    env = {"TRL_DB": str(hard_db), "TRL_RESULTS": str(results), "TRL_OFFLINE": "1"}
    with streamlit_app(tmp_path, env=env) as url:
        yield url


def core_per_query(db, config: Config):
    return per_query(Engine.from_db(db), config, load_queries(db))


def mrr_card(page):
    return page.get_by_test_id("stMetric").filter(has_text=re.compile(r"^MRR")).get_by_test_id("stMetricValue")


def wait_for_headline(page, config: Config, mrr: float) -> None:
    """The caption names ``config`` and the MRR card shows ``mrr`` as the page formats it."""
    expect = pytest.importorskip("playwright.sync_api").expect
    page.get_by_test_id("stCaptionContainer").filter(has_text=f"{config} against").first.wait_for()
    expect(mrr_card(page)).to_have_text(f"{mrr:.3f}")


def test_controls_change_the_headline_and_movers_open_query_lab(server, chromium, hard_db):
    page, errors = new_page(chromium, 60_000)
    sidebar = page.get_by_test_id("stSidebar")

    # the default configuration (the study's best) against the default baseline (the same)
    page.goto(server + "/tune")
    before = summarise(core_per_query(hard_db, STUDY_BEST))["mrr"]
    wait_for_headline(page, STUDY_BEST, before)
    assert float(mrr_card(page).inner_text()) == pytest.approx(before, abs=5e-4)

    # Weighting SMART → BM25 (k1=1.2, b=0.75): ranks change on these queries
    bm25 = STUDY_BEST.with_weighting("bm25(k1=1.2,b=0.75)")
    bm25_pq = core_per_query(hard_db, bm25)
    after = summarise(bm25_pq)["mrr"]
    assert f"{after:.3f}" != f"{before:.3f}"     # the check below sees a change on screen
    sidebar.get_by_text("BM25", exact=True).click()
    wait_for_headline(page, bm25, after)
    assert "w=BM25" in page.url
    page.screenshot(path=ARTIFACTS / "tune.png")

    # the k1 slider from the keyboard: End moves the thumb to its maximum
    thumb = sidebar.get_by_test_id("stSlider").filter(has_text="k1").get_by_role("slider")
    thumb.focus()
    thumb.press("End")
    k1 = float(thumb.input_value())
    assert k1 > 1.2
    top = STUDY_BEST.with_weighting(f"bm25(k1={k1:g},b=0.75)")
    wait_for_headline(page, top, summarise(core_per_query(hard_db, top))["mrr"])
    thumb.press("ArrowLeft")                      # one step down, still not the default
    k1_left = float(thumb.input_value())
    assert 1.2 < k1_left < k1
    left = STUDY_BEST.with_weighting(f"bm25(k1={k1_left:g},b=0.75)")
    wait_for_headline(page, left, summarise(core_per_query(hard_db, left))["mrr"])
    thumb.press("Home")
    low = STUDY_BEST.with_weighting(f"bm25(k1={float(thumb.input_value()):g},b=0.75)")
    wait_for_headline(page, low, summarise(core_per_query(hard_db, low))["mrr"])

    # back to BM25's defaults via the URL, then the movers: the first gainer's Open link
    page.goto(server + "/tune?w=BM25")
    wait_for_headline(page, bm25, after)
    cmp = compare(bm25_pq, core_per_query(hard_db, STUDY_BEST), load_queries(hard_db))
    up, _ = cmp.movers(10)
    assert len(up), "BM25 gains on some query against the study's best on these queries"
    gainer = int(up["query_id"].iloc[0])
    page.get_by_role("tab", name="Movers").click()
    page.get_by_role("heading", name="Gained most").wait_for()
    grid = page.locator('[role="tabpanel"]:visible [data-testid="stDataFrame"]').first
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "tune_movers.png")
    box = grid.bounding_box()
    # the first body row's first column ("Query lab" → Open); rows and the header are 35 px
    x, y = box["x"] + 30, box["y"] + 35 + 17
    page.mouse.move(x, y)                  # the grid (a canvas) opens a link it hovers
    page.wait_for_timeout(300)
    with page.context.expect_page() as opened:   # a link cell opens a new tab
        page.mouse.click(x, y)
    lab = opened.value
    lab.set_default_timeout(60_000)
    lab.wait_for_url(re.compile(r"/query_lab\?"))
    qs = parse_qs(urlsplit(lab.url).query)
    assert qs["query"] == [str(gainer)] and qs["w"] == ["BM25"]
    lab.get_by_text("Why this rank").wait_for()
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(lab.get_by_role("combobox", name="Test query")).to_have_value(re.compile(rf"^#{gainer} · "))
    lab.screenshot(path=ARTIFACTS / "tune_query_lab.png")
    assert not errors, errors


FIND_POINT = """() => {
    const t = document.querySelector('#vg-tooltip-element');
    if (!t || !t.classList.contains('visible')) return null;
    const m = t.innerText.match(/query\\s+(\\d+)/);
    return m ? m[1] : null;
}"""


def test_scatter_point_click_opens_query_lab(server, chromium):
    """The rank scatter's point selection: hover over a point until Vega's tooltip names its
    query, click there, and land in Query lab on that query with the same
    configuration; going back to Tune does not bounce to Query lab again."""
    expect = pytest.importorskip("playwright.sync_api").expect
    page, errors = new_page(chromium, 60_000)
    page.goto(server + "/tune?w=BM25")
    chart = page.locator(".st-key-t_scatter")
    chart.locator("canvas.marks, svg.marks").first.wait_for()
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    # Vega draws the chart as SVG: each point is an element to hover (scanning the chart
    # pixel by pixel for a tooltip took 55 s); the hover and the click are real input
    box = chart.locator('[aria-roledescription="circle"]').first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    found = page.wait_for_function(FIND_POINT).json_value()
    page.screenshot(path=ARTIFACTS / "tune_scatter.png")
    page.mouse.click(x, y)
    # the configuration's bound parameters join the URL when Query lab's widgets are drawn
    page.wait_for_url(re.compile(rf"/query_lab\?(?=.*query={found}\b)(?=.*w=BM25)"))
    expect(page.get_by_role("combobox", name="Test query")).to_have_value(re.compile(rf"^#{found} · "))
    page.get_by_role("link", name="Tune").first.click()     # the sidebar's navigation
    page.wait_for_url(re.compile(r"/tune"))
    page.locator(".st-key-t_scatter canvas.marks, .st-key-t_scatter svg.marks").first.wait_for()
    page.wait_for_timeout(1000)
    assert "/tune" in page.url, page.url
    assert not errors, errors
