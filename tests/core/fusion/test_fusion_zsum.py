"""z-scores over matched documents (``zsum``) by hand."""
import numpy as np
import pytest

from core.fusion import fuse
from core.fusion.zsum import SCHEME
from core.scheme import Spec


def test_zsum_by_hand(parts):
    s, m = fuse(Spec.parse("zsum"), ["a", "b"], parts)
    a = np.array([3.0, 2.0, 2.0])
    za = (a - a.mean()) / a.std()
    zb = np.array([-1.0, 1.0])  # scores 1 and 5 over the two matched docs
    want = [za[0] + zb.min(), za[1] + zb[0], za.min() + zb[1], za[2] + zb.min()]
    np.testing.assert_allclose(s[0], want)
    np.testing.assert_array_equal(m, [[True, True, True, True]])


def test_weights_scale_a_components_z(parts):
    s, _ = fuse(Spec.parse("zsum(b=0.5)"), ["a", "b"], parts)
    za = np.array([2, -1, -1, -1]) / np.sqrt(2)   # (3, 2, ·, 2): mean 7/3, std √2/3
    np.testing.assert_allclose(s[0], za + 0.5 * np.array([-1, -1, 1, -1]))


def test_zsum_takes_no_parameter_of_its_own(parts):
    assert SCHEME.params == () and SCHEME.canonical(Spec.parse("zsum")) == Spec("zsum")
    with pytest.raises(ValueError, match=r"fusion zsum takes no k \(only rrf and ztop do\)"):
        fuse(Spec.parse("zsum(k=3)"), ["a", "b"], parts)
