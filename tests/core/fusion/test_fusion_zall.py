"""z-scores over all documents (``zall``) by hand: an unmatched document counts as score 0."""
import numpy as np

from core.fusion import fuse
from core.fusion.zall import SCHEME
from core.scheme import Spec


def test_zall_by_hand(parts):
    s, m = fuse(Spec.parse("zall"), ["a", "b"], parts)
    # a: (3, 2, 0, 2), mean 7/4, variance 19/16;  b: (0, 1, 5, 0), mean 3/2, variance 17/4
    za = (np.array([3, 2, 0, 2]) - 7 / 4) / np.sqrt(19 / 16)
    zb = (np.array([0, 1, 5, 0]) - 3 / 2) / np.sqrt(17 / 4)
    np.testing.assert_allclose(s[0], za + zb)
    np.testing.assert_array_equal(m, [[True, True, True, True]])


def test_unlike_zsum_the_unmatched_documents_set_the_scale(parts):
    scores, matched = parts[0]
    zall = SCHEME.normalise(Spec("zall"), scores, matched)[0]
    zsum, _ = fuse(Spec.parse("zsum(b=0)"), ["a", "b"], parts)
    assert zall[2] < zall[1] and zsum[0][2] == zsum[0][1]   # zsum gives unmatched the lowest z
    assert SCHEME.params == ()
