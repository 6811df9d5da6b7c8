import numpy as np
import pytest

from core.stats import bootstrap_ci, holm, paired_randomisation, wilcoxon


def test_exact_randomisation_p_value():
    # differences 1,2,3: of the 8 sign patterns only +++ and --- reach |mean| 2 -> p = 2/8
    assert paired_randomisation([1, 2, 3], [0, 0, 0]) == pytest.approx(0.25)
    assert paired_randomisation([1, 1], [1, 1]) == 1.0


def test_sampled_randomisation_p_value_is_small_for_a_clear_difference():
    a = np.ones(40)
    assert paired_randomisation(a, np.zeros(40)) < 0.001


def test_wilcoxon_matches_exact_table():
    assert wilcoxon([1, 2, 3, 4, 5, 6], [0] * 6) == pytest.approx(0.03125)


def test_holm():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_bootstrap_ci_contains_the_mean_and_is_reproducible():
    v = np.r_[np.ones(30), np.zeros(10)]
    lo, hi = bootstrap_ci(v)
    assert lo < 0.75 < hi and (lo, hi) == bootstrap_ci(v)
