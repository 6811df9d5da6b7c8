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


@pytest.mark.parametrize("attribution", [False, True])
def test_query_columns_equal_the_column_slice(tiny_db, attribution):
    """Index.to_columns gives q[:, columns] (with attribution a term has a column per block)."""
    engine = Engine.from_db(tiny_db)
    index = engine.index("4gram", {"sr", "ocr", "c"}, attribution)
    queries = ["garlic pasta", "the door at the top of the stairs", "zzzz", "corgi butt 🐶"]
    q = engine.source.query_matrix("4gram", queries)
    want = q[:, index.columns].toarray()
    np.testing.assert_array_equal(index.to_columns(q).toarray(), want)
    assert want.sum() > 0 and (not attribution or (want.sum(axis=1) > (q.toarray() > 0).sum(axis=1)).any())


def test_bm25_query_terms_equal_the_full_weight_matrix(tiny_db):
    engine = Engine.from_db(tiny_db)
    cfg = Config.parse("word.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)")
    index = engine.index("word", {"sr", "ocr", "c"}, False)
    queries = ["garlic pasta quick recipe", "the door", "cats knock glass"]
    s, _ = engine.scores(cfg, queries)
    from core.weighting import bm25_matrix
    full = bm25_matrix(index.counts, k1=0.9, b=0.4)
    np.testing.assert_allclose(s, (index.query_matrix(queries) @ full.T).toarray(), rtol=1e-12)


@pytest.mark.parametrize("name", ["word.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)", "4gram.sr+ocr+c.attr.bm25",
                                  "word~rm3.sr+ocr+c.noattr.bm25", "4gram.basic.noattr.bpx"])
def test_one_query_scores_and_matches_equal_the_query_set_path(tiny_db, name):
    """A search (one query, scored from its postings) agrees with the query-set product."""
    engine = Engine.from_db(tiny_db)
    cfg = Config.parse(name)
    queries = ["garlic pasta quick recipe", "the door", "cats knock glass", "zzz"]
    s, m = engine.scores(cfg, queries)
    for i, q in enumerate(queries):
        s1, m1 = engine.scores(cfg, [q])
        np.testing.assert_allclose(s1[0], s[i], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(m1[0], m[i])
    assert m[:3].any(axis=1).all() and not m[3].any()
