"""ComponentCache: the same scores as the Engine, each shared component computed once."""
import numpy as np

from core.component_cache import ComponentCache
from core.config import Config
from core.crossval import ScoreTable
from core.engine import Engine
from core.evaluation import per_query
from core.store import load_queries

BASE = "word+4gram.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)"
CONFIGS = [f"{BASE}.{fusion}" for fusion in
           ("zsum", "zsum(word=0.5)", "zsum(4gram=2)", "zall(word=0.3)", "msum(word=2)", "mnz",
            "rrf(k=60)", "rrf(k=10,word=2)", "ztop(k=5,word=0.5)")] + [
    "word+4gram.sr+ocr+c.noattr.bm25(k1=1.6,b=0.75).zsum(word=0.5)", "4gram.sr+ocr.noattr.bm25",
    "word+4gram.sr+ocr+c.attr.bpx.zsum(word=0.5)"]


class Counting(Engine):
    """The real Engine, counting the components it scores."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.calls = []

    def component_scores(self, config, comp, queries):
        self.calls.append((str(comp), str(config.weighting), config.attribution, tuple(sorted(config.enrichment))))
        return super().component_scores(config, comp, queries)


def test_scores_equal_the_engines_bit_for_bit_and_each_component_is_scored_once(hard_db):
    plain, counting = Engine.from_db(hard_db), Counting.from_db(hard_db)
    cached = ComponentCache(counting, max_items=32)
    texts = load_queries(hard_db)["query_text"].tolist()
    for text in CONFIGS:
        config = Config.parse(text)
        s, m = plain.scores(config, texts)
        cs, cm = cached.scores(config, texts)
        np.testing.assert_array_equal(cs, s)
        np.testing.assert_array_equal(cm, m)
    assert len(counting.calls) == len(set(counting.calls)) == 7   # the configurations' distinct components
    cached.scores(Config.parse(CONFIGS[0]), texts[:3])             # other queries: scored anew
    assert len(counting.calls) == 9


def test_a_score_table_reuses_components_and_forgets_the_oldest(hard_db):
    counting = Counting.from_db(hard_db)
    table = ScoreTable(counting, load_queries(hard_db))
    for text in CONFIGS[:6]:
        table.rows(text)
    assert len(counting.calls) == 2
    assert table.rows(CONFIGS[1]).equals(per_query(Engine.from_db(hard_db), Config.parse(CONFIGS[1]),
                                                   load_queries(hard_db)).set_index("query_id", drop=False))
    small = ComponentCache(counting, max_items=1)
    texts = load_queries(hard_db)["query_text"].tolist()
    small.scores(Config.parse(CONFIGS[0]), texts)
    small.scores(Config.parse(CONFIGS[1]), texts)   # room for one: 4-gram pushed word out, and back
    assert len(counting.calls) == 2 + 2 + 2


def test_passes_the_engine_through_and_copies(hard_db):
    import copy
    import pickle
    engine = Engine.from_db(hard_db)
    cached = ComponentCache(engine)
    assert cached.n_docs == engine.n_docs and cached.corpus is engine.corpus
    assert copy.copy(cached).engine is engine
    assert pickle.loads(pickle.dumps(ComponentCache(None))).engine is None   # no recursion
