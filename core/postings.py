"""Rows of a CSR matrix gathered with plain numpy (scipy's fancy row indexing builds a new
matrix, with its checks, for every query: most of a one-query search's time on a small index).

For rows r₁…rₘ the entries of row rᵢ are ``indptr[rᵢ] … indptr[rᵢ + 1] − 1``; their
positions, concatenated, are ``repeat(start − offset, n) + arange(Σn)`` with ``offset`` the
running total of the lengths before each row.
"""
from __future__ import annotations

import numpy as np


def gather(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the rows' entries in ``indices``/``data``, the number of entries per row)."""
    rows = np.asarray(rows, dtype=np.int64)
    starts, ends = indptr[rows], indptr[rows + 1]
    n = (ends - starts).astype(np.int64)
    total = int(n.sum())
    if not total:
        return np.zeros(0, dtype=np.int64), n
    return np.repeat(ends - n.cumsum(), n) + np.arange(total), n
