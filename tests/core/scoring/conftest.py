"""A scheme's scores on a corpus small enough to check by hand."""
import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.store import Corpus


def engine_of(descriptions) -> Engine:
    """An Engine over documents "0", "1", … with these descriptions (no other field)."""
    return Engine(Corpus(pd.DataFrame({"id": [str(i) for i in range(len(descriptions))],
                                       "description": descriptions})))


@pytest.fixture
def scores():
    """``scores(descriptions, weighting, query)``: one query's word scores, NaN where unmatched."""
    def run(descriptions, weighting: str, query: str) -> np.ndarray:
        s, m = engine_of(descriptions).scores(Config.parse(f"word.basic.noattr.{weighting}"), [query])
        return np.where(m[0], s[0], np.nan)
    return run


@pytest.fixture
def engine():
    """``engine(descriptions)``: an Engine over documents with these descriptions."""
    return engine_of
