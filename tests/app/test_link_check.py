"""ui.link_check: a link's values that no control could take are named above the page."""
from __future__ import annotations

from tests.app.conftest import texts

NAMED = "could not be used"


def test_unusable_values_are_named_and_usable_ones_are_not(app):
    # tf=q: no such term-frequency letter; qo: fuzzy is for words, so n-grams drop it;
    # tok=ngram: the URL names options by their labels; n=4 and idf=p are the defaults
    # (Streamlit drops those from the URL too: not named), and so is tok's label
    at = app("search", q="dnd door", tf="q", qo=["fuzzy", "split"], n="4", idf="p",
             tok="Character n-grams")
    [warning] = [w.value for w in at.warning if NAMED in w.value]
    assert "tf\\=q" in warning and "qo\\=fuzzy" in warning and "split" not in warning
    assert "tok" not in warning and "idf" not in warning and "n\\=4" not in warning
    assert at.session_state["tf"] == "b" and at.session_state["qo"] == ["split"]

    at = app("search", q="dnd door", tok="ngram", k1="abc")   # k1: no control on this view
    [warning] = [w.value for w in at.warning if NAMED in w.value]
    assert "tok\\=ngram" in warning and "k1" not in warning

    at.run()   # the values were dropped from the URL: the next run has nothing to say
    assert NAMED not in texts(at)


def test_a_valid_link_says_nothing(app):
    at = app("search", q="dnd door", tf="t", tok="Words", qo="split")
    assert at.session_state["tf"] == "t" and at.session_state["tok"] == "word"
    assert NAMED not in texts(at)


def test_a_hostile_value_is_shown_as_text(app):
    at = app("search", q="dnd", tf="[click](https://evil.example/x.png)")
    [warning] = [w.value for w in at.warning if NAMED in w.value]
    assert "\\[click\\]\\(" in warning   # escaped: renders as the literal text, not a link
