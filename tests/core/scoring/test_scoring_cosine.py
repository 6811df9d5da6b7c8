"""``cos``: the weighting of dense-only configurations; it scores no lexical index."""
import pytest

from core.config import Config
from core.scheme import Spec
from core.scoring.cosine import SCHEME


def test_cos_is_for_dense_components_only():
    assert (SCHEME.name, SCHEME.lexical, SCHEME.params) == ("cos", False, ())
    assert str(Config.parse("dense~ocr~sr.all.noattr.cos")) == "dense~ocr~sr.sr+ocr+c.noattr.cos"
    with pytest.raises(ValueError, match="'cos' is for dense-only configurations"):
        Config.parse("word+dense.all.noattr.cos")
    with pytest.raises(ValueError, match=r"unknown cos parameter\(s\) \['k'\]; known: none"):
        Config.parse("dense.all.noattr.cos(k=1)")


def test_a_lexical_index_cannot_be_scored_by_cos(engine):
    e = engine(["apple pie"])
    index = e.index("word", frozenset(), False)
    with pytest.raises(ValueError, match="lexical components need e.g. bm25"):
        SCHEME.score(index, Spec("cos"), index.query_matrix(["apple"]))
