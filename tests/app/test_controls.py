"""The configuration sidebar (ui/controls): every method (query options, fusion, dense) from widgets,
URL parameters and the paste box, and the Search page answering as the Engine does (each
scheme's own widgets: test_weighting_widgets.py)."""
from __future__ import annotations

import re

import pytest

import core.dense
from core.config import Config
from core.engine import Engine
from tests.app.conftest import no_exception, texts
from tests.app.test_search_page import cards
from ui.controls import _build, _expressible, _state_of, dense_models

BEST = ("4gram+dense~c~only+dense~ocr~sr.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5)"
        ".zsum(dense~c~only=0.25,dense~ocr~sr=0.75)")


def shown(at) -> str:
    """The configuration string the sidebar shows."""
    return at.code[-1].value


def ranking(at) -> list[tuple[str, str]]:
    """(username, score) of the result cards, best first."""
    return [re.search(r"\*\*(@\S+) · .*score `([^`]+)`", c).groups() for c in cards(at)]


def engine_ranking(db, config: str, query: str) -> list[tuple[str, str]]:
    engine = Engine.from_db(db)
    hits = engine.search(Config.parse(config), query)
    users = engine.corpus.docs["creator_username"]
    return [(users.iloc[int(d)], f"{s:.3f}") for d, s in zip(hits["doc"], hits["score"])]


@pytest.mark.parametrize("text, shows", [
    ("4gram.sr+ocr+c.noattr.bpx", None),
    ("word~fuzzy~split.basic.attr.tfc", None),
    ("4gram~rm3~split.ocr.noattr.bm25(b=0.4,k1=0.9)", None),
    ("word.sr+ocr+c.noattr.bm25f(b=0.4,b_c=0.9,c=0.5,k1=0.9)",
     "word.sr+ocr+c.noattr.bm25f(b=0.4,b_c=0.9,c=0.5,k1=0.9)"),
    ("word.ocr.noattr.bm25f(music=0)", "word.ocr.noattr.bm25f(music=0)"),
    ("word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf", "word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).rrf"),
    ("word+word~fuzzy.sr+ocr+c.noattr.bpx.msum(word=0.5,word~fuzzy=0.5)",  # the base-name weight covers both
     "word+word~fuzzy.sr+ocr+c.noattr.bpx.msum(word=0.5,word~fuzzy=0.5)"),
    ("word+word~fuzzy.sr+ocr+c.noattr.bpx.msum(word=0.5,word~fuzzy=1)",  # …unless it is written
     "word+word~fuzzy.sr+ocr+c.noattr.bpx.msum(word=0.5,word~fuzzy=1)"),
    (BEST, None),
    ("dense~ocr~sr+word.sr+ocr+c.noattr.bpx.ztop(k=20)", "word+dense~ocr~sr.sr+ocr+c.noattr.bpx.ztop(k=20)"),
    ("4gram+dense.sr+ocr+c.noattr.bpx.zsum(dense=0.5)", "4gram+dense.sr+ocr+c.noattr.bpx.zsum(dense=0.5)"),
])
def test_widget_state_round_trips(text, shows):
    config = Config.parse(text)
    assert _expressible(config)
    assert str(_build(_state_of(config))) == (shows or text)


@pytest.mark.parametrize("text", [
    "dense.sr+ocr+c.noattr.cos",                              # dense alone
    "4gram~fuzzy.sr+ocr+c.noattr.bpx",                        # fuzzy changes nothing for n-grams
    "9gram.sr+ocr+c.noattr.bpx",                              # beyond the n slider
    "word.sr+ocr+c.noattr.bm25(b=0.33,k1=0.9)",               # between two steps of the b slider
    "word.basic.noattr.bm25f(sr=2)",                     # a field the config does not index
    "word+3gram+4gram.sr+ocr+c.noattr.bpx.rrf",         # three lexical components
    "4gram+dense~c.sr+ocr+c.noattr.bpx.zsum",                 # a passage the widgets do not offer
    "4gram+dense~ocr~sr~w32.sr+ocr+c.noattr.bpx.zsum",        # a window the select does not offer
    "4gram+dense~ocr~sr+dense~ocr~sr~w64.sr+ocr+c.noattr.bpx.zsum",   # one window per passage…
    "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr.sr+ocr+c.noattr.bpx.zsum",   # …whatever the models
])
def test_configurations_the_widgets_cannot_show(text):
    assert not _expressible(Config.parse(text))


needs_mpnet = pytest.mark.skipif(not core.dense.installed("mpnet"), reason="all-mpnet-base-v2 is not installed")
needs_minilm = pytest.mark.skipif(not core.dense.installed("minilm"),
                                  reason="all-MiniLM-L6-v2 is not installed")


@needs_mpnet
@pytest.mark.parametrize("text", [
    "4gram+dense+dense~mpnet.sr+ocr+c.noattr.bpx.zsum",
    "4gram+dense~mpnet~ocr~sr+dense~ocr~sr.sr+ocr+c.noattr.bpx.zsum(dense~mpnet~ocr~sr=0.5,dense~ocr~sr=0.75)",
    "4gram+dense~mpnet~ocr~sr~w128+dense~ocr~sr~w128.sr+ocr+c.noattr.bpx.rrf(dense~mpnet~ocr~sr~w128=2)",
    "4gram+dense~c~only+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bpx"
    ".zsum(dense~c~only=0.25,dense~mpnet~ocr~sr~w64=0.5,dense~ocr~sr~w64=0.75)",
    "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5).zsum(dense=0.5)",
])
def test_two_models_on_one_passage_round_trip(text):
    config = Config.parse(text)
    assert _expressible(config)
    assert str(_build(_state_of(config))) == text


@needs_mpnet
def test_one_weight_per_model_of_a_passage():
    state = _state_of(Config.parse("4gram+dense~mpnet~ocr~sr+dense~ocr~sr.sr+ocr+c.noattr.bpx"
                                   ".zsum(dense~mpnet~ocr~sr=0.5,dense~ocr~sr=0.75)"))
    assert state["dm_ocr_sr"] == ["minilm", "mpnet"]
    assert state["cw_ocr_sr"] == 0.75 and state["cw_ocr_sr_mpnet"] == 0.5   # MiniLM keeps cw_<passage>


def test_mpnet_passage_round_trips_when_installed():
    if "mpnet" not in dense_models():
        pytest.skip("all-mpnet-base-v2 is not installed")
    text = "4gram+dense~c~mpnet~only+dense~ocr~sr.sr+ocr+c.noattr.bpx.rrf(dense~ocr~sr=2)"
    assert str(_build(_state_of(Config.parse(text)))) == text


@pytest.mark.parametrize("text", [
    "4gram+dense~ocr~sr~w64.sr+ocr+c.noattr.bpx.zsum",
    "4gram+dense~w128.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).zsum(dense=0.5)",
    "word+dense~basic~w64+dense~c~only~w128.ocr.noattr.bpx.rrf(dense~basic~w64=2)",
    "4gram+dense~c~mpnet~only~w64.sr+ocr+c.noattr.bpx.zsum",
    "4gram+dense~c~mpnet~only~w64+dense~mpnet~ocr~sr+dense~w128.sr+ocr+c.noattr.bpx"
    ".zsum(dense~c~mpnet~only~w64=0.25)",
])
def test_dense_windows_round_trip(text):
    if "mpnet" in text and "mpnet" not in dense_models():
        pytest.skip("all-mpnet-base-v2 is not installed")
    config = Config.parse(text)
    assert _expressible(config)
    assert str(_build(_state_of(config))) == text


def test_window_select_shows_and_sets_maxp(app, tiny_db):
    windowed = "4gram+dense~ocr~sr~w64.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5).zsum(dense=0.75)"
    at = app("search")
    at.text_input(key="cfg").input(windowed).run()   # applied to the widgets
    no_exception(at)
    assert at.text_input(key="cfg").value == "" and at.pills(key="dense").value == ["ocr~sr"]
    window = at.selectbox(key="dw_ocr_sr")
    assert window.value == 64 and window.format_func(window.value) == "64-word windows"
    assert window.options == ["Whole passage", "128-word windows", "64-word windows"]
    assert shown(at) == windowed

    at.selectbox(key="dw_ocr_sr").select(128).run()
    no_exception(at)
    assert shown(at) == windowed.replace("~w64", "~w128")
    at.text_input(key="q").input("garlic pasta").run()
    no_exception(at)
    assert ranking(at) == engine_ranking(tiny_db, shown(at), "garlic pasta")
    at.selectbox(key="dw_ocr_sr").select(0).run()   # the whole passage: no window option
    assert shown(at) == windowed.replace("~w64", "")


def test_url_parameters_restore_a_window(app):
    at = app("search", dense=["Basic + OCR + speech"], dw_ocr_sr="64-word windows", fu="zsum")
    assert at.selectbox(key="dw_ocr_sr").value == 64
    assert "dense~ocr~sr~w64" in shown(at)
    assert shown(at) == "4gram+dense~ocr~sr~w64.sr+ocr+c.noattr.bpx.zsum"


def test_query_options_follow_the_tokeniser(app):
    at = app("search", tok="Words", q="garlik")
    assert "No video shares a term" in texts(at)
    assert at.pills(key="qo").options == ["fuzzy", "rm3", "split"]
    at.pills(key="qo").set_value(["split", "fuzzy"]).run()
    no_exception(at)
    assert shown(at) == "word~fuzzy~split.sr+ocr+c.noattr.bpx"
    assert ranking(at)[0][0] == "@chefmaria"  # garlik → garlic
    at.segmented_control(key="tok").set_value("ngram").run()
    no_exception(at)
    assert at.pills(key="qo").options == ["rm3", "split"]  # fuzzy is for words only
    assert shown(at) == "4gram~split.sr+ocr+c.noattr.bpx"


def test_fusing_words_with_4grams_ranks_as_the_engine(app, tiny_db):
    at = app("search", q="the cat on the stairs")
    expander = next(e for e in at.sidebar.expander if e.label.startswith("Fusion"))
    assert "Add a component" in texts(expander)
    at.segmented_control(key="tok2").set_value("ngram").run()
    at.slider(key="n2").set_value(4).run()
    assert "Same as the main component" in texts(at)
    assert shown(at) == "4gram.sr+ocr+c.noattr.bpx"
    at.segmented_control(key="tok2").set_value("word").run()
    at.pills(key="fu").set_value("rrf").run()
    at.slider(key="cw2").set_value(2.0).run()
    no_exception(at)
    fused = "4gram+word.sr+ocr+c.noattr.bpx.rrf(word=2)"
    assert shown(at) == fused
    assert ranking(at) == engine_ranking(tiny_db, fused, "the cat on the stairs")
    assert len(ranking(at)) > 2
    at.slider(key="rk").set_value(5).run()
    at.pills(key="fu").set_value("zsum").run()
    assert shown(at) == "4gram+word.sr+ocr+c.noattr.bpx.zsum(word=2)"


def test_dense_passages_build_the_best_known_configuration(app, tiny_db):
    at = app("search", w="BM25", k1="0.5", b="0.7")
    at.pills(key="dense").set_value(["ocr~sr", "c~only"]).run()
    at.slider(key="cw_c_only").set_value(0.25).run()
    at.slider(key="cw_ocr_sr").set_value(0.75).run()
    no_exception(at)
    assert shown(at) == BEST
    at.text_input(key="q").input("garlic pasta").run()
    no_exception(at)
    assert ranking(at) == engine_ranking(tiny_db, BEST, "garlic pasta")
    assert len(ranking(at)) == 10  # dense matches every document with text
    if "mpnet" in dense_models():  # a model per passage (not searched: mpnet is slow to load)
        at.text_input(key="q").set_value("").run()
        at.pills(key="dm_c_only").set_value(["mpnet"]).run()   # its own weight slider, at 1
        assert shown(at) == BEST.replace("dense~c~only=0.25,", "").replace("dense~c~only", "dense~c~mpnet~only")
        at.slider(key="cw_c_only_mpnet").set_value(0.25).run()
        assert shown(at) == BEST.replace("dense~c~only", "dense~c~mpnet~only")


@needs_mpnet
def test_both_models_on_one_passage(app):
    at = app("search")
    at.pills(key="dense").set_value(["ocr~sr"]).run()
    assert at.pills(key="dm_ocr_sr").value == ["minilm"]
    at.pills(key="dm_ocr_sr").set_value(["minilm", "mpnet"]).run()
    no_exception(at)
    assert "dense~mpnet~ocr~sr" in shown(at).split(".")[0].split("+")
    assert "dense~ocr~sr" in shown(at).split(".")[0].split("+")
    assert [s.key for s in at.slider if s.key.startswith("cw_")] == ["cw_ocr_sr_mpnet", "cw_ocr_sr"]
    at.slider(key="cw_ocr_sr_mpnet").set_value(0.5).run()
    at.selectbox(key="dw_ocr_sr").select(64).run()   # one window for both models
    no_exception(at)
    assert shown(at) == "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bpx.zsum(dense~mpnet~ocr~sr~w64=0.5)"
    at.pills(key="dm_ocr_sr").set_value([]).run()   # a passage keeps a model: the default one
    no_exception(at)
    assert at.pills(key="dm_ocr_sr").value == ["minilm"]
    assert shown(at) == "4gram+dense~ocr~sr~w64.sr+ocr+c.noattr.bpx.zsum"


def test_pasting_applies_what_the_widgets_can_show(app):
    at = app("search")
    at.text_input(key="cfg").input(BEST).run()
    no_exception(at)
    assert at.text_input(key="cfg").value == ""  # applied, so the box is cleared
    assert sorted(at.pills(key="dense").value) == ["c~only", "ocr~sr"]
    assert at.slider(key="cw_c_only").value == 0.25 and at.pills(key="fu").value == "zsum"
    assert at.segmented_control(key="w").value == "bm25" and at.slider(key="k1").value == 0.5
    assert shown(at) == BEST

    at.text_input(key="cfg").input("word+4gram~split.ocr.noattr.bm25f(b=0.4,b_ocr=0.9,creator=2).rrf").run()
    no_exception(at)
    assert at.text_input(key="cfg").value == ""
    assert at.segmented_control(key="tok").value == "word"
    assert at.pills(key="qo2").value == ["split"] and at.pills(key="dense").value == []
    assert at.slider(key="w_creator").value == 2.0 and at.slider(key="b_ocr").value == 0.9
    assert shown(at) == "word+4gram~split.ocr.noattr.bm25f(b=0.4,b_ocr=0.9,creator=2).rrf"

    at.text_input(key="cfg").input("dense.sr+ocr+c.noattr.cos").run()  # dense alone: kept in the box
    no_exception(at)
    assert at.text_input(key="cfg").value == "dense.sr+ocr+c.noattr.cos"
    assert "the controls cannot show it" in texts(at) and shown(at) == "dense.sr+ocr+c.noattr.cos"

    at.button(key="_config_reset").click().run()
    no_exception(at)
    assert shown(at) == "4gram.sr+ocr+c.noattr.bpx"
    assert at.segmented_control(key="tok2").value is None and at.pills(key="dense").value == []


def test_a_shared_link_with_an_unreadable_configuration_says_so(app):
    """`?cfg=zzz` searched with the sidebar's controls and said so only inside a closed expander."""
    at = app("search", q="pasta", cfg="zzz")
    assert at.sidebar.expander[-1].proto.expanded
    assert any("cannot be read: these results use the sidebar's controls" in w.value
               for w in at.main.warning)
    at = app("search", q="pasta", cfg="dense.sr+ocr+c.noattr.cos")   # readable: open, used
    assert at.sidebar.expander[-1].proto.expanded and shown(at) == "dense.sr+ocr+c.noattr.cos"
    assert not app("search", q="pasta").sidebar.expander[-1].proto.expanded


def test_url_parameters_restore_fusion_and_query_options(app):
    at = app("search", tok="Words", qo=["split"], tok2="Character n-grams", n2="5",
             dense=["Config's fields"], fu="ztop", zk="10", cw="0.5")
    assert shown(at) == "word~split+5gram+dense.sr+ocr+c.noattr.bpx.ztop(k=10,word=0.5)"


def test_without_dense_packages_the_controls_say_so(app, monkeypatch):
    monkeypatch.setattr(core.dense, "installed", lambda model="minilm": False)
    at = app("search")
    assert "requirements-dense.txt" in texts(at)
    assert not [p for p in at.pills if p.key == "dense"]
    at.text_input(key="cfg").input("4gram+dense.sr+ocr+c.noattr.bpx.zsum").run()
    assert at.text_input(key="cfg").value == "4gram+dense.sr+ocr+c.noattr.bpx.zsum"  # not applied


@pytest.mark.parametrize("cfg, says", [
    ("word.sr+ocr+c.noattr.bm25f(ocr=2)", "not a sum of per-term contributions"),
    ("word+4gram.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9).zsum", "single lexical component"),
    ("4gram+dense~ocr~sr.sr+ocr+c.noattr.bpx.zsum", "single lexical component"),
])
def test_query_lab_answers_every_method(app, cfg, says):
    at = app("query_lab", cfg=cfg)
    assert says in texts(at)
    assert at.metric[0].label == "Target rank" and at.metric[0].value != "not ranked"


@needs_minilm
def test_presets_switch_between_the_study_and_the_tuned_hybrid(app, tiny_db):
    from core.families import TUNED_ON_STUDY

    at = app("search", q="kitty shoves a cup")
    at.button(key="_config_tuned").click().run()
    no_exception(at)
    assert shown(at) == TUNED_ON_STUDY and at.text_input(key="cfg").value == ""   # on the widgets
    assert ranking(at) == engine_ranking(tiny_db, TUNED_ON_STUDY, "kitty shoves a cup")
    assert ranking(at)[0][0] == "@catlover"   # found through the dense passages
    assert at.slider(key="k1").value == 0.9 and at.slider(key="b").value == 0.7
    assert at.pills(key="dense").value == ["all"] and at.slider(key="cw_all").value == 1.0
    at.button(key="_config_reset").click().run()
    assert shown(at) == "4gram.sr+ocr+c.noattr.bpx"


@needs_mpnet
def test_url_parameters_restore_the_models_of_a_passage(app):
    maxp = ("4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr~w64.sr+ocr+c.noattr.bm25(b=0.7,k1=0.5)"
            ".zsum(dense=0.5)")
    at = app("search", w="BM25", k1="0.5", b="0.7", dense=["Basic + OCR + speech"],
             dm_ocr_sr=["all-MiniLM-L6-v2", "all-mpnet-base-v2"], dw_ocr_sr="64-word windows",
             fu="zsum", cw_ocr_sr="0.5", cw_ocr_sr_mpnet="0.5")
    assert shown(at) == maxp
    at = app("search", dense=["Comments alone"], dm_c_only="all-mpnet-base-v2")   # one model, as before
    assert at.pills(key="dm_c_only").value == ["mpnet"]
    assert shown(at) == "4gram+dense~c~mpnet~only.sr+ocr+c.noattr.bpx.zsum"
