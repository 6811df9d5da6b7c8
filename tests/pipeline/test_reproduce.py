"""pipeline.reproduce: our results.db against an original in the 2022 study's schema, tie-aware
(an original rank agrees when it lies in our tie range, or both are missing); then the real study."""
import json
import shutil
import sqlite3

import pytest

from pipeline import experiments, import_study, reproduce
from tests.pipeline.conftest import sql


def study_schema_copy(results, path):
    """``results`` as the 2022 study wrote it: no configuration names, no tie ranges."""
    shutil.copyfile(results, path)
    with sqlite3.connect(path) as con:
        for table, column in (("indexes", "config"), ("experiments", "config"), ("experiments", "mode"),
                              ("ranking_results", "rank_lo"), ("ranking_results", "rank_hi")):
            con.execute(f"alter table {table} drop column {column}")
    return path


def experiment_id(results, config):
    return sql(results, "select experiment_id from experiments where config = ?", [config])[0][0]


@pytest.fixture
def original(tiny_results, tmp_path):
    return study_schema_copy(tiny_results, tmp_path / "original.db")


def test_the_same_grid_agrees_everywhere(original, tiny_results):
    m = reproduce.compare(original, tiny_results)
    assert len(m) == 384 * 6 and m["agrees"].all()
    assert m["config"].nunique() == 384 and set(m["normalizer"]) == {"x", "c"}


def test_a_rank_agrees_inside_our_tie_range_only(original, tiny_results):
    exp = experiment_id(tiny_results, "word.basic.noattr.bxx")
    ranges = {q: (lo, hi) for q, lo, hi in sql(
        tiny_results, "select query_id, rank_lo, rank_hi from ranking_results where experiment_id = ?", [exp])}
    missing = sql(tiny_results, "select x.config, r.experiment_id, r.query_id from ranking_results r "
                                "join experiments x using (experiment_id) where r.rank_lo is null")[0]
    with sqlite3.connect(original) as con:
        set_rank = "update ranking_results set target_rank = ? where experiment_id = ? and query_id = ?"
        con.execute(set_rank, [ranges[1][1] + 1, exp, 1])   # just below our range
        con.execute(set_rank, [ranges[2][1], exp, 2])       # the worst rank of our range
        con.execute(set_rank, [1, missing[1], missing[2]])   # ranked by the original, missing in ours
    m = reproduce.compare(original, tiny_results).set_index(["config", "query_id_u"])["agrees"]
    assert not m[("word.basic.noattr.bxx", 1)] and m[("word.basic.noattr.bxx", 2)]
    assert not m[(missing[0], missing[2])]
    assert (~m).sum() == 2


def test_the_report_and_the_headline_table(original, tiny_results, capsys):
    exp = experiment_id(tiny_results, "4gram.sr+ocr+c.noattr.bpx")
    with sqlite3.connect(original) as con:   # the original missed one target we rank
        con.execute("update ranking_results set target_rank = null where experiment_id = ? and query_id = 3", [exp])
    assert reproduce.main(["--original", str(original), "--results", str(tiny_results), "--headline"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Matched 2304 (experiment, query) pairs over 384 experiments."
    assert out[1] == "x-normalised half: 0.9991 of 1152 pairs agree (1 disagree)."
    assert out[3] == "Least-agreeing x-normalised experiments:"
    assert out[4].split() == ["4gram.sr+ocr+c.noattr.bpx", "0.833"] and out[14].startswith("| configuration |")   # 10 listed
    rows = {line.split("`")[1]: line for line in out if line.startswith("| `")}
    assert set(rows) == set(reproduce.HEADLINE) - {"5gram.sr+ocr+c.noattr.bpx"}   # no 5-grams in the tiny grid
    assert rows["4gram.sr+ocr+c.noattr.bpx"].endswith("| 1 / 0 | 0.833 |")
    report = json.loads(out[-1])
    assert (report["pairs"], report["pairs_x"], report["agreement_c"]) == (2304, 1152, 1.0)
    assert report["agreement_x"] == round(1151 / 1152, 5) and report["mode"] == "default"


def test_missing_or_foreign_databases_are_refused(original, tiny_db, tmp_path, capsys):
    assert reproduce.main(["--original", str(tmp_path / "none.db"), "--results", str(original)]) == 2
    assert "reproduce: no database at" in capsys.readouterr().err
    assert reproduce.main(["--original", str(original), "--results", str(tiny_db)]) == 2
    assert "has no indexes/experiments tables" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:   # --worst -1 listed all but one experiment
        reproduce.main(["--original", str(original), "--results", str(original), "--worst", "-1"])
    assert e.value.code == 2 and "'-1': must be a whole number of 0 or more" in capsys.readouterr().err


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
    assert sql(res, "select count(*) from ranking_results")[0][0] == 82560
    capsys.readouterr()
    assert reproduce.main(["--original", str(study_dir / "results.db"), "--results", str(res)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["pairs_x"] == 41280
    assert report["agreement_x"] >= floor
    assert report["agreement_c"] < 0.9  # the original's c half used wrong lengths
    assert report["best_config"] == "4gram.sr+ocr+c.noattr.bpx"
    assert report["best_success_at_1"] > 0.63
