"""SMART as a scheme: it answers every three-letter name, checks the letters, takes no
parameters, and explains its scores (each letter's formula: tests/core/test_weighting.py)."""
import numpy as np
import pytest

from core.config import Config
from core.scheme import Spec
from core.scoring import REGISTRY
from core.scoring.smart import SCHEME
from core.weighting import SMART

DOCS = ["apple banana apple", "banana cherry banana banana", "cherry", "durian apple", "elder"]


def test_every_smart_weighting_is_this_scheme():
    assert len(SMART) == 12 and SMART[:3] == ["bxx", "txx", "bfx"]
    for letters in SMART:
        assert REGISTRY.get(letters) is SCHEME
        SCHEME.check(Spec(letters))
    assert SCHEME.owns("abc") and not SCHEME.owns("bm25") and SCHEME.params == ()


def test_smart_letters_and_parameters_validated(scores):
    with pytest.raises(ValueError, match="unknown SMART"):
        scores(DOCS, "bqx", "apple")
    with pytest.raises(ValueError, match=r"unknown SMART weighting 'bpz': letters are \{b,t\}\{x,f,p\}\{x,c\}"):
        scores(DOCS, "bpz", "apple")
    with pytest.raises(ValueError, match="SMART weighting bpx takes no parameters"):
        scores(DOCS, "bpx(k=1)", "apple")


@pytest.mark.parametrize("letters", ["txx", "bpx", "tfc", "bpc"])
def test_a_score_is_the_sum_of_its_terms_contributions(engine, letters):
    e, cfg = engine(DOCS), Config.parse(f"word.basic.noattr.{letters}")
    s, m = e.scores(cfg, ["apple banana"])
    for doc in np.flatnonzero(m[0]):
        parts = e.explain(cfg, "apple banana", int(doc))
        assert parts["contribution"].sum() == pytest.approx(s[0, doc], rel=1e-12)
        assert set(parts["term"]) <= {"apple", "banana"}
