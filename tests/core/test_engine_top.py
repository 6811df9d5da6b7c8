"""Engine.top (one query as arrays) ranks and scores exactly as the query-set path does, and
Engine.search is its arrays with ranks and ids, typed as a frame built from a list of ids."""
import numpy as np
import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine, QueryError
from core.store import load_queries

CONFIGS = ["word.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)", "4gram.sr+ocr+c.attr.bm25", "word.all.attr.bpx",
           "4gram.basic.noattr.lmdir(mu=100)", "word.sr+ocr+c.noattr.bm25f", "word~rm3.sr+ocr+c.noattr.bm25",
           "word+4gram.sr+ocr+c.noattr.bm25"]


def full_sort(s, m, k):
    docs = np.flatnonzero(m)
    return docs[np.lexsort((docs, -s[docs]))][:k]


@pytest.mark.parametrize("name", CONFIGS)
def test_top_equals_the_full_sort_of_the_query_set_scores(hard_db, name):
    engine = Engine.from_db(hard_db)
    cfg = Config.parse(name)
    queries = load_queries(hard_db)["query_text"].tolist() + ["zzzz unknown", "the and"]
    ranked = 0
    for query in queries:
        s, m = engine.scores(cfg, [query])
        for k in (1, 3, 10, 100):
            docs, scores = engine.top(cfg, query, k)
            want = full_sort(s[0], m[0], k)
            np.testing.assert_array_equal(docs, want)
            np.testing.assert_array_equal(scores, s[0][want])
            ranked += len(docs)
    assert ranked > 0


@pytest.mark.parametrize("name", CONFIGS[:3])
def test_search_is_top_with_ranks_and_ids(hard_db, name):
    engine = Engine.from_db(hard_db)
    cfg = Config.parse(name)
    ids = engine.corpus.docs["id"].tolist()
    for query in ["garlic pasta quick recipe", "the door", "zzzz unknown"]:
        for k in (1, 5, 100):
            docs, scores = engine.top(cfg, query, k)
            # the frame as pandas makes it from a list of ids (the id column's type included;
            # no ids at all: still a column of strings, where a list would make it float)
            want = pd.DataFrame({"rank": np.arange(1, len(docs) + 1), "doc": docs,
                                 "id": [ids[d] for d in docs], "score": scores})
            got = engine.search(cfg, query, k)
            pd.testing.assert_frame_equal(got, want, check_dtype=len(docs) > 0)
            assert got["id"].dtype == engine.search(cfg, "the door", 1)["id"].dtype
    assert len(engine.search(cfg, "the door", 100)) > 1


def test_a_query_with_nothing_searchable_is_refused(tiny_db):
    engine = Engine.from_db(tiny_db)
    cfg = Config.parse(CONFIGS[0])
    with pytest.raises(QueryError, match="Nothing searchable"):
        engine.top(cfg, "!!! ???", 10)
    with pytest.raises(QueryError, match="a few words"):
        engine.top(cfg, "   ", 10)
    docs, scores = engine.top(cfg, "qqqq", 10)   # words, none in the corpus: no match
    assert len(docs) == len(scores) == 0


@pytest.mark.parametrize("attribution", [False, True])
def test_query_columns_equal_the_query_matrix(tiny_db, attribution):
    engine = Engine.from_db(tiny_db)
    for tokens in ("word", "4gram"):
        index = engine.index(tokens, {"sr", "ocr", "c"}, attribution)
        for query in ["garlic pasta", "the door at the top of the stairs", "zzzz", "corgi butt 🐶", "the the"]:
            want = index.to_columns(engine.source.query_matrix(tokens, [query])).indices
            terms = engine.source.query_terms(tokens, query)
            np.testing.assert_array_equal(index.query_columns(terms), want)
        assert len(index.query_columns(engine.source.query_terms(tokens, "garlic pasta"))) > 1
