"""core.stats on known values, and against the libraries it stands in for (see its docstrings)."""
import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from core.stats import bootstrap_ci, holm, paired_randomisation, wilcoxon


def test_exact_randomisation_p_value():
    # differences 1,2,3: of the 8 sign patterns only +++ and --- reach |mean| 2 -> p = 2/8
    assert paired_randomisation([1, 2, 3], [0, 0, 0]) == pytest.approx(0.25)
    assert paired_randomisation([1, 1], [1, 1]) == 1.0


def test_sampled_randomisation_p_value_is_small_for_a_clear_difference():
    a = np.ones(40)
    assert paired_randomisation(a, np.zeros(40)) < 0.001


def _scipy_paired_p(a, b, n_resamples=10000):
    return sps.permutation_test((a, b), lambda x, y, axis: np.mean(x - y, axis=axis),
                                permutation_type="samples", vectorized=True,
                                n_resamples=n_resamples, rng=1).pvalue


def test_randomisation_matches_scipy_permutation_test():
    rng = np.random.default_rng(3)
    # exact: scipy enumerates all 2^n sign patterns when 2^n <= n_resamples, as we do for n <= 16
    for n in (3, 8, 12):
        a, b = rng.random(n), rng.random(n)
        assert paired_randomisation(a, b) == pytest.approx(_scipy_paired_p(a, b), abs=1e-12)
    assert paired_randomisation([1, 2, 3], [0, 0, 0]) == pytest.approx(_scipy_paired_p([1, 2, 3], [0, 0, 0]))
    # sampled (86 queries): the same p up to Monte Carlo error (sd <= 0.005 at 10,000 resamples);
    # scipy doubles the one-sided (1 + hits) / (1 + N), we count |mean| >= |observed|
    a = 1 / rng.integers(1, 30, 86)
    for shift in (0.0, 0.02, 0.05):
        b = np.clip(a + rng.normal(shift, 0.15, 86), 0, 1)
        assert paired_randomisation(a, b) == pytest.approx(_scipy_paired_p(a, b), abs=0.03)


def test_wilcoxon_matches_exact_table():
    assert wilcoxon([1, 2, 3, 4, 5, 6], [0] * 6) == pytest.approx(0.03125)


def test_holm():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_holm_matches_statsmodels():
    rng = np.random.default_rng(5)
    for p in ([0.2], [0.01, 0.01, 0.04, 0.04], rng.uniform(0, 0.1, 7), rng.uniform(0, 1, 30)):
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-15)
    assert len(holm([])) == 0


def test_bootstrap_ci_contains_the_mean_and_is_reproducible():
    v = np.r_[np.ones(30), np.zeros(10)]
    lo, hi = bootstrap_ci(v)
    assert lo < 0.75 < hi and (lo, hi) == bootstrap_ci(v)


def test_bootstrap_ci_matches_scipy_percentile_bootstrap():
    # same method (percentile) and seed; the tolerance only allows for scipy drawing its
    # resamples in another order in some version (Monte Carlo sd of a bound ~0.003 here)
    rng = np.random.default_rng(9)
    for v in (1 / rng.integers(1, 30, 86), rng.integers(0, 2, 86).astype(float), rng.random(12)):
        ci = sps.bootstrap((v,), np.mean, n_resamples=2000, method="percentile", rng=0).confidence_interval
        np.testing.assert_allclose(bootstrap_ci(v, seed=0), (ci.low, ci.high), atol=0.01)


def test_bootstrap_ci_edge_cases():
    assert bootstrap_ci(np.ones(5)) == (1.0, 1.0)   # scipy's default BCa would give nan here
    assert bootstrap_ci([0.5]) == (0.5, 0.5)
    assert all(np.isnan(bootstrap_ci([])))


@pytest.mark.parametrize("n", [6, 40])   # every sign pattern; Monte Carlo
def test_paired_randomisation_of_columns_equals_each_column_alone(n):
    rng = np.random.default_rng(n)
    a = rng.integers(1, 30, (n, 3)) / 3
    b = a.copy()
    b[: n // 2, 0] += 1
    b[::3, 1] = rng.integers(1, 30, len(b[::3, 1]))   # column 2 left equal: p = 1
    many = paired_randomisation(a, b)
    assert many.shape == (3,) and many[2] == 1.0
    assert many.tolist() == [paired_randomisation(a[:, j], b[:, j]) for j in range(3)]


def test_bootstrap_ci_of_several_columns_equals_each_column_alone():
    rng = np.random.default_rng(3)
    v = np.column_stack([rng.integers(0, 2, 86), rng.random(86), rng.integers(1, 500, 86)]).astype(float)
    lo, hi = bootstrap_ci(v, seed=7)
    assert lo.shape == hi.shape == (3,)
    for i in range(3):
        np.testing.assert_allclose((lo[i], hi[i]), bootstrap_ci(v[:, i], seed=7), rtol=1e-12)
    nan_lo, _ = bootstrap_ci(np.empty((0, 3)))
    assert nan_lo.shape == (3,) and np.isnan(nan_lo).all()
