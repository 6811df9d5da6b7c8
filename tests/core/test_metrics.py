import numpy as np
import pytest

from core.metrics import mean_rank, reciprocal_rank, success_at, summary, target_ranks

S = np.array([[3.0, 2.0, 2.0, 2.0, 0.0]])
M = np.array([[True, True, True, True, False]])


def test_tie_range_and_expected_rank():
    lo, hi = target_ranks(S, M, np.array([2]))
    assert (lo[0], hi[0]) == (2, 4)
    lo, hi = target_ranks(S, M, np.array([0]))
    assert (lo[0], hi[0]) == (1, 1)


def test_missing_target_has_no_rank():
    lo, hi = target_ranks(S, M, np.array([4]))  # shares no term with the query
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    lo, hi = target_ranks(S, M, np.array([-1]))  # not in the corpus
    assert np.isnan(lo[0])


def test_tiny_float_differences_are_ties():
    s = np.array([[1.0, 1.0 + 1e-13, 0.5]])
    lo, hi = target_ranks(s, np.ones_like(s, bool), np.array([0]))
    assert (lo[0], hi[0]) == (1, 2)


def test_success_and_reciprocal_rank_are_expectations_over_ties():
    lo, hi = np.array([2.0, 1.0, np.nan]), np.array([4.0, 1.0, np.nan])
    np.testing.assert_allclose(success_at(lo, hi, 1), [0, 1, 0])
    np.testing.assert_allclose(success_at(lo, hi, 2), [1 / 3, 1, 0])
    np.testing.assert_allclose(success_at(lo, hi, 10), [1, 1, 0])
    np.testing.assert_allclose(reciprocal_rank(lo, hi), [(1 / 2 + 1 / 3 + 1 / 4) / 3, 1, 0])


def test_mean_rank_missing_rules():
    lo, hi = np.array([2.0, np.nan]), np.array([4.0, np.nan])
    assert mean_rank(lo, hi) == pytest.approx((3 + 731) / 2)
    assert mean_rank(lo, hi, missing=1462) == pytest.approx((3 + 1462) / 2)
    s = summary(lo, hi, n_docs=100)
    assert s["missing"] == 1 and s["mean_rank_missing_n"] == pytest.approx(51.5)
