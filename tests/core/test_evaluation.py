"""Evaluation tables and the significance tests on constructed examples with known p-values."""
import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.evaluation import paired_tests, per_query, per_query_from_ranks, summary_table, tag_breakdown, win_loss
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


def test_per_query_on_tiny_db(tiny_db):
    e = Engine.from_db(tiny_db)
    q = load_queries(tiny_db)
    pq = per_query(e, Config.parse("word+4gram.all.noattr.bm25(k1=0.9,b=0.4).zsum"), q)
    assert len(pq) == len(q) and pq["rr"].between(0, 1).all()
    assert pq["s1"].mean() >= 0.5
