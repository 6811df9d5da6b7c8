"""core/postings.gather equals scipy's row selection, repeated and empty rows included."""
import numpy as np
import scipy.sparse as sp

from core.postings import gather


def test_gather_equals_scipy_row_selection():
    rng = np.random.default_rng(0)
    m = sp.random(30, 50, density=0.1, format="csr", random_state=rng)
    keep = np.ones(30)
    keep[7] = 0                                 # an empty row
    m = (sp.diags(keep) @ m).tocsr()
    m.eliminate_zeros()
    m.data[:] = np.arange(1, m.nnz + 1)
    for rows in ([3, 0, 29], [5, 5], [], [7, 2, 7]):
        pos, n = gather(m.indptr, np.array(rows, dtype=np.int64))
        sub = m[rows] if rows else m[:0]
        assert n.tolist() == np.diff(sub.indptr).tolist()
        assert m.indices[pos].tolist() == sub.indices.tolist()
        assert m.data[pos].tolist() == sub.data.tolist()
