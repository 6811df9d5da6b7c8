"""The Search page: controls change results, bad queries get words, corpus text is escaped."""
from __future__ import annotations

import pytest

from tests.app.conftest import no_exception, texts


def cards(at) -> list[str]:
    """Card headers ("**1.** **@user · nick** · score `…`") in rank order."""
    return [m.value for m in at.markdown if m.value.startswith("**") and "score `" in m.value]


def test_search_finds_the_target_and_highlights(app):
    at = app("search")
    assert "Search 10 TikToks" in texts(at)  # empty state explains what to do
    at.text_input(key="q").input("garlic pasta").run()
    no_exception(at)
    assert cards(at) and "@chefmaria" in cards(at)[0]
    assert ":orange-background[" in texts(at)  # matching words highlighted
    assert "4gram.sr+ocr+c.noattr.bpx" in texts(at)  # the study's best is the default
    # the unusable document (no transcript) is never shown
    assert "@ghost" not in texts(at)


def test_tied_scores_are_badged(app):
    """Two videos with the same score looked like a ranking (the first could be the wrong one)."""
    at = app("search", q="stairs")          # two hits, both scored 6.0 by the study's best
    shown = cards(at)
    assert len(shown) == 2 and all("tied]" in c for c in shown), shown
    at = app("search", q="garlic pasta")    # one hit: nothing to tie with
    assert cards(at) and not [c for c in cards(at) if "tied]" in c]


def test_controls_change_the_ranking(app):
    at = app("search")
    at.text_input(key="q").input("stairs").run()
    with_speech = cards(at)
    at.toggle(key="sr").set_value(False).run()
    at.toggle(key="c").set_value(False).run()
    no_exception(at)
    assert cards(at) != with_speech  # "stairs" is in speech and comments of other videos
    assert "4gram.ocr.noattr.bpx" in texts(at)
    at.segmented_control(key="tok").set_value("word").run()
    assert "word.ocr.noattr.bpx" in texts(at)
    at.segmented_control(key="w").set_value("bm25").run()
    at.slider(key="k1").set_value(2.0).run()
    no_exception(at)
    assert "word.ocr.noattr.bm25(k1=2)" in texts(at)


def test_ngram_slider_and_smart_letters(app):
    at = app("search")
    at.text_input(key="q").input("corgi zoomies").run()
    at.slider(key="n").set_value(6).run()
    at.radio(key="norm").set_value("c").run()
    at.radio(key="tf").set_value("t").run()
    no_exception(at)
    assert "6gram.sr+ocr+c.noattr.tpc" in texts(at)
    assert "@dogdad" in cards(at)[0]


@pytest.mark.parametrize("query, expect", [
    ("   ", "Search 10 TikToks"),
    ("x" * 10_000, "characters long"),
    ("!!! ???", "Nothing searchable"),
    ("zzzzqqqq", "No video shares a term"),
])
def test_bad_queries_get_a_friendly_message(app, query, expect):
    at = app("search")
    at.text_input(key="q").input(query).run()
    no_exception(at)
    assert expect in texts(at)


def test_emoji_only_query_is_answered_without_error(app):
    at = app("search")
    at.text_input(key="q").input("🐶🐶").run()
    no_exception(at)  # emoji become their names (:dog:), so this may match or say why not
    assert cards(at) or "No video shares a term" in texts(at) or "Nothing searchable" in texts(at)


def test_watch_opens_the_video_panel_offline(app):
    at = app("search")
    at.text_input(key="q").input("corgi beach").run()
    at.button(key="open_1009").click().run()
    no_exception(at)
    assert at.query_params.get("video") in ("1009", ["1009"])
    assert "No downloaded video or cover photo" in texts(at)  # offline text card
    assert "1009" in texts(at)


def test_example_query_pill_fills_the_search_box(app):
    at = app("search")
    at.pills(key="_example").set_value("garlic pasta quick recipe").run()
    no_exception(at)
    assert at.text_input(key="q").value == "garlic pasta quick recipe"
    assert "@chefmaria" in cards(at)[0]


def test_configuration_from_the_url_and_paste_box(app):
    at = app("search", q="door", tok="Words", w="BM25", k1="0.9")
    assert "word.sr+ocr+c.noattr.bm25(k1=0.9)" in texts(at)
    at.text_input(key="cfg").input("5gram.c.attr.bfx").run()
    no_exception(at)
    assert at.segmented_control(key="tok").value == "ngram" and at.slider(key="n").value == 5
    assert at.text_input(key="cfg").value == ""  # shown by the controls: the box is cleared
    assert "5gram.c.attr.bfx" in texts(at)
    at.text_input(key="cfg").input("nonsense").run()
    assert "bad configuration" in texts(at)
    at.button(key="_config_reset").click().run()
    assert "4gram.sr+ocr+c.noattr.bpx" in texts(at)


def test_a_configuration_the_controls_cannot_show_comes_from_the_url(app):
    at = app("search", q="door", cfg="word+4gram.all.bm25(k1=0.9,b=0.4).rrf(k=60)")
    assert "controls cannot show it" in texts(at)
    assert "word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf" in texts(at)
    at = app("search", q="door", cfg="4gram.all.bm25(k1=0.9,bogus=1)")
    assert "unknown bm25 parameter(s) ['bogus']; known: k1, b" in texts(at)
    at.switch_page("pages/query_lab.py").run()
    no_exception(at)
    assert "unknown bm25 parameter(s) ['bogus']" in texts(at)


def test_missing_databases_explain_make_demo(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TRL_DB", str(tmp_path / "none" / "tiktoks.db"))
    at = app("search")
    assert "make demo" in texts(at) and "make study" in texts(at)


def test_hostile_corpus_text_is_escaped_in_cards(app, tmp_path, monkeypatch):
    from core.store import write_corpus

    evil = "<img src=x onerror=alert(1)> [win](javascript:alert(1)) **pasta** $x$"
    db = tmp_path / "evil.db"
    write_corpus(db, [{"id": "42", "creator_username": "@<b>x</b>", "description": evil,
                       "music_title": ":red[music]", "speech_to_text": "pasta", "usable": 1}], [],
                 meta={"normalisation": "default"})
    monkeypatch.setenv("TRL_DB", str(db))
    at = app("search", q="pasta")
    shown = texts(at)
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\>" in shown
    assert "\\[win\\]\\(javascript\\:alert\\(1\\)\\)" in shown
    assert "\\<b\\>" in shown and "\\:red\\[music\\]" in shown
    assert "<img" not in shown.replace("\\<img", "")


@pytest.mark.parametrize("page", ["search", "query_lab"])
def test_a_hostile_configuration_in_the_url_is_shown_as_text(app, page):
    """Issue 11, defect 2: an error repeating the input rendered its Markdown (an image the
    browser fetched, a working phishing link)."""
    hostile = "![x](http://127.0.0.1:9/p.png) [Session expired - log in again](http://127.0.0.1:9/phish)"
    at = app(page, q="door", cfg=hostile)
    no_exception(at)
    rendered = [e.value for kind in ("error", "warning", "info", "markdown", "caption") for e in getattr(at, kind)]
    assert at.error and not [r for r in rendered if "](http://127.0.0.1:9" in r], rendered


def test_a_hostile_baseline_on_tune_is_shown_as_text(app):
    """The Tune page's baseline from the URL rendered its Markdown in the error box."""
    from ui.tune import CUSTOM, K_BASE, K_BASE_CFG

    hostile = "**bold** [link](http://127.0.0.1:9/x) ![img](http://127.0.0.1:9/t.png)"
    at = app("tune", **{K_BASE: CUSTOM, K_BASE_CFG: hostile})
    rendered = [e.value for kind in ("error", "warning", "info", "markdown", "caption") for e in getattr(at, kind)]
    assert at.error and not [r for r in rendered if "](http://127.0.0.1:9" in r], rendered
    assert [c for c in at.code if "[link](http://127.0.0.1:9/x)" in c.value]   # quoted as code
