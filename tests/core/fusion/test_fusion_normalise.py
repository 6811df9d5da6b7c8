"""The normalisations the fusion schemes share, by hand: z over matched documents (or their
top k), z over all documents, scores over their maximum and min-max."""
import numpy as np

from core.fusion.normalise import max_norm, z_all, z_matched

SCORES = np.array([[3.0, 2.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0], [4.0, 4.0, 4.0, 4.0]])
MATCHED = np.array([[True, True, False, True], [False, False, False, False], [True, False, False, False]])
R2 = np.sqrt(2)


def test_z_over_matched_documents():
    # row 0: matched (3, 2, 2), mean 7/3, std √2/3; the unmatched doc takes the lowest z
    # row 1: nothing matched; row 2: one match, std 0: all 0
    np.testing.assert_allclose(z_matched(SCORES, MATCHED), [[R2, -1 / R2, -1 / R2, -1 / R2], [0] * 4, [0] * 4])


def test_z_over_the_top_k_matched():
    # the two best of row 0, (3, 2): mean 2.5, std 0.5
    np.testing.assert_allclose(z_matched(SCORES, MATCHED, top=2)[0], [1, -1, -1, -1])


def test_z_over_all_documents_counts_unmatched_as_zero():
    scores = np.array([[4.0, 7.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    matched = np.array([[True, False, False, False], [True, True, True, True]])
    r3 = np.sqrt(3)   # (4, 0, 0, 0): mean 1, std √3
    np.testing.assert_allclose(z_all(scores, matched), [[r3, -1 / r3, -1 / r3, -1 / r3], [0] * 4])


def test_scores_over_their_maximum_and_min_max():
    scores = np.array([[4.0, 2.0, 9.0, 1.0], [5.0, 5.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    matched = np.array([[True, True, False, True], [True, True, False, False], [False] * 4])
    np.testing.assert_allclose(max_norm(scores, matched, minmax=False), [[1, 0.5, 0, 0.25], [1, 1, 0, 0], [0] * 4])
    # min-max: (s − 1) / 3 in row 0; equal scores (no span) count 1
    np.testing.assert_allclose(max_norm(scores, matched, minmax=True), [[1, 1 / 3, 0, 0], [1, 1, 0, 0], [0] * 4])
