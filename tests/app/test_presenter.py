"""The Search page's presenter view (ui/presenter.py), through the running app: a large query
box and large cards without the configuration widgets or debug captions, the configuration
carried in the URL while they are hidden and given back to them afterwards."""
from __future__ import annotations

import pytest

from core.config import Config
from core.engine import Engine
from tests.app.conftest import no_exception, texts

STYLE_RULES = (".st-key-search_box input { font-size: 2rem",
               ".st-key-search_results [data-testid=\"stMarkdown\"] p { font-size: 1.45rem")


def card_ids(at, prefix: str = "") -> list[str]:
    keys = [b.key for b in at.button if b.key and b.key.startswith("open_")]
    return [k[len("open_"):] for k in keys if not k.startswith("open_b_")] if not prefix else \
        [k[len("open_b_"):] for k in keys if k.startswith("open_b_")]


def plain_ids(db, config: str, query: str, k: int = 10) -> list[str]:
    return Engine.from_db(db).search(Config.parse(config), query, k=k)["id"].tolist()


def has_widget(at, kind: str, key: str) -> bool:
    try:
        getattr(at, kind)(key=key)
        return True
    except KeyError:
        return False


def assert_presenting(at) -> None:
    """Large query box and cards; no configuration widget, score or configuration caption."""
    no_exception(at)
    assert at.text_input(key="q").value                       # the query box…
    styles = [h.value for h in at.html]
    assert all(any(rule in s for s in styles) for rule in STYLE_RULES)   # …made large
    assert card_ids(at)
    for kind, key in (("segmented_control", "tok"), ("toggle", "sr"), ("segmented_control", "w"),
                      ("text_input", "cfg"), ("button", "_config_reset")):
        assert not has_widget(at, kind, key), key
    assert "Retrieval configuration" not in texts(at)
    assert not any("score `" in m.value for m in at.markdown)
    assert not any(c.value.startswith("Top ") for c in at.caption)
    assert "Indexed text of this video" not in [e.label for e in at.expander]


def test_presenter_view_hides_the_research_controls_and_keeps_the_configuration(app, tiny_db):
    at = app("search", q="stairs door")
    at.segmented_control(key="w").set_value("bm25").run()
    config = "4gram.sr+ocr+c.noattr.bm25"
    assert "Retrieval configuration" in texts(at) and any("score `" in m.value for m in at.markdown)
    at.toggle(key="present").set_value(True).run()
    assert_presenting(at)
    assert at.query_params["pcfg"] in (config, [config])      # carried in the URL
    assert card_ids(at) == plain_ids(tiny_db, config, "stairs door")
    assert at.subheader[-1].value == "Watching #1"           # the top result's video
    # a new query, still presenting
    at.text_input(key="q").input("corgi beach").run()
    assert_presenting(at)
    assert card_ids(at) == plain_ids(tiny_db, config, "corgi beach")

    # off: the widgets come back showing the same configuration, the URL parameter goes
    at.toggle(key="present").set_value(False).run()
    no_exception(at)
    assert at.segmented_control(key="w").value == "bm25"
    assert f"`{config}`" in texts(at) and "pcfg" not in at.query_params
    assert not at.html


def test_a_presenter_link_opens_presenting_and_hands_a_pasted_configuration_back(app, tiny_db):
    config = "word+4gram+5gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf"   # the widgets cannot show it
    at = app("search", q="garlic pasta", present="true", pcfg=config)
    assert_presenting(at)
    assert card_ids(at) == plain_ids(tiny_db, config, "garlic pasta")
    at.toggle(key="present").set_value(False).run()
    no_exception(at)
    assert at.text_input(key="cfg").value == config           # in the paste box, which rules
    assert card_ids(at) == plain_ids(tiny_db, config, "garlic pasta")


def test_a_bad_presented_configuration_is_plain_text_and_falls_back(app, tiny_db):
    at = app("search", q="garlic pasta", present="true", pcfg="[x](http://127.0.0.1:9/) nonsense")
    no_exception(at)
    assert "cannot be read" in at.error[0].value and "127.0.0.1" not in at.error[0].value
    assert any("bad configuration '[x](http://127.0.0.1:9/) nonsense'" in c.value for c in at.code)
    assert card_ids(at) == plain_ids(tiny_db, "4gram.sr+ocr+c.noattr.bpx", "garlic pasta")


@pytest.mark.parametrize("query", ["dnd players stairs door"])   # a test query: target 1006
def test_presenting_an_ab_comparison(app, tiny_db, query):
    at = app("search", q=query, present="true", pcfg="word.sr+ocr+c.noattr.bm25", ab="true",
             ab_b="Study's best")
    assert_presenting(at)
    assert card_ids(at) == plain_ids(tiny_db, "word.sr+ocr+c.noattr.bm25", query)
    assert card_ids(at, "b_") == plain_ids(tiny_db, "4gram.sr+ocr+c.noattr.bpx", query)
    assert [m.label for m in at.metric] == ["Target rank", "Target rank"]
    assert {"A · Sidebar configuration", "B · Study's best"} <= {s.value for s in at.subheader}
