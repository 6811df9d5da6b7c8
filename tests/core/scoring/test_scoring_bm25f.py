"""BM25F against scores computed by hand, and its place in the Config grammar."""
import math

import numpy as np
import pandas as pd

from core.scoring.bm25f import check_params
from core.config import Config
from core.engine import Engine
from core.store import Corpus

# two fields that matter here: description and OCR (others empty)
DESC = ["apple pie", "apple", "banana split", "cherry"]
OCR = ["", "apple apple apple", "", "apple"]


def engine():
    df = pd.DataFrame({"id": [str(i) for i in range(4)], "description": DESC, "coverphoto_ocr": OCR})
    return Engine(Corpus(df))


def bm25f(query, **params):
    cfg = Config.parse(f"word.ocr.noattr.bm25f({','.join(f'{k}={v}' for k, v in params.items())})")
    s, m = engine().scores(cfg, [query])
    return np.where(m[0], s[0], np.nan)


def by_hand(k1, b_desc, b_ocr, w_desc, w_ocr):
    # 'apple': desc tf (1, 1, 0, 0), desc lengths (2, 1, 2, 1), avg 1.5;
    #          ocr tf (0, 3, 0, 1), ocr lengths (0, 3, 0, 1), avg 1
    n, df = 4, 3  # docs 0, 1, 3 contain apple in some field
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    out = []
    for tf_d, dl_d, tf_o, dl_o in [(1, 2, 0, 0), (1, 1, 3, 3), (0, 2, 0, 0), (0, 1, 1, 1)]:
        t = (w_desc * tf_d / (1 - b_desc + b_desc * dl_d / 1.5)
             + w_ocr * tf_o / (1 - b_ocr + b_ocr * dl_o / 1.0))
        out.append(idf * t * (k1 + 1) / (t + k1) if t else np.nan)
    return np.array(out)


def test_bm25f_by_hand_default_weights():
    np.testing.assert_allclose(bm25f("apple", k1=1.2, b=0.75), by_hand(1.2, 0.75, 0.75, 1, 1), rtol=1e-12)


def test_bm25f_field_weights_and_per_field_b_change_the_ranking():
    got = bm25f("apple", k1=1.2, b=0.75, desc=3, ocr=0.5, b_ocr=0)
    np.testing.assert_allclose(got, by_hand(1.2, 0.75, 0.0, 3, 0.5), rtol=1e-12)
    # description-heavy weights put doc 0 (apple in its description) above doc 3 (apple in OCR)
    assert got[0] > got[3]
    assert bm25f("apple", ocr=3, desc=0.2)[3] > bm25f("apple", ocr=3, desc=0.2)[0]


def test_zero_weight_leaves_a_field_out_and_enrichment_decides_fields():
    got = bm25f("apple", desc=0)
    assert np.isnan(got[0]) and got[1] > got[3] > 0   # doc 0 has apple only in its description
    s, m = engine().scores(Config.parse("word.basic.noattr.bm25f(k1=1.2)"), ["apple"])
    assert s[0, 3] == 0 and not m[0, 3]  # OCR not indexed with 'basic' enrichment


def test_bm25f_single_field_equals_bm25():
    df = pd.DataFrame({"id": ["a", "b", "c"], "description": ["x y x", "y", "z x"]})
    e = Engine(Corpus(df))
    s1, _ = e.scores(Config.parse("word.basic.noattr.bm25f(k1=1.2,b=0.75)"), ["x y"])
    s2, _ = e.scores(Config.parse("word.basic.noattr.bm25(k1=1.2,b=0.75)"), ["x y"])
    np.testing.assert_allclose(s1, s2, rtol=1e-12)


def test_round_trip_and_defaults():
    c = Config.parse("4gram.all.noattr.bm25f(k1=0.9,c=0.5,b_c=0.9)")
    assert str(c) == "4gram.sr+ocr+c.noattr.bm25f(b_c=0.9,c=0.5,k1=0.9)"
    p = check_params(c.weighting.kwargs)
    assert p["b"] == 0.75 and p["b_c"] == 0.9 and p["b_sr"] == 0.75 and p["desc"] == 1


def test_tiny_db_ranking(tiny_db):
    e = Engine.from_db(tiny_db)
    r = e.search(Config.parse("word.all.noattr.bm25f(k1=1.2,b=0.75,desc=2)"), "garlic pasta")
    assert r["id"].iloc[0] == "1001"
