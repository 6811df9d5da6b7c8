"""The tokenised-corpus cache on disk: same indexes as tokenising, hit across copies, missed
for changed text, safe against torn files and concurrent writers."""
import multiprocessing
import shutil

import numpy as np
import pandas as pd

from core.config import STUDY_BEST, Config
from core.engine import Engine, warm_index_cache
from core.index_cache import IndexCache
from core.store import load_corpus

CONFIGS = [STUDY_BEST, Config.parse("word.sr+ocr+c.attr.bm25(k1=0.9,b=0.4)"),
           Config.parse("3gram.c.noattr.bm25f")]
QUERIES = ["cat pushing glass", "garlic pasta", "corgi 🐶 beach", "zzz nothing"]


def scores(engine):
    return [engine.scores(c, QUERIES)[0] for c in CONFIGS]


def test_cached_engine_scores_exactly_as_one_that_tokenises(tiny_db, tmp_path):
    cache = IndexCache(tmp_path / "cache")
    plain = scores(Engine(load_corpus(tiny_db)))
    first = scores(Engine(load_corpus(tiny_db), index_cache=cache))        # tokenises, saves
    assert len(list(cache.dir.glob("*.npz"))) == 3                         # 4gram, word, 3gram
    second = Engine(load_corpus(tiny_db), index_cache=cache)
    again = scores(second)                                                  # reads the files
    assert not second.source._text, "a cache hit must not normalise any text"
    for a, b, c in zip(plain, first, again):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_a_copy_of_the_database_hits_and_changed_text_misses(tiny_db, tmp_path):
    cache = IndexCache(tmp_path / "cache")
    Engine(load_corpus(tiny_db), index_cache=cache).index("word", {"sr"}, False)
    copy = tmp_path / "elsewhere" / "tiktoks.db"
    copy.parent.mkdir()
    shutil.copy(tiny_db, copy)
    hit = Engine(load_corpus(copy), index_cache=cache)
    hit.index("word", {"sr"}, False)
    assert not hit.source._text and len(list(cache.dir.glob("*.npz"))) == 1

    corpus = load_corpus(copy)
    corpus.docs.loc[0, "comment_text"] = "a comment nobody wrote before"
    changed = Engine(corpus, index_cache=cache)
    changed.index("word", {"sr"}, False)
    assert changed.source._text, "changed text must be tokenised again"
    assert len(list(cache.dir.glob("*.npz"))) == 2


def test_a_torn_or_foreign_file_is_a_miss_and_is_replaced(tiny_db, tmp_path):
    cache = IndexCache(tmp_path / "cache")
    Engine(load_corpus(tiny_db), index_cache=cache).index("word", set(), False)
    (path,) = cache.dir.glob("*.npz")
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])                 # a run killed mid-write elsewhere
    engine = Engine(load_corpus(tiny_db), index_cache=cache)
    expected = Engine(load_corpus(tiny_db)).scores(CONFIGS[1], QUERIES)[0]
    np.testing.assert_array_equal(engine.scores(CONFIGS[1], QUERIES)[0], expected)
    assert path.read_bytes() == good
    assert not list(cache.dir.glob("*.tmp"))


def _fill(args):
    db, directory = args
    Engine(load_corpus(db), index_cache=IndexCache(directory)).index("4gram", {"sr", "ocr", "c"}, False)
    return True


def test_two_processes_filling_the_cache_at_once_leave_one_readable_file(tiny_db, tmp_path):
    directory = tmp_path / "cache"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.map(_fill, [(tiny_db, directory)] * 4) == [True] * 4
    (path,) = directory.glob("*.npz")
    engine = Engine(load_corpus(tiny_db), index_cache=IndexCache(directory))
    np.testing.assert_array_equal(engine.scores(STUDY_BEST, QUERIES)[0],
                                  Engine(load_corpus(tiny_db)).scores(STUDY_BEST, QUERIES)[0])
    assert not engine.source._text


def test_warming_fills_the_default_cache_for_the_first_search(tiny_db, index_cache):
    before = set(index_cache.glob("*.npz"))
    assert warm_index_cache(tiny_db) > 0
    assert len(set(index_cache.glob("*.npz")) - before) <= 1
    fresh = Engine.from_db(tiny_db)
    assert fresh.search(STUDY_BEST, "corgi running on beach")["id"].iloc[0] == "1009"
    assert not fresh.source._text


def test_an_unwritable_cache_directory_is_skipped(tiny_db, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    engine = Engine(load_corpus(tiny_db), index_cache=IndexCache(blocker / "cache"))
    expected = Engine(load_corpus(tiny_db)).scores(STUDY_BEST, QUERIES)[0]
    np.testing.assert_array_equal(engine.scores(STUDY_BEST, QUERIES)[0], expected)
    assert pd.api.types.is_float_dtype(expected)
