"""pipeline.experiments and pipeline.reproduce: the grid on a tiny corpus, then the real study."""
import json

import pytest

from pipeline import experiments, import_study, reproduce
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
    assert "Ran 64 experiments" in capsys.readouterr().out


def test_grid_refuses_a_missing_corpus(tmp_path, capsys):
    assert experiments.main(["--db", str(tmp_path / "none.db"), "--results", str(tmp_path / "r.db")]) == 2
    assert "no corpus database" in capsys.readouterr().err


@pytest.fixture(scope="module")
def study_db(study_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("study") / "tiktoks.db"
    assert import_study.main([str(study_dir), "--db", str(db)]) == 0
    return db


@pytest.mark.slow
@pytest.mark.parametrize("mode, floor", [("study2022", 0.998), ("default", 0.95)])
def test_reproduces_the_2022_grid(study_dir, study_db, tmp_path, capsys, mode, floor):
    res = tmp_path / f"{mode}.db"
    assert experiments.main(["--db", str(study_db), "--results", str(res), "--mode", mode]) == 0
    assert count(res, "ranking_results") == 82560
    capsys.readouterr()
    assert reproduce.main(["--original", str(study_dir / "results.db"), "--results", str(res)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["pairs_x"] == 41280
    assert report["agreement_x"] >= floor
    assert report["agreement_c"] < 0.9  # the original's c half used wrong lengths
    assert report["best_config"] == "4gram.sr+ocr+c.noattr.bpx"
    assert report["best_success_at_1"] > 0.63
