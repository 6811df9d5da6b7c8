"""Evaluation tables and the significance tests on constructed examples with known p-values."""
import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.evaluation import (METRICS, group_means, metric_label, outcomes, paired_tests, per_query,
                             per_query_from_ranks, per_query_table, summary_table, tag_breakdown,
                             win_loss)
from core.stats import holm, paired_randomisation, wilcoxon
from core.store import load_queries


def test_known_p_values():
    # four queries, all improved: of the 2^4 sign patterns only all-+ and all-− reach |mean| = 1
    assert paired_randomisation([1, 1, 1, 1], [0, 0, 0, 0]) == pytest.approx(2 / 16)
    assert wilcoxon([1, 2, 3, 4], [0, 0, 0, 0]) == pytest.approx(2 / 16)
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])


def _pq(ranks, tags=None):
    q = pd.DataFrame({"query_id": range(1, len(ranks) + 1), "purely_visual": tags or [0] * len(ranks)})
    r = np.array(ranks, float)
    return per_query_from_ranks(q, r, r)


def test_tables_on_constructed_ranks():
    res = {"a": _pq([1, 1, 1, 1], [1, 1, 0, 0]), "b": _pq([2, 2, 2, 2], [1, 1, 0, 0])}
    summ = summary_table(res).set_index("config")
    assert summ.loc["a", "mrr"] == 1 and summ.loc["b", "mrr"] == 0.5
    assert summ.loc["a", "success_at_1_lo"] == 1 and summ.loc["b", "mean_rank"] == 2
    t = paired_tests(res, baseline="b")
    assert t.loc[0, "diff"] == 0.5 and t.loc[0, "p_randomisation"] == pytest.approx(0.125)
    wl = win_loss(res, baseline="b")
    assert (wl.loc[0, "a_better"], wl.loc[0, "b_better"], wl.loc[0, "tied"]) == (4, 0, 0)
    tags = tag_breakdown(res)
    assert set(tags["tag"]) == {"purely_visual"} and tags["queries"].tolist() == [2, 2, 2, 2]


def test_metrics_are_named_once():
    assert [m.column for m in METRICS.values()] == ["s1", "s5", "s10", "rr", "rank"]
    assert [n for n, m in METRICS.items() if not m.higher_is_better] == ["mean_rank"]
    assert metric_label("mrr") == "MRR" and metric_label("success_at_10") == "Success@10"
    assert metric_label("mean_rank", 731.0) == "Mean rank (missing = 731)"
    assert metric_label("mrr", 731.0) == "MRR"


def test_win_loss_and_outcomes_follow_the_metric():
    # per query: a ties b at rank 2 (tie range 1..3 against an exact 2), wins, loses, b never ranks
    q = pd.DataFrame({"query_id": [1, 2, 3, 4]})
    a = per_query_from_ranks(q, [1, 1, 5, 3], [3, 1, 5, 3], missing=50)
    b = per_query_from_ranks(q, [2, 4, 2, np.nan], [2, 4, 2, np.nan], missing=50)
    res = {"a": a, "b": b}
    assert outcomes(a, b).tolist() == [0, 1, -1, 1]
    # same expected rank, but the tie range gives a a chance of rank 1: better MRR and S@1
    assert outcomes(a, b, "mrr").tolist() == [1, 1, -1, 1]
    assert outcomes(a, b, "success_at_1").tolist() == [1, 1, 0, 0]
    assert np.isnan(outcomes(a, b[b["query_id"] != 4]).iloc[3])
    wl = win_loss(res, baseline="b").iloc[0]
    assert (wl["a_better"], wl["b_better"], wl["tied"]) == (2, 1, 1)
    assert wl["a_first"] == pytest.approx(1 + 1 / 3) and wl["b_first"] == 0
    wl = win_loss(res, baseline="b", metric="success_at_1").iloc[0]
    assert (wl["a_better"], wl["b_better"], wl["tied"]) == (2, 0, 2)
    t = per_query_table(res, metric="mrr")
    assert t.loc[1, "a"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 3) and t.loc[4, "b"] == 0
    assert per_query_table(res).loc[4, "b"] == 50


def test_group_means_are_summarise_without_intervals():
    pq = pd.concat([_pq([1, 2, 4]).assign(g="x"), _pq([3, 3, 3]).assign(g="y")], ignore_index=True)
    pq.loc[2, ["rank_lo", "rank_hi"]] = np.nan   # x's third target never matched
    pq.loc[2, ["rank", "s1", "s5", "s10", "rr"]] = [731, 0, 0, 0, 0]
    m = group_means(pq, "g").set_index("g")
    assert m.loc["x", "queries"] == 3 and m.loc["x", "missing"] == 1 and m.loc["y", "missing"] == 0
    assert m.loc["x", "mean_rank"] == pytest.approx((1 + 2 + 731) / 3)
    assert m.loc["x", "mrr"] == pytest.approx(0.5) and m.loc["y", "success_at_5"] == 1
    for g in ("x", "y"):
        s = summary_table({g: pq[pq["g"] == g]}).iloc[0]
        assert all(s[name] == pytest.approx(m.loc[g, name]) for name in METRICS)


def test_per_query_on_tiny_db(tiny_db):
    e = Engine.from_db(tiny_db)
    q = load_queries(tiny_db)
    pq = per_query(e, Config.parse("word+4gram.all.noattr.bm25(k1=0.9,b=0.4).zsum"), q)
    assert len(pq) == len(q) and pq["rr"].between(0, 1).all()
    assert pq["s1"].mean() >= 0.5
