"""ui/evaluation: the rows it computes, and the Experiments page's "Methods, cross-validated" tab
(its view) against the core computing the same.

Most tests use the tiny corpus with harder, partly ambiguous queries (the tiny fixture's six
are all ranked first by every family, which would make every comparison trivially equal) and
no results.db, so the page shows the cross-validation alone.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.crossval import ScoreTable, cross_validate, cross_validate_grid, family_tuner, table_evaluator
from core.engine import Engine
from core.evaluation import summarise
from core.families import Family, available_families
from core.store import QUERY_COLUMNS, load_queries
from tests.app.conftest import no_exception, texts
from tests.conftest import HARD
from ui.data import DataSource
from ui.evaluation import (DEFAULT_FAMILIES, NESTED, POOLED, chart_data, corpus_queries, methods, metric_columns,
                           queries_digest)

CV_TAB = ":material/verified: Methods, cross-validated"
METRICS = ["success_at_1", "success_at_5", "success_at_10", "mrr", "mean_rank"]
NUMBERS = ["queries"] + [f"{m}{s}" for m in METRICS for s in ("", "_lo", "_hi")]


@pytest.fixture
def cv_app(app, hard_db, tmp_path, monkeypatch):
    """``cv_app(**query_params)``: the Experiments page on the hard corpus, without results.db."""
    monkeypatch.setenv("TRL_DB", str(hard_db))
    monkeypatch.setenv("TRL_RESULTS", str(tmp_path / "missing.db"))
    return lambda **qp: app("experiments", **qp)


# each table of the tab, told apart by columns only it has
TABLES = {"cv_summary": {"figure", "mrr_lo"}, "cv_chosen": {"fold 1"}, "cv_tags": {"tag holds"},
          "cv_tests": {"p_randomisation_holm"}, "cv_winloss": {"a_better"},
          "cv_per_query": {"query_text", "fold"}}


def tables(at, name: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if TABLES[name] <= set(d.value.columns)]


def frame(at, name: str) -> pd.DataFrame:
    found = tables(at, name)
    assert len(found) == 1, f"{len(found)} tables {name}"
    return found[0]


def core_figures(db, names, k=5, seed=2022, objective="mrr", query_ids=None) -> pd.DataFrame:
    """What the core gives: per family, summarise() of the default and of cross_validate_grid()."""
    queries = load_queries(db)
    if query_ids is not None:
        queries = queries[queries["query_id"].isin(query_ids)]
    table = ScoreTable(Engine.from_db(db), queries)
    fams = {f.name: f for f in available_families(False)}
    rows = []
    for name in names:
        f = fams[name]
        rows.append({"method": name, "figure": "untuned default",
                     **summarise(table.rows(f.default).reset_index(drop=True))})
        cv = cross_validate_grid(table, f.candidates, objective, k, seed)
        rows.append({"method": name, "figure": "cross-validated", **summarise(cv.per_query)})
    return pd.DataFrame(rows)


def assert_same_figures(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    shown = shown.set_index(["method", "figure"])
    expected = expected.set_index(["method", "figure"])
    assert list(shown.index) == list(expected.index)
    np.testing.assert_allclose(shown[NUMBERS].to_numpy(float), expected[NUMBERS].to_numpy(float),
                               rtol=1e-12, atol=1e-12)


def test_figures_equal_the_cores_cross_validation(cv_app, hard_db):
    at = cv_app()
    assert "make demo" in texts(at)  # the grid's tabs need results.db; the CV does not
    assert at.multiselect(key="cv_fam").value == list(DEFAULT_FAMILIES)
    shown = frame(at, "cv_summary")
    assert_same_figures(shown, core_figures(hard_db, DEFAULT_FAMILIES))
    # real differences between families on these queries, so the comparison is not vacuous
    assert shown["mrr"].nunique() > 2
    assert (shown["mrr_lo"] <= shown["mrr"]).all() and (shown["mrr"] <= shown["mrr_hi"]).all()
    chosen = frame(at, "cv_chosen")
    assert list(chosen.columns) == ["method"] + [f"fold {i}" for i in range(1, 6)]
    per_query = frame(at, "cv_per_query")
    assert per_query["query_text"].tolist() == [q for q, _ in HARD]
    assert sorted(per_query["fold"].unique()) == [1, 2, 3, 4, 5]
    assert len(at.get("download_button")) == 6


def test_paired_tests_are_holm_adjusted_and_follow_the_baseline(cv_app):
    at = cv_app()
    tests = frame(at, "cv_tests")
    assert (tests["b"] == "2022 study best (4-gram bpx)").all() and len(tests) == len(DEFAULT_FAMILIES) - 1
    for p in ("p_randomisation", "p_wilcoxon"):
        assert (tests[f"{p}_holm"] >= tests[p] - 1e-12).all()
        assert tests[p].between(0, 1).all()
    assert (tests["p_randomisation_holm"] > tests["p_randomisation"]).any()  # Holm did something
    wins = frame(at, "cv_winloss")
    assert (wins[["a_better", "b_better", "tied"]].sum(axis=1) == len(HARD)).all()

    at.selectbox(key="cv_base").set_value("BM25 words").run()
    no_exception(at)
    moved = frame(at, "cv_tests")
    assert (moved["b"] == "BM25 words").all()
    assert "2022 study best (4-gram bpx)" in set(moved["a"])
    assert not moved[["diff"]].equals(tests[["diff"]])
    assert (frame(at, "cv_winloss")["b"] == "BM25 words").all()


def test_folds_seed_and_objective_change_the_figures(cv_app, hard_db):
    at = cv_app()
    folds_before = frame(at, "cv_per_query")["fold"].tolist()
    at.number_input(key="cv_seed").set_value(7).run()
    no_exception(at)
    assert frame(at, "cv_per_query")["fold"].tolist() != folds_before
    assert "seed 7" in texts(at)
    at.number_input(key="cv_k").set_value(3).run()
    at.segmented_control(key="cv_obj").set_value("success_at_1").run()
    no_exception(at)
    assert list(frame(at, "cv_chosen").columns) == ["method", "fold 1", "fold 2", "fold 3"]
    assert_same_figures(frame(at, "cv_summary"),
                        core_figures(hard_db, DEFAULT_FAMILIES, k=3, seed=7, objective="success_at_1"))
    assert (frame(at, "cv_tests")["metric"] == "success_at_1").all()


def test_pooled_and_nested_selection_rows(cv_app, hard_db):
    names = ["BM25 4-gram", "BM25 words"]
    at = cv_app()
    at.multiselect(key="cv_fam").set_value(names + [POOLED, NESTED]).run()
    no_exception(at)
    shown = frame(at, "cv_summary").set_index(["method", "figure"])
    fams = {f.name: f for f in available_families(False)}
    table = ScoreTable(Engine.from_db(hard_db), load_queries(hard_db))
    pool = list(dict.fromkeys(c for n in names for c in fams[n].candidates))
    pooled = summarise(cross_validate_grid(table, pool).per_query)
    nested = summarise(cross_validate(table.queries, family_tuner(table, {n: fams[n].candidates for n in names}),
                                      table_evaluator(table)).per_query)
    for name, expected in ((POOLED, pooled), (NESTED, nested)):
        assert (name, "untuned default") not in shown.index  # a selection has no default
        row = shown.loc[(name, "cross-validated")]
        assert [row[c] for c in NUMBERS] == pytest.approx([expected[c] for c in NUMBERS])
    nested_chosen = frame(at, "cv_chosen").set_index("method").loc[NESTED]
    assert all(v.endswith(("(BM25 4-gram)", "(BM25 words)")) for v in nested_chosen)


def test_filters_restrict_the_cross_validated_queries(cv_app, hard_db):
    at = cv_app()
    at.multiselect(key="qf_authors").set_value(["ann"]).run()
    no_exception(at)
    ann = [i for i in range(1, len(HARD) + 1) if i % 2]
    assert f"{len(ann)} of {len(HARD)} queries" in texts(at)
    assert "runs on the queries that pass the tags and filters" in texts(at)
    assert frame(at, "cv_per_query")["query_id"].tolist() == ann
    assert_same_figures(frame(at, "cv_summary"), core_figures(hard_db, DEFAULT_FAMILIES, query_ids=ann))
    tags = frame(at, "cv_tags")
    visual = tags[(tags["tag"] == "purely visual") & (tags["tag holds"] == "yes")]
    assert visual["queries"].tolist() == [sum(1 for i in ann if i % 5 == 0)]
    # tags too: only one query is both ann's and purely visual, too few to cross-validate
    at.pills(key="tags").set_value(["purely_visual"]).run()
    no_exception(at)
    assert "1 of 14 queries" in texts(at) and "needs at least 2 queries; 1 passes" in texts(at)


def test_choosing_no_family_says_what_to_do(cv_app):
    at = cv_app()
    at.multiselect(key="cv_fam").set_value([]).run()
    no_exception(at)
    assert "Choose at least one method family" in texts(at)
    assert not tables(at, "cv_summary")
    at.multiselect(key="cv_fam").set_value([POOLED]).run()
    assert "choose some families too" in texts(at)


def test_tab_beside_the_grid_is_computed_only_when_open(app, tiny_db):
    at = app("experiments")
    assert "384 experiments" in texts(at)
    assert "cv_fam" not in [w.key for w in at.multiselect]
    at = app("experiments", tab=CV_TAB)
    assert "cv_fam" in [w.key for w in at.multiselect]
    assert "make demo" not in texts(at)
    assert_same_figures(frame(at, "cv_summary"), core_figures(tiny_db, DEFAULT_FAMILIES))


def test_methods_are_the_families_then_their_pooled_and_nested_selections():
    a = Family("A", "word.all.noattr.bm25", ("word.all.noattr.bm25", "word.all.noattr.bm25(k1=0.9)"))
    b = Family("B", "4gram.all.noattr.bpx", ("4gram.all.noattr.bpx", "word.all.noattr.bm25"))
    rows = methods([a, b], pooled=True, nested=True)
    assert [(m.name, m.default) for m in rows] == [("A", a.default), ("B", b.default), (POOLED, None), (NESTED, None)]
    assert rows[0].candidates == a.candidates and not rows[0].grids
    pool = (a.candidates[0], a.candidates[1], b.candidates[0])   # each candidate once, in order
    assert rows[2].candidates == rows[3].candidates == pool and not rows[2].grids
    assert rows[3].grids == (("A", a.candidates), ("B", b.candidates))
    assert [m.name for m in methods([a])] == ["A"] and methods([], pooled=True, nested=True) == []


def test_a_query_set_is_identified_by_ids_texts_and_targets(tiny_db):
    q = load_queries(tiny_db)
    digest = queries_digest(q)
    assert queries_digest(q.assign(author="someone else")) == digest
    assert queries_digest(q.assign(query_text=q["query_text"].str.upper())) != digest
    assert queries_digest(q.iloc[::-1]) != digest and queries_digest(q.iloc[:5]) != digest


def test_chart_data_and_column_settings():
    table = pd.DataFrame({"method": ["A", "A"], "figure": ["untuned default", "cross-validated"],
                          "mrr": [0.5, 0.6], "mrr_lo": [0.4, 0.5], "mrr_hi": [0.6, 0.7]})
    assert chart_data(table, "mrr").to_dict("list") == {
        "method": ["A", "A"], "figure": ["untuned default", "cross-validated"], "value": [0.5, 0.6],
        "lo": [0.4, 0.5], "hi": [0.6, 0.7]}
    assert set(metric_columns()) == set(METRICS)
    assert set(metric_columns(ci=True)) == {f"{m}{s}" for m in METRICS for s in ("", "_lo", "_hi")}


def test_corpus_queries(tiny_db, tmp_path):
    assert len(corpus_queries(DataSource(tiny_db, tmp_path / "r.db"))) == 6
    none = corpus_queries(DataSource(tmp_path / "none.db", tmp_path / "r.db"))
    assert none.empty and list(none.columns) == list(QUERY_COLUMNS) and not (tmp_path / "none.db").exists()

