"""The synthetic scale corpus: deterministic, readable by the corpus loader, with queries
whose targets exist and can be found, and with the 2022 corpus's field statistics."""
import json
import sqlite3

import numpy as np
import pytest

from core.config import Config
from core.engine import Engine
from core.store import load_corpus, load_queries
from pipeline.demo import scale


def rows(path):
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("select * from tiktoks order by id").fetchall(),
                conn.execute("select * from comments order by video_id, position").fetchall())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    assert scale.main(["--docs", "2500", "--out", str(out), "--queries", "60"]) == 0
    return out


def test_same_seed_same_corpus_other_seed_other(corpus, tmp_path):
    scale.generate(tmp_path / "a", 2500, n_queries=60)
    assert rows(tmp_path / "a" / "tiktoks.db") == rows(corpus / "tiktoks.db")
    assert (tmp_path / "a" / "queries.json").read_text() == (corpus / "queries.json").read_text()
    scale.generate(tmp_path / "b", 2500, seed=1, n_queries=60)
    assert rows(tmp_path / "b" / "tiktoks.db")[0] != rows(corpus / "tiktoks.db")[0]


def test_loads_as_a_corpus_with_queries_whose_targets_exist(corpus):
    c = load_corpus(corpus / "tiktoks.db")
    assert len(c) == 2500 and c.mode == "default"
    queries = json.loads((corpus / "queries.json").read_text())
    assert len(queries) == 60 and {q["target"] for q in queries} <= set(c.ids)
    assert set(load_queries(corpus / "tiktoks.db")["target_id"]) == {q["target"] for q in queries}
    assert all(2 <= len(q["text"].split()) <= 6 for q in queries)


def test_field_statistics_resemble_the_2022_corpus(corpus):
    docs = load_corpus(corpus / "tiktoks.db").docs
    words = {f: docs[f].fillna("").str.split().str.len() for f in ("description", "coverphoto_ocr", "speech_to_text")}
    assert 9 <= words["description"].median() <= 13
    assert abs((words["coverphoto_ocr"] == 0).mean() - 0.43) < 0.05
    assert abs((words["speech_to_text"] == 0).mean() - 0.67) < 0.05
    assert abs((docs["comment_count_n"] == 20).mean() - 0.75) < 0.06
    text = " ".join(docs["description"].fillna(""))
    assert text.count("#") > len(docs) and any(e in text for e in scale.EMOJI)
    # Zipfian: the most frequent word is far more frequent than the hundredth
    counts = np.sort(np.unique(text.split(), return_counts=True)[1])[::-1]
    assert counts[0] > 20 * counts[99]


def test_known_item_queries_find_their_targets_mostly(corpus):
    engine = Engine.from_db(corpus / "tiktoks.db")
    ranks = engine.rank_queries(Config.parse("word.sr+ocr+c.noattr.bm25(k1=0.9,b=0.4)"),
                                load_queries(corpus / "tiktoks.db"))["target_rank"]
    mrr = (1 / ranks).fillna(0).mean()
    assert 0.3 < mrr < 0.98   # findable, not trivially


def test_bad_options_are_one_message(tmp_path, capsys):
    """--out naming a file ended in FileExistsError; --queries -3 in a numpy message; --docs 0
    is refused as before."""
    (tmp_path / "existing.db").write_text("x")
    for bad, says in ((["--out", str(tmp_path / "existing.db")], "is a file: give a directory"),
                      (["--out", str(tmp_path / "d"), "--queries", "-3"], "'-3': must be a whole number"),
                      (["--out", str(tmp_path / "d"), "--docs", "0"], "'0': must be a whole number of 1")):
        with pytest.raises(SystemExit) as e:
            scale.main(["--docs", "5", *bad])
        assert e.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path / "d").exists() and (tmp_path / "existing.db").read_text() == "x"
