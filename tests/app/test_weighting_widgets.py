"""ui/weighting_widgets: each scoring scheme's widgets, their ranges from the declared parameters,
the widget values a weighting shows as and back, and the sidebar drawing them (BM25F field
weights and per-field b, the query likelihood's mu) ranking as the Engine does."""
from __future__ import annotations

import pytest

from core.fusion import REGISTRY as FUSION
from core.scheme import Spec
from core.scoring import REGISTRY, scheme_of
from tests.app.conftest import no_exception
from tests.app.test_controls import engine_ranking, ranking, shown
from ui.weighting_widgets import B, K_FIELD_B, K_FIELD_W, RANGES, WIDGETS, Range, widgets_of

ALL = frozenset({"sr", "ocr", "c"})


def test_a_range_holds_what_its_slider_can_show():
    assert B == Range.of(REGISTRY.get("bm25").param("b")) == Range(0.0, 1.0, 0.05)
    assert B.holds(0.4) and B.holds(1.0) and not B.holds(0.33) and not B.holds(1.05) and not B.holds(-0.05)
    k = Range.of(FUSION.get("rrf").param("k"))   # an integer parameter: whole steps over its span
    assert k == Range(1, 200, 1) and k.cast(60.0) == 60 and isinstance(k.cast(60.0), int)
    assert isinstance(B.cast(1), float)
    assert RANGES[K_FIELD_W["ocr"]] == Range(0.0, 3.0, 0.05) and RANGES[K_FIELD_B["c"]] == B


def test_the_schemes_with_widgets():
    assert set(WIDGETS) == {"smart", "bm25", "bm25f", "lmdir"}
    assert [WIDGETS[k].label for k in ("smart", "bm25", "bm25f", "lmdir")] == ["SMART", "BM25", "BM25F", "LM"]
    assert widgets_of(Spec("tfc")) == "smart" and widgets_of(Spec("cos")) is None


@pytest.mark.parametrize("text, enrichment", [
    ("bpx", ALL), ("tfc", frozenset()), ("bm25", ALL), ("bm25(b=0.4,k1=0.9)", ALL),
    ("bm25f(b=0.4,b_c=0.9,c=0.5,k1=0.9)", ALL), ("bm25f(music=0,ocr=2)", frozenset({"ocr"})),
    ("lmdir", ALL), ("lmdir(mu=250)", ALL),
])
def test_widget_values_show_the_weighting_and_give_it_back(text, enrichment):
    spec = Spec.parse(text)
    scheme = scheme_of(spec)
    w = WIDGETS[widgets_of(spec)]
    values = w.state(spec, enrichment)
    assert values is not None and scheme.canonical(w.spec(values, enrichment)) == scheme.canonical(spec)


@pytest.mark.parametrize("text, enrichment", [
    ("bpx(k=1)", ALL),                       # SMART letters take no parameters
    ("bm25f(sr=2)", frozenset({"ocr"})),     # a weight of a field the configuration does not index
    ("bm25f(b_c=0.9)", frozenset()),
    ("lmdir(mu=300)", ALL),                  # between two steps of the mu slider
])
def test_weightings_the_widgets_cannot_show(text, enrichment):
    spec = Spec.parse(text)
    assert WIDGETS[widgets_of(spec)].state(spec, enrichment) is None


def test_bm25f_field_weights_and_length_normalisation(app, tiny_db):
    at = app("search", tok="Words", w="BM25F", q="kreepa deadline")
    base = "word.sr+ocr+c.noattr.bm25f"
    assert shown(at) == base
    assert [u for u, _ in ranking(at)] == ["@physicsguy", "@catlover"]  # OCR beats music
    # attribution is shown off and cannot be turned on under BM25F
    assert at.toggle(key="_attr_bm25f").disabled and not at.toggle(key="_attr_bm25f").value
    assert not [t for t in at.toggle if t.key == "attr"]

    at.slider(key="w_ocr").set_value(0.0).run()  # DEADLINE is only in @physicsguy's OCR
    no_exception(at)
    assert shown(at) == "word.sr+ocr+c.noattr.bm25f(ocr=0)"
    assert ranking(at) == engine_ranking(tiny_db, shown(at), "kreepa deadline")
    # a field weighted 0 is left out: @physicsguy shared a term only there, so it no longer matches
    assert [r[0] for r in ranking(at)] == ["@catlover"]

    at.slider(key="b_c").set_value(0.9).run()
    at.slider(key="b").set_value(0.5).run()  # the per-field b left at b follow it; b_c stays
    no_exception(at)
    assert shown(at) == "word.sr+ocr+c.noattr.bm25f(b=0.5,b_c=0.9,ocr=0)"
    assert at.slider(key="b_desc").value == 0.5 and at.slider(key="b_c").value == 0.9

    at.toggle(key="ocr").set_value(False).run()  # a field left out has no sliders nor params
    assert shown(at) == "word.sr+c.noattr.bm25f(b=0.5,b_c=0.9)"
    assert not [s for s in at.slider if s.key == "w_ocr"]


def test_query_likelihood_family_and_its_mu(app, tiny_db):
    at = app("search", q="garlic pasta")
    at.segmented_control(key="w").set_value("lmdir").run()
    no_exception(at)
    assert shown(at) == "4gram.sr+ocr+c.noattr.lmdir"
    at.select_slider(key="mu").set_value(50).run()
    assert shown(at) == "4gram.sr+ocr+c.noattr.lmdir(mu=50)"
    assert ranking(at) == engine_ranking(tiny_db, shown(at), "garlic pasta")
    at.text_input(key="cfg").input("word.ocr.noattr.lmdir(mu=250)").run()   # applied to the widgets
    assert at.text_input(key="cfg").value == "" and at.select_slider(key="mu").value == 250
    assert shown(at) == "word.ocr.noattr.lmdir(mu=250)"
