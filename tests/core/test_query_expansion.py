"""Query options: RM3 pseudo-relevance feedback (``~rm3``) by hand on the tiny corpus."""
import pytest

from core.config import Config
from core.engine import Engine
from core.query_expansion import RM3_TERMS, rm3
from core.scheme import Spec

BM25 = "bm25(k1=1.2,b=0.75)"


def test_rm3_query_vector_and_ranking(tiny_db):
    e = Engine.from_db(tiny_db)
    idx = e.index("word", frozenset({"sr", "ocr", "c"}), False)
    q = rm3(idx, Spec.parse(BM25), idx.query_matrix(["garlic"]))
    got = {idx.term(c): q[0, c] for c in q.nonzero()[1]}
    # only 1001 matches 'garlic': its 32 word tokens, garlic 3, pasta 3, maria 2, the rest 1;
    # the 10 heaviest (ties in column order) sum to 15/32, so garlic = 1 + 3/15
    assert len(got) == RM3_TERMS
    want = {"garlic": 1.2, "pasta": 0.2, "maria": 2 / 15}
    want.update({t: 1 / 15 for t in ("@chefmaria", "cooks", "5", "minute", "spaghetti", "#cooking", "#pasta")})
    assert got == pytest.approx(want)
    # plain: only the garlic video; with feedback Maria's other video (maria, cooks, #cooking,
    # @chefmaria) comes second, then 1002 (its OCR has '5')
    assert e.search(Config.parse(f"word.all.noattr.{BM25}"), "garlic")["id"].tolist() == ["1001"]
    assert e.search(Config.parse(f"word~rm3.all.noattr.{BM25}"), "garlic")["id"].tolist() == ["1001", "1007", "1002"]
    assert e.search(Config.parse(f"4gram~rm3.all.noattr.{BM25}"), "garlic")["id"].tolist()[:2] == ["1001", "1007"]
    # a query that matches nothing is left as it is
    assert e.scores(Config.parse(f"word~rm3.all.noattr.{BM25}"), ["zzzz"])[1].sum() == 0
