"""Reciprocal rank fusion by hand: tied documents share the better rank, an unmatched one gets 0."""
import numpy as np
import pytest

from core.fusion import DEFAULT, fuse
from core.fusion.rrf import SCHEME
from core.scheme import Spec


def test_rrf_by_hand(parts):
    s, m = fuse(Spec.parse("rrf(k=60)"), ["a", "b"], parts)
    want = [1 / 61, 1 / 62 + 1 / 62, 1 / 61, 1 / 62]
    np.testing.assert_allclose(s[0], want)
    np.testing.assert_array_equal(m, [[True, True, True, True]])  # the union


def test_weighted_rrf_by_hand(parts):
    s, _ = fuse(Spec.parse("rrf(k=1,b=2)"), ["a", "b"], parts)
    np.testing.assert_allclose(s[0], [1 / 2, 1 / 3 + 2 / 3, 2 / 2, 1 / 3])


def test_one_components_share(parts):
    (s, m), spec = parts[0], Spec.parse("rrf(k=2)")
    np.testing.assert_allclose(SCHEME.normalise(spec, s, m)[0], [1 / 3, 1 / 4, 0, 1 / 4])
    np.testing.assert_allclose(SCHEME.weighted(spec, 3.0, s, m), 3 * SCHEME.normalise(spec, s, m))


def test_k_is_declared_and_checked(parts):
    k = SCHEME.param("k")
    assert SCHEME.defaults == {"k": 60.0} and k.integer and k.span == (1.0, 200.0)
    assert DEFAULT == Spec.parse("rrf(k=60)") and SCHEME.canonical(DEFAULT) == Spec("rrf")
    with pytest.raises(ValueError, match="rrf needs k >= 1, got k=0.5"):
        fuse(Spec.parse("rrf(k=0.5)"), ["a", "b"], parts)
