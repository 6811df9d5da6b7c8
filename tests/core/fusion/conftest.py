"""Two components' (scores, matched) for one query over four documents: what each fusion
scheme's test fuses by hand."""
import numpy as np
import pytest

S1 = np.array([[3.0, 2.0, 0.0, 2.0]])
M1 = np.array([[True, True, False, True]])
S2 = np.array([[0.0, 1.0, 5.0, 0.0]])
M2 = np.array([[False, True, True, False]])


@pytest.fixture
def parts():
    """[(scores, matched) of component a, of component b]."""
    return [(S1.copy(), M1.copy()), (S2.copy(), M2.copy())]
