"""Min-max normalised scores (``mnz``) by hand."""
import numpy as np

from core.fusion import fuse
from core.fusion.mnz import SCHEME
from core.scheme import Spec


def test_mnz_by_hand(parts):
    s, m = fuse(Spec.parse("mnz"), ["a", "b"], parts)
    # a: (3, 2, ·, 2) → (1, 0, 0, 0);  b: (·, 1, 5, ·) → (0, 0, 1, 0)
    np.testing.assert_allclose(s[0], [1, 0, 1, 0])
    np.testing.assert_array_equal(m, [[True, True, True, True]])


def test_a_component_with_one_match_gives_it_1():
    scores, matched = np.array([[0.0, 7.0, 0.0]]), np.array([[False, True, False]])
    np.testing.assert_array_equal(SCHEME.normalise(Spec("mnz"), scores, matched), [[0, 1, 0]])
    assert SCHEME.params == ()
