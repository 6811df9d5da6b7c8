"""A/B on the Search page (ui/ab.py), through the running app: each column equals a plain
Engine.search of its configuration, a test query shows where its target landed in both
columns, configuration B comes from presets, a pasted string or the URL, and a bad one is
shown as plain text."""
from __future__ import annotations

import re

import pytest

import core.dense
from core.config import Config
from core.engine import Engine
from tests.app.conftest import no_exception, texts

BEST = "4gram.sr+ocr+c.noattr.bpx"
BM25 = "4gram.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)"
TUNED = "4gram+dense.sr+ocr+c.noattr.bm25(b=0.7,k1=0.9).zsum"
HEADER = re.compile(r"^\*\*(\d+)\.\*\* .* · score `(-?[\d.]+)`")
needs_tuned = pytest.mark.skipif(not core.dense.installed("minilm"),
                                 reason="the Tuned hybrid needs all-MiniLM-L6-v2")


def columns(at) -> dict[str, list[tuple[int, str, str]]]:
    """Column A's and B's cards as (rank, id, score as shown), in the order drawn."""
    keys = [b.key for b in at.button if b.key and b.key.startswith("open_")]
    ids = {"A": [k[len("open_"):] for k in keys if not k.startswith("open_b_")],
           "B": [k[len("open_b_"):] for k in keys if k.startswith("open_b_")]}
    heads = [HEADER.match(m.value) for m in at.markdown]
    heads = [(int(h[1]), h[2]) for h in heads if h]
    assert len(heads) == len(ids["A"]) + len(ids["B"])
    split = {"A": heads[:len(ids["A"])], "B": heads[len(ids["A"]):]}
    return {c: [(rank, i, score) for (rank, score), i in zip(split[c], ids[c])] for c in ids}


def plain_search(db, config: str, query: str, k: int = 10) -> list[tuple[int, str, str]]:
    hits = Engine.from_db(db).search(Config.parse(config), query, k=k)
    return [(int(r.rank), r.id, f"{r.score:.3f}") for r in hits.itertuples()]


def target_rank(db, config: str, query: str) -> str:
    """The target's expected rank, tie-aware, as core computes it for the test query."""
    from core.store import load_queries
    queries = load_queries(db)
    ranked = Engine.from_db(db).rank_queries(Config.parse(config), queries[queries["query_text"] == query])
    return f"{ranked['target_rank'].iloc[0]:g}"


def test_each_column_is_a_plain_search_of_its_configuration(app, tiny_db):
    at = app("search", q="dnd door stairs")
    at.toggle(key="ab").set_value(True).run()
    at.segmented_control(key="ab_b").set_value("bm25").run()
    no_exception(at)
    assert {s.value for s in at.subheader} >= {"A · Study's best", "B · BM25 4-gram"}
    shown = columns(at)
    assert shown["A"] == plain_search(tiny_db, BEST, "dnd door stairs")
    assert shown["B"] == plain_search(tiny_db, BM25, "dnd door stairs")
    assert shown["A"] != shown["B"]          # the scores differ: two configurations

    # A follows the sidebar; B stays
    at.segmented_control(key="tok").set_value("word").run()
    at.select_slider(key="k").set_value(5).run()
    no_exception(at)
    shown = columns(at)
    assert shown["A"] == plain_search(tiny_db, "word.sr+ocr+c.noattr.bpx", "dnd door stairs", k=5)
    assert shown["B"] == plain_search(tiny_db, BM25, "dnd door stairs", k=5)


def test_a_test_query_shows_where_the_target_landed_in_both_columns(app, tiny_db):
    query = "dnd players stairs door"   # a test query of the tiny corpus; target 1006
    at = app("search", q=query, ab="true", ab_b="Study's best", tok="Words", w="BM25")
    no_exception(at)
    a = "word.sr+ocr+c.noattr.bm25"
    assert columns(at)["A"] == plain_search(tiny_db, a, query)
    assert columns(at)["B"] == plain_search(tiny_db, BEST, query)
    ranks = [(m.label, m.value) for m in at.metric]
    assert ranks == [("Target rank", target_rank(tiny_db, a, query)),
                     ("Target rank", target_rank(tiny_db, BEST, query))]
    assert sum("target]" in m.value for m in at.markdown) == 2   # the target's card, badged in each
    # not a test query: no rank
    at.text_input(key="q").input("dnd door").run()
    assert not at.metric


def test_the_target_rank_shows_without_ab_too(app, tiny_db):
    at = app("search", q="  corgi running on beach ")
    assert [(m.label, m.value) for m in at.metric] == [
        ("Target rank", target_rank(tiny_db, BEST, "corgi running on beach"))]


def test_a_pasted_configuration_b_and_the_watch_panel(app, tiny_db):
    at = app("search", q="stairs door", ab="true")
    at.segmented_control(key="ab_b").set_value("custom").run()
    assert "Paste a configuration string for B" in texts(at)
    at.text_input(key="ab_cfg").input("word.c.noattr.bm25").run()
    no_exception(at)
    b = plain_search(tiny_db, "word.c.noattr.bm25", "stairs door")   # comments alone
    assert columns(at)["B"] == b and len(b) == 2
    assert "B · Pasted configuration" in [s.value for s in at.subheader]
    # watching a card of column B names its place in both columns
    at.button(key=f"open_b_{b[1][1]}").click().run()
    no_exception(at)
    a = [i for _, i, _ in columns(at)["A"]]
    place_a = f"#{a.index(b[1][1]) + 1}" if b[1][1] in a else "—"
    assert f"Watching · A {place_a} · B #2" in texts(at)


@pytest.mark.parametrize("pasted, expect", [
    ("4gram.all.bm25(k1=0.9,bogus=1)", "unknown bm25 parameter(s) ['bogus']; known: k1, b"),
    ("nonsense", "bad configuration 'nonsense'"),
    ("![x](http://127.0.0.1:9/x.png) **bold** :red[red]", "bad configuration '![x](http://127.0.0.1:9/x.png)"),
])
def test_a_bad_configuration_b_is_a_plain_text_error(app, pasted, expect):
    at = app("search", q="garlic pasta", ab="true", ab_b="Configuration string", ab_cfg=pasted)
    no_exception(at)
    assert "Configuration B cannot be read" in [e.value for e in at.error][0]
    assert any(expect in c.value for c in at.code)            # the message, as plain text
    rendered = [m.value for m in (*at.markdown, *at.error, *at.caption, *at.info, *at.warning)]
    assert not any(expect in r or "x.png" in r for r in rendered)   # never as Markdown
    assert columns(at)["A"] and not columns(at)["B"]          # A still answers


@needs_tuned
def test_b_defaults_to_the_tuned_hybrid(app, tiny_db):
    at = app("search", q="kitty shoves a cup", ab="true")
    no_exception(at)
    assert at.segmented_control(key="ab_b").value == "tuned"
    assert "B · Tuned hybrid" in [s.value for s in at.subheader]
    assert columns(at)["B"] == plain_search(tiny_db, TUNED, "kitty shoves a cup")
