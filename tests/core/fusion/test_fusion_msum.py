"""Scores over their maximum (``msum``) by hand."""
import numpy as np

from core.fusion import fuse
from core.fusion.msum import SCHEME
from core.scheme import Spec


def test_msum_by_hand(parts):
    s, m = fuse(Spec.parse("msum"), ["a", "b"], parts)
    np.testing.assert_allclose(s[0], [1, 2 / 3 + 1 / 5, 1, 2 / 3])
    np.testing.assert_array_equal(m, [[True, True, True, True]])


def test_weighted_msum_by_hand(parts):
    s, _ = fuse(Spec.parse("msum(a=2,b=0.5)"), ["a", "b"], parts)
    np.testing.assert_allclose(s[0], [2, 4 / 3 + 0.5 / 5, 0.5, 4 / 3])
    assert SCHEME.params == ()
