"""ui.shared_config: app.py draws the configuration for the pages that follow it.

AppTest keeps a page's widgets across a page switch where a browser does not, so what the
change fixed (the configuration lost on a page switch) is proved in Chromium
(tests/e2e/test_browser.py); these check the drawing rules and that every page runs with it.
"""
from __future__ import annotations

from tests.app.conftest import no_exception, texts


def test_every_page_runs_with_the_shared_configuration(app):
    at = app("search", q="dnd door", tok="Words", tf="t")
    assert "word.sr+ocr+c.noattr.tpx" in texts(at)
    for page in ("tune", "experiments", "query_lab", "index_stats", "viewer", "search"):
        at.switch_page(f"pages/{page}.py").run()
        no_exception(at)
        assert at.session_state["tok"] == "word" and at.session_state["tf"] == "t", page
    at.switch_page("pages/tune.py").run()
    assert "word.sr+ocr+c.noattr.tpx" in texts(at)   # Tune scores what Search searched with


def test_a_page_without_it_draws_no_configuration(app):
    at = app("experiments", tok="Words")
    assert "tok" not in [w.key for w in at.sidebar.segmented_control]
    assert not [s for s in at.sidebar.subheader if s.value == "Retrieval configuration"]


def test_presenting_leaves_the_controls_out_and_switching_back_restores_them(app):
    at = app("search", q="dnd door", tok="Words", present="true")
    assert not [s for s in at.sidebar.subheader if s.value == "Retrieval configuration"]
    at.toggle(key="present").set_value(False).run()
    no_exception(at)
    assert [s for s in at.sidebar.subheader if s.value == "Retrieval configuration"]
    assert at.session_state["tok"] == "word"

