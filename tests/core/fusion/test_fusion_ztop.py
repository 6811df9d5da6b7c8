"""z-scores over the top k (``ztop``) by hand."""
import numpy as np

from core.fusion import fuse
from core.scheme import Spec


def test_ztop_by_hand():
    s = np.array([[5.0, 4.0, 1.0, 9.0]])
    m = np.array([[True, True, True, False]])
    out, matched = fuse(Spec.parse("ztop(k=2)"), ["a", "b"], [(s, m), (np.zeros((1, 4)), m)])
    # mean 4.5 and std 0.5 over the two best matched scores (5, 4); unmatched takes the lowest z
    np.testing.assert_allclose(out[0], [1.0, -1.0, -7.0, -7.0])
    np.testing.assert_array_equal(matched, m)
    # k at least the number matched: the same as zsum
    a, _ = fuse(Spec.parse("ztop(k=50,b=2)"), ["a", "b"], [(s, m), (s[:, ::-1].copy(), m)])
    z, _ = fuse(Spec.parse("zsum(b=2)"), ["a", "b"], [(s, m), (s[:, ::-1].copy(), m)])
    np.testing.assert_allclose(a, z)
