"""core.tuning: parameters read from where they are declared, one value changed at a time,
sweeps equal to separate evaluations, and a comparison equal to core.evaluation's figures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import fusion
from core.config import NGRAM, STUDY_BEST, WINDOW_WORDS, Config
from core.crossval import fold_ids
from core.engine import Engine
from core.evaluation import METRICS, outcomes, paired_tests, per_query, summarise
from core.scheme import Param
from core.scoring import REGISTRY as SCORING
from core.scoring import scheme_of
from core.store import load_queries
from core.tuning import compare, fold_choices, grid, parameter_of, parameters, sweep, with_value

CONFIGS = [
    "4gram.sr+ocr+c.noattr.bpx",
    "word.all.noattr.bm25(k1=0.9,b=0.4)",
    "3gram.sr.noattr.bm25f(k1=0.9,b=0.3,desc=2,b_sr=0.6)",
    "word+4gram.all.noattr.bm25(k1=0.9,b=0.4).rrf(k=30,word=2)",
    "4gram+dense~mpnet~ocr~sr~w64+dense~ocr~sr.all.noattr.bm25(k1=0.5,b=0.7).zsum(dense=0.5)",
    "4gram.basic.attr.lmdir(mu=500)",
]


def values(config: Config) -> dict:
    return {p.key: p.value for p in parameters(config)}


def test_every_declared_scheme_parameter_is_offered():
    """Every parameter each scoring and fusion scheme declares, and nothing else."""
    for scheme in SCORING.all():
        if not scheme.lexical or not scheme.params:
            continue
        config = Config.parse(f"4gram.sr+ocr+c+screen.noattr.{scheme.name}")   # every field
        offered = {p.target for p in parameters(config) if p.kind == "weighting"}
        assert offered == {p.name for p in scheme.params}, scheme.name
    for scheme in fusion.REGISTRY.all():
        config = Config.parse(f"word+4gram.all.noattr.bm25.{scheme.name}")
        ps = parameters(config)
        assert {p.target for p in ps if p.kind == "fusion"} == {p.name for p in scheme.params}
        assert [p.value for p in ps if p.kind == "weight"] == list(config.weights_of().values())


def test_parameters_and_their_values_come_from_the_configuration():
    c = Config.parse(CONFIGS[3])
    ps = {p.key: p for p in parameters(c)}
    # what only re-weights first, what needs a new index or embeddings per value last
    assert list(ps) == ["weighting:k1", "weighting:b", "fusion:k", "weight:0", "weight:1", "n:1"]
    assert [k for k, p in ps.items() if p.rebuilds] == ["n:1"]
    assert (ps["n:1"].value, ps["weighting:k1"].value, ps["fusion:k"].value) == (4, 0.9, 30)
    assert (ps["weight:0"].value, ps["weight:1"].value) == (2.0, 1.0)
    assert ps["n:1"].param is NGRAM and ps["weight:0"].param is fusion.WEIGHT
    assert ps["weighting:k1"].param is scheme_of(c.weighting).param("k1")
    assert ps["fusion:k"].param is fusion.REGISTRY.get("rrf").param("k")
    # BM25F: the weights and b of fields the configuration does not index move nothing
    f = {p.target for p in parameters(Config.parse(CONFIGS[2])) if p.kind == "weighting"}
    assert {"sr", "b_sr", "desc", "creator", "music"} <= f and not {"ocr", "c", "b_ocr", "b_c"} & f
    assert values(Config.parse(CONFIGS[2]))["weighting:b_sr"] == 0.6
    assert values(Config.parse(CONFIGS[2]))["weighting:b_desc"] == 0.3   # follows b
    # dense components: their windows (None: the whole passage), each its fusion weight
    d = values(Config.parse(CONFIGS[4]))
    assert (d["window:1"], d["window:2"]) == (64, None)
    assert (d["weight:0"], d["weight:1"], d["weight:2"]) == (1.0, 0.5, 0.5)
    assert parameter_of(Config.parse(CONFIGS[4]), "window:1").param is WINDOW_WORDS
    assert parameter_of(STUDY_BEST, "weighting:k1") is None   # SMART letters take none


@pytest.mark.parametrize("name", CONFIGS)
def test_grids_cover_the_declared_span_and_hold_the_current_value(name):
    for p in parameters(Config.parse(name)):
        lo, hi = p.param.span
        assert p.grid == tuple(sorted(set(p.grid))) and p.grid[0] == lo and p.grid[-1] == hi
        assert 7 <= len(p.grid) <= 20, (p.key, p.grid)
        assert p.value is None or p.value in p.grid
        if p.param.integer:
            assert all(isinstance(v, int) for v in p.grid)


def test_a_wide_span_is_spaced_geometrically():
    mu = grid(Param("mu", 1000, 0, float("inf"), step=10, range=(10, 8000)))
    ratios = np.diff(np.log(mu))
    assert ratios.max() < 3 * ratios.min() and mu[1] < 100 < 2000 < mu[-2]
    k1 = grid(Param("k1", 1.2, 0, float("inf"), step=0.1, range=(0, 3)))
    assert k1 == pytest.approx(np.arange(0, 3.01, 0.3))


@pytest.mark.parametrize("name", CONFIGS)
def test_with_value_changes_exactly_one_thing(name):
    config = Config.parse(name)
    before = values(config)
    for p in parameters(config):
        for v in [g for g in p.grid if g != p.value][::4]:
            changed = with_value(config, p, v)
            assert Config.parse(str(changed)) == changed and str(Config.parse(str(changed))) == str(changed)
            assert changed != config
            expected = {**before, p.key: v}
            if p.key == "weighting:b":   # a BM25F field's b left unwritten follows b, as declared
                expected.update({k: v for k in before if k.startswith("weighting:b_")
                                 and k.split(":")[1] not in config.weighting.kwargs})
            assert values(changed) == expected, (p.key, v, str(changed))
            assert (changed.enrichment, changed.attribution) == (config.enrichment, config.attribution)


def test_a_value_that_makes_two_components_the_same_is_refused():
    config = Config.parse("3gram+4gram.all.noattr.bm25.rrf")
    with pytest.raises(ValueError, match="twice"):
        with_value(config, parameter_of(config, "n:1"), 3)


def assert_separate_evaluations(swept: pd.DataFrame, engine, config: Config, p, queries) -> None:
    """Each row of a sweep's figures (over every query) equals per_query at its value."""
    for row in swept.itertuples():
        cfg = with_value(config, p, row.value)
        assert row.config == str(cfg)
        pq = per_query(engine, cfg, queries)
        for metric, m in METRICS.items():
            assert getattr(row, metric) == pytest.approx(pq[m.column].mean(), abs=1e-12)


@pytest.fixture
def engine_queries(hard_db):
    return Engine.from_db(hard_db), load_queries(hard_db)


@pytest.mark.parametrize("name,key,matters", [
    ("word.all.noattr.bm25(k1=0.9,b=0.4)", "weighting:k1", True),
    ("word+4gram.all.noattr.bm25.zsum", "weight:0", True),
    ("4gram.sr+c.noattr.bpx", "n:0", True),
    ("word+4gram.all.noattr.bm25.rrf(k=30)", "fusion:k", False)])   # two lists over ten documents
def test_every_sweep_point_equals_a_separate_evaluation(engine_queries, hard_db, name, key, matters):
    engine, queries = engine_queries
    config = Config.parse(name)
    p = parameter_of(config, key)
    swept = sweep(engine, config, queries, p)
    assert swept["split"].eq("all").all() and swept["value"].tolist() == list(p.grid)
    assert_separate_evaluations(swept, Engine.from_db(hard_db), config, p, queries)   # a fresh engine
    assert (swept["mrr"].nunique() > 1) == matters   # so the equality above is not vacuous


def test_sweep_by_folds_splits_the_queries_of_each_fold(engine_queries):
    engine, queries = engine_queries
    config = Config.parse("word.all.noattr.bm25(k1=0.9,b=0.4)")
    p = parameter_of(config, "weighting:b")
    swept = sweep(engine, config, queries, p, values=[0.2, 0.8], folds=3, seed=7)
    assert len(swept) == 2 * (1 + 2 * 3)
    folds = fold_ids(queries["query_id"], 3, 7)
    for v in (0.2, 0.8):
        pq = per_query(engine, with_value(config, p, v), queries)
        at = swept[swept["value"] == v].set_index(["split", "fold"])
        for f, held in enumerate(folds, start=1):
            mask = pq["query_id"].isin(held)
            assert at.loc[("held-out", f), "mrr"] == pytest.approx(pq.loc[mask, "rr"].mean())
            assert at.loc[("train", f), "mrr"] == pytest.approx(pq.loc[~mask, "rr"].mean())
            assert at.loc[("train", f), "queries"] + at.loc[("held-out", f), "queries"] == len(queries)
    chosen = fold_choices(swept)
    assert chosen["fold"].tolist() == [1, 2, 3]
    for r in chosen.itertuples():
        train = swept[(swept["split"] == "train") & (swept["fold"] == r.fold)].set_index("value")["mrr"]
        assert r.train == train.max() and r.value == train.idxmax()


def test_invalid_points_are_left_out_of_a_sweep(engine_queries):
    engine, queries = engine_queries
    config = Config.parse("3gram+4gram.all.noattr.bm25.rrf")
    swept = sweep(engine, config, queries, parameter_of(config, "n:1"), values=[3, 5])
    assert swept["value"].tolist() == [5] and swept["config"].iloc[0].startswith("3gram+5gram.")


def test_compare_equals_the_evaluation_figures(engine_queries):
    engine, queries = engine_queries
    current = per_query(engine, Config.parse("word.all.noattr.bm25(k1=0.9,b=0.4)"), queries)
    baseline = per_query(engine, STUDY_BEST, queries)
    c = compare(current, baseline.sample(frac=1, random_state=1), queries)   # any row order
    h = c.headline.set_index("metric")
    a, b = summarise(current), summarise(baseline)
    pair = {"current": current, "baseline": baseline}
    for metric in METRICS:
        assert h.loc[metric, "current"] == pytest.approx(a[metric])
        assert (h.loc[metric, "current_lo"], h.loc[metric, "current_hi"]) == (a[f"{metric}_lo"], a[f"{metric}_hi"])
        assert h.loc[metric, "baseline"] == pytest.approx(b[metric])
        assert h.loc[metric, "diff"] == pytest.approx(a[metric] - b[metric])
        p = paired_tests(pair, baseline="baseline", metric=metric)["p_randomisation"].iloc[0]
        assert h.loc[metric, "p"] == pytest.approx(p)
        o = outcomes(current, baseline, metric)
        assert h.loc[metric, ["better", "worse", "same"]].tolist() == [(o == 1).sum(), (o == -1).sum(), (o == 0).sum()]
    assert h.loc["mean_rank", "better"] + h.loc["mean_rank", "worse"] > 0   # not vacuous
    per = c.per_query.set_index("query_id")
    assert per["query_text"].tolist() == queries.set_index("query_id").loc[per.index, "query_text"].tolist()
    assert (np.sign(per["gain"]) == per["outcome"].map({"better": 1, "worse": -1, "same": 0})).all()
    up, down = c.movers(3)
    assert len(up) <= 3 and (up["gain"] > 0).all() and up["gain"].is_monotonic_decreasing
    assert (down["gain"] < 0).all() and down["gain"].is_monotonic_increasing
    assert len(up) == min(3, (per["gain"] > 0).sum()) and len(down) == min(3, (per["gain"] < 0).sum())


def test_movers_rank_by_ratio_not_by_places():
    def table(ranks):
        return pd.DataFrame({"query_id": range(1, len(ranks) + 1), "rank_lo": ranks, "rank_hi": ranks,
                             "rank": ranks, "s1": 0.0, "s5": 0.0, "s10": 0.0, "rr": 1 / np.array(ranks, float)})
    c = compare(table([1.0, 400.0, 7.0]), table([5.0, 500.0, 7.0]))
    up, down = c.movers()
    assert up["query_id"].tolist() == [1, 2] and down.empty
    assert c.per_query.set_index("query_id").loc[3, "outcome"] == "same"
