"""Gathering rows of a CSR matrix with numpy equals scipy's row indexing."""
import numpy as np
import scipy.sparse as sp

from core.postings import gather


def test_gather_equals_row_indexing():
    rng = np.random.default_rng(3)
    m = sp.random(40, 30, density=0.15, format="csr", random_state=4)
    m.data[m.indptr[5]:m.indptr[6]] = 0    # an empty row
    m.eliminate_zeros()
    assert m.indptr[5] == m.indptr[6]
    for rows in ([0], [5], [3, 5, 7], [39, 0, 12], rng.integers(0, 40, 15).tolist(), []):
        pos, n = gather(m.indptr, np.array(rows, dtype=np.int64))
        sub = m[rows] if rows else m[:0]
        np.testing.assert_array_equal(m.indices[pos], sub.indices)
        np.testing.assert_array_equal(m.data[pos], sub.data)
        np.testing.assert_array_equal(n, np.diff(sub.indptr))
    assert len(gather(m.indptr, np.array([5]))[0]) == 0
