"""Top-k by argpartition gives exactly the full sort's order (score desc, then doc asc),
ties at the k-th place included, and Engine.search returns that order with the right ids."""
import numpy as np
import pytest

from core.config import Config
from core.engine import Engine
from core.topk import top_k


def full_sort(s, m, k):
    docs = np.flatnonzero(m)
    return docs[np.lexsort((docs, -s[docs]))][:k]


@pytest.mark.parametrize("seed", range(5))
def test_many_ties_random(seed):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 4, size=300).astype(float)   # four distinct scores: ties everywhere
    m = rng.random(300) < 0.7
    for k in (0, 1, 2, 7, 50, 150, 209, 300, 1000):
        np.testing.assert_array_equal(top_k(s, np.flatnonzero(m), k), full_sort(s, m, k))


@pytest.mark.parametrize("weighting", ["bxx", "bm25(k1=0.9,b=0.4)"])
@pytest.mark.parametrize("tokens", ["word", "4gram"])
def test_engine_search_matches_full_sort_on_a_real_corpus(tiny_db, tokens, weighting):
    engine = Engine.from_db(tiny_db)
    cfg = Config.parse(f"{tokens}.sr+ocr+c.noattr.{weighting}")
    # binary weights: the score counts shared terms, so many documents tie
    for query in ["the door", "original sound maria", "cats", "garlic pasta stairs the"]:
        s, m = engine.scores(cfg, [query])
        for k in (1, 2, 3, 5, 10, 20):
            want = full_sort(s[0], m[0], k)
            got = engine.search(cfg, query, k)
            assert got["doc"].tolist() == want.tolist()
            assert got["id"].tolist() == [engine.corpus.ids[d] for d in want]
            assert got["rank"].tolist() == list(range(1, len(want) + 1))
    ties = engine.scores(Config.parse(f"{tokens}.sr+ocr+c.noattr.bxx"), ["the door"])[0][0]
    assert len(ties[ties > 0]) > len(set(ties[ties > 0]))   # the corpus does have ties
