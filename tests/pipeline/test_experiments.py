"""pipeline.experiments: the grid on a tiny corpus, configurations and families joining it
(reproducing the real study: test_reproduce.py)."""
from pipeline import experiments
from tests.pipeline.conftest import sql


def count(db, table):
    return sql(db, f"select count(*) from {table}")[0][0]


def test_grid_on_tiny_corpus_writes_the_study_schema(tiny_db, tmp_path, capsys):
    res = tmp_path / "r.db"
    assert experiments.main(["--db", str(tiny_db), "--results", str(res), "--tokens", "word",
                             "--tokens", "4gram", "--weighting", "bpx",
                             "--weighting", "bm25(k1=0.9,b=0.4)"]) == 0
    assert count(res, "indexes") == 32 and count(res, "experiments") == 64
    assert count(res, "ranking_results") == 64 * 6
    cfgs = {r[0] for r in sql(res, "select config from experiments")}
    lo_hi = sql(res, "select min(rank_hi - rank_lo) from ranking_results")[0][0]
    assert "4gram.sr+ocr+c.noattr.bpx" in cfgs and "word.basic.attr.bm25(b=0.4,k1=0.9)" in cfgs
    assert lo_hi == 0
    assert "Ran 64 experiments (32 indexes × 2 weightings) on" in capsys.readouterr().out


def test_grid_refuses_a_missing_corpus(tmp_path, capsys):
    assert experiments.main(["--db", str(tmp_path / "none.db"), "--results", str(tmp_path / "r.db")]) == 2
    assert "no corpus database" in capsys.readouterr().err


def test_configs_and_families_join_the_grid(tiny_db, tmp_path, capsys):
    from core.config import Config
    from core.engine import Engine
    from core.families import families
    from core.store import load_queries

    res = tmp_path / "r.db"
    fused = "word+4gram.sr+ocr+c.noattr.bm25.zsum(word=0.5)"
    bm25f = "4gram.sr+ocr+c.noattr.bm25f(b=0.4,k1=0.9,ocr=0)"
    assert experiments.main(["--db", str(tiny_db), "--results", str(res), "--tokens", "4gram",
                             "--weighting", "bpx", "--config", fused, "--config", bm25f,
                             "--config", "4gram.sr+ocr+c.noattr.bpx",   # already in the grid: once
                             "--family", "BM25 words"]) == 0
    n_family = len(next(f for f in families() if f.name == "BM25 words").candidates)
    assert count(res, "experiments") == 16 + 2 + n_family
    assert sql(res, "select count(*) from experiments where config = '4gram.sr+ocr+c.noattr.bpx'")[0][0] == 1
    # the bm25f config shares the 4-gram index of the grid; the fused one has its own index row
    idx = dict(sql(res, "select config, count(*) from indexes group by config"))
    assert idx["4gram.sr+ocr+c.noattr"] == 1 and idx["word+4gram.sr+ocr+c.noattr"] == 1
    assert count(res, "indexes") == 16 + 1 + 1   # + the fused index, + the family's one word index
    # ranks as the engine gives them
    e, q = Engine.from_db(tiny_db), load_queries(tiny_db)
    for cfg in (fused, bm25f):
        want = e.rank_queries(Config.parse(cfg), q)
        got = sql(res, "select r.query_id, r.rank_lo, r.rank_hi from ranking_results r join experiments x "
                       "using (experiment_id) where x.config = ? order by r.query_id", [cfg])
        assert [(a, b) for _, a, b in got] == [(None if lo != lo else lo, None if hi != hi else hi)
                                                for lo, hi in zip(want["rank_lo"], want["rank_hi"])]
    assert f"(16 indexes × 1 weightings and {2 + n_family} more configurations)" in capsys.readouterr().out
    # the study grid left out: the summary names only what ran
    assert experiments.main(["--db", str(tiny_db), "--results", str(tmp_path / "r2.db"),
                             "--tokens", "none", "--config", fused]) == 0
    assert "Ran 1 experiment (1 configuration) on" in capsys.readouterr().out


def test_family_list_and_bad_names(tiny_db, tmp_path, capsys):
    assert experiments.main(["--family", "list"]) == 0
    assert "BM25 words" in capsys.readouterr().out
    assert experiments.main(["--db", str(tiny_db), "--results", str(tmp_path / "r.db"), "--family", "nope"]) == 2
    assert "unknown family 'nope'" in capsys.readouterr().err
    assert experiments.main(["--db", str(tiny_db), "--results", str(tmp_path / "r.db"),
                             "--config", "4gram.all.noattr.zzz"]) == 2
    assert experiments.main(["--db", str(tiny_db), "--results", str(tmp_path / "r.db"), "--tokens", "none"]) == 2
    assert "nothing to run" in capsys.readouterr().err
    assert not (tmp_path / "r.db").exists()


def test_results_over_the_corpus_is_refused_before_the_grid(tiny_db, tmp_path, capsys):
    """--results naming the corpus replaced it with a results database, after the whole grid."""
    import shutil

    corpus = tmp_path / "copy.db"
    shutil.copy(tiny_db, corpus)
    before = corpus.read_bytes()
    assert experiments.main(["--db", str(corpus), "--results", str(corpus), "--tokens", "word",
                             "--weighting", "bpx"]) == 2
    err = capsys.readouterr().err
    assert "is a corpus database, not a results database: refusing" in err and "Ran" not in err
    assert corpus.read_bytes() == before


def test_a_model_that_is_not_installed_is_said_before_the_grid(tiny_db, tmp_path, capsys, monkeypatch):
    """A --config with the fine-tuned model and none trained ran the whole grid, then threw it
    away with "no fine-tuned model"."""
    from core.dense import models

    monkeypatch.setenv("TRL_MODELS", str(tmp_path / "models"))
    models._installed.cache_clear()
    try:
        assert experiments.main(["--db", str(tiny_db), "--results", str(tmp_path / "r.db"), "--tokens", "word",
                                 "--config", "4gram+dense~tuned.all.noattr.bm25.zsum"]) == 2
    finally:
        models._installed.cache_clear()
    err = capsys.readouterr().err
    assert "need model(s) tuned, not installed (train it with 'python -m pipeline.finetune --db DB')" in err
    assert not (tmp_path / "r.db").exists()
