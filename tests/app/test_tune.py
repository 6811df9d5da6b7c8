"""The Tune page (pages/tune.py, ui/tune.py) on the tiny corpus with harder queries, against
core computing the same figures independently."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from core.config import STUDY_BEST, Config
from core.engine import Engine
from core.evaluation import METRICS, paired_tests, per_query, summarise
from core.grid import run_grid, study_index_configs
from core.results import read_results
from core.store import load_queries, write_results
from core.tuning import parameter_of
from tests.app.conftest import no_exception, texts
from tests.core.test_tuning import assert_separate_evaluations

SWEEP_TAB, MOVERS_TAB, TABLE_TAB = (":material/ssid_chart: Sweep", ":material/swap_vert: Movers",
                                    ":material/table: Per query")
BM25_WORDS = "BM25 words (default)"


@pytest.fixture
def hard_results(hard_db, tmp_path):
    """A real results.db of the hard corpus: 4-grams over every field set, two weightings."""
    path = tmp_path / "results.db"
    engine, queries = Engine.from_db(hard_db), load_queries(hard_db)
    r = run_grid(engine.source, queries, study_index_configs(("4gram",)), ["bpx", "tfc"])
    write_results(path, r.indexes, r.experiments, queries, r.rankings,
                  {"mode": engine.mode, "documents": engine.n_docs})
    return path


@pytest.fixture
def tune(app, hard_db, hard_results, monkeypatch):
    """``tune(**query_params)``: the Tune page on the hard corpus and its results."""
    monkeypatch.setenv("TRL_DB", str(hard_db))
    monkeypatch.setenv("TRL_RESULTS", str(hard_results))
    return lambda **qp: app("tune", **qp)


def frame(at, columns: set) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if columns <= set(d.value.columns)]
    assert len(found) == 1, f"{len(found)} tables with {columns}"
    return found[0]


def headline(at) -> pd.DataFrame:
    return frame(at, {"key", "current_lo", "p"}).set_index("key")


def core_figures(db, config: Config, query_ids=None) -> tuple[pd.DataFrame, dict]:
    queries = load_queries(db)
    if query_ids is not None:
        queries = queries[queries["query_id"].isin(query_ids)].reset_index(drop=True)
    pq = per_query(Engine.from_db(db), config, queries)
    return pq, summarise(pq)


def test_headline_equals_a_direct_core_evaluation(tune, hard_db):
    at = tune(t_base=BM25_WORDS)
    shown = headline(at)
    current, ours = core_figures(hard_db, STUDY_BEST)
    baseline_config = Config.parse("word.sr+ocr+c.noattr.bm25(b=0.4,k1=0.9)")
    baseline, theirs = core_figures(hard_db, baseline_config)
    assert f"`{STUDY_BEST}` against `{baseline_config}` on 14 of 14 queries" in texts(at)
    for m in METRICS:
        for col, key in (("current", m), ("current_lo", f"{m}_lo"), ("current_hi", f"{m}_hi")):
            assert shown.loc[m, col] == pytest.approx(ours[key], abs=1e-12)
        assert shown.loc[m, "baseline"] == pytest.approx(theirs[m], abs=1e-12)
        p = paired_tests({"a": current, "b": baseline}, baseline="b", metric=m)["p_randomisation"].iloc[0]
        assert shown.loc[m, "p"] == pytest.approx(p)
        assert shown.loc[m, ["better", "worse", "same"]].sum() == 14
    assert shown["diff"].abs().max() > 0   # the two configurations differ on these queries
    cards = {x.label: x.value for x in at.metric}
    assert cards["MRR"] == f"{ours['mrr']:.3f}" and cards["Mean rank"] == f"{ours['mean_rank']:.1f}"


def test_filters_pick_the_queries_the_figures_are_of(tune, hard_db):
    at = tune()
    at.multiselect(key="qf_authors").set_value(["ann"]).run()
    no_exception(at)
    ann = [i for i in range(1, 15) if i % 2]
    assert "on 7 of 14 queries" in texts(at)
    _, ours = core_figures(hard_db, STUDY_BEST, ann)
    assert headline(at).loc["mrr", "current"] == pytest.approx(ours["mrr"])
    at.pills(key="t_tags").set_value(["purely_visual"]).run()   # queries 5 and 10; 5 is ann's
    _, ours = core_figures(hard_db, STUDY_BEST, [5])
    assert "on 1 of 14 queries" in texts(at) and headline(at).loc["mrr", "current"] == pytest.approx(ours["mrr"])


def test_moving_a_slider_moves_the_figures(tune, hard_db):
    at = tune()
    at.segmented_control(key="w").set_value("bm25").run()
    before = headline(at)
    _, ours = core_figures(hard_db, Config.parse("4gram.sr+ocr+c.noattr.bm25"))
    assert before.loc["mrr", "current"] == pytest.approx(ours["mrr"])
    at.slider(key="k1").set_value(0.0).run()
    no_exception(at)
    after = headline(at)
    moved = Config.parse("4gram.sr+ocr+c.noattr.bm25(k1=0)")
    _, ours = core_figures(hard_db, moved)
    assert f"`{moved}` against" in texts(at)
    for m in METRICS:
        assert after.loc[m, "current"] == pytest.approx(ours[m], abs=1e-12)
    assert after.loc["mrr", "current"] != pytest.approx(before.loc["mrr", "current"])
    assert (after["baseline"] == before["baseline"]).all()   # the baseline stays pinned


def test_pinning_the_current_configuration_makes_it_the_baseline(tune):
    at = tune(w="BM25")
    at.button(key="t_pin").click().run()
    no_exception(at)
    assert at.text_input(key="t_base_cfg").value == "4gram.sr+ocr+c.noattr.bm25"
    shown = headline(at)
    assert (shown["diff"] == 0).all() and (shown["same"] == 14).all()
    at.text_input(key="t_base_cfg").input("not a configuration").run()
    assert "The baseline is not a configuration" in texts(at)


def test_every_sweep_point_equals_a_separate_evaluation(tune, hard_db):
    at = tune(w="BM25", t_tab=SWEEP_TAB, t_sweep="k1 · BM25")
    no_exception(at)
    config = Config.parse("4gram.sr+ocr+c.noattr.bm25")
    p = parameter_of(config, "weighting:k1")
    shown = frame(at, {"value", "config", "mrr"})
    assert shown["value"].tolist() == list(p.grid)
    assert_separate_evaluations(shown, Engine.from_db(hard_db), config, p, load_queries(hard_db))
    assert shown["mrr"].nunique() > 1
    at.toggle(key="t_folds").set_value(True).run()
    no_exception(at)
    chosen = frame(at, {"fold", "held_out"})
    assert chosen["fold"].tolist() == [1, 2, 3, 4, 5] and chosen["value"].isin(p.grid).all()
    assert "Chosen on the training folds and scored held out" in texts(at)


def test_a_configuration_without_parameters_says_so(tune):
    at = tune(tok="Words", t_tab=SWEEP_TAB)
    assert "no numeric parameter to sweep" in texts(at)


def test_movers_and_per_query_links_open_query_lab(tune, app, hard_db):
    at = tune(w="BM25", t_base=BM25_WORDS, t_tab=MOVERS_TAB)
    tables = [d.value for d in at.dataframe if "open" in d.value.columns]
    assert tables and all(len(t) <= 10 for t in tables)
    moved = pd.concat(tables)
    assert moved["gain (log2)"].ne(0).all() and "@chefmaria" in set(moved["target creator"])
    url = moved["open"].iloc[0]
    assert url.startswith("query_lab?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert params["w"] == "BM25" and not any(k.startswith("t_") for k in params)
    lab = app("query_lab", **params)
    assert params["query"].isdigit() and lab.selectbox(key="query").value == params["query"]
    assert "4gram.sr+ocr+c.noattr.bm25" in texts(lab)

    at = tune(t_tab=TABLE_TAB)
    per = frame(at, {"open", "current rank"})
    assert len(per) == 14 and per["query"].tolist() == load_queries(hard_db)["query_text"].tolist()
    assert len(at.get("download_button")) == 1


def test_save_as_experiment_appears_on_the_experiments_page(tune, hard_db, hard_results):
    n = len(read_results(hard_results).configs)   # 16 indexes × 2 weightings
    at = tune(w="BM25")
    at.slider(key="k1").set_value(0.3).run()
    at.button(key="t_save").click().run()
    no_exception(at)
    saved = "4gram.sr+ocr+c.noattr.bm25(k1=0.3)"
    assert any(f"Saved as experiment {n + 1}" in s.value for s in at.success)
    at.button(key="t_save").click().run()   # saving again replaces it
    res = read_results(hard_results)
    assert saved in res.configs and len(res.configs) == n + 1
    at.switch_page("pages/experiments.py").run()
    no_exception(at)
    assert f"{n + 1} experiments" in texts(at)
    assert saved in frame(at, {"config", "tokenisation", "missing"})["config"].tolist()
