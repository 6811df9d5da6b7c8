"""TREC runs and qrels: scored from the written files alone, they give the project's figures."""
import importlib.util
import json
from collections import defaultdict

import pandas as pd
import pytest

from core.config import Config
from core.engine import Engine
from core.evaluation import per_query
from core.store import load_queries
from core.trec import qrels_lines, run_lines
from pipeline import evaluate

CONFIG = "word.all.noattr.bm25(k1=1.2,b=0.75)"


def read_run(path):
    """query id -> doc ids ordered as trec_eval orders them: score descending, then doc id
    descending (trec_eval's tie-break), ignoring the written rank."""
    rows = defaultdict(list)
    for line in path.read_text().splitlines():
        qid, q0, doc, rank, score, tag = line.split()
        assert q0 == "Q0" and tag
        rows[qid].append((float(score), doc))
    return {q: [d for _, d in sorted(r, key=lambda x: (x[0], x[1]), reverse=True)] for q, r in rows.items()}


def read_qrels(path):
    out = {}
    for line in path.read_text().splitlines():
        qid, _, doc, rel = line.split()
        assert rel == "1"
        out[qid] = doc
    return out


def independent_figures(run, qrels):
    """Success@1 and MRR from the files (a target absent from the run scores 0)."""
    rr = []
    for qid, target in qrels.items():
        docs = run.get(qid, [])
        rr.append(1 / (docs.index(target) + 1) if target in docs else 0.0)
    return sum(r == 1 for r in rr) / len(rr), sum(rr) / len(rr)


def test_run_lines_rank_matched_documents_best_first(tiny_db):
    engine = Engine.from_db(tiny_db)
    queries = load_queries(tiny_db)
    lines = run_lines(engine, Config.parse(CONFIG), queries, depth=3, tag="my run")
    first = [line.split() for line in lines if line.startswith("1 ")]
    assert [f[3] for f in first] == ["1", "2", "3"][:len(first)] and first[0][5] == "myrun"
    assert [float(f[4]) for f in first] == sorted((float(f[4]) for f in first), reverse=True)
    assert qrels_lines(queries)[0] == f"1 0 {queries['target_id'][0]} 1"


def test_a_written_run_scores_as_the_project_does(tiny_db, tmp_path, capsys):
    queries = load_queries(tiny_db)
    extra = {"query_id": 7, "query_text": "maria crispy potatoes", "target_id": "1001"}   # ranked 2nd
    queries = pd.concat([queries, pd.DataFrame([extra])], ignore_index=True)
    pq = per_query(Engine.from_db(tiny_db), Config.parse(CONFIG), queries)
    assert (pq["rank_lo"].fillna(0) == pq["rank_hi"].fillna(0)).all()   # no ties at a target here
    qfile, run, qrels = tmp_path / "q.json", tmp_path / "run.txt", tmp_path / "qrels.txt"
    qfile.write_text(json.dumps([{"text": t, "target": d} for t, d in
                                 zip(queries["query_text"], queries["target_id"])]))
    assert evaluate.main(["--db", str(tiny_db), "--queries", str(qfile), "--config", CONFIG,
                          "--run-out", str(run), "--qrels-out", str(qrels)]) == 0
    project = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    s1, mrr = independent_figures(read_run(run), read_qrels(qrels))
    assert (s1, mrr) == pytest.approx((project["success_at_1"], project["mrr"]), abs=1e-6)
    assert 0 < project["mrr"] < 1
    if importlib.util.find_spec("ranx"):       # the library, when installed
        from ranx import Qrels, Run, evaluate as ranx_evaluate
        scores = ranx_evaluate(Qrels.from_file(str(qrels), kind="trec"), Run.from_file(str(run), kind="trec"),
                               ["mrr"])
        assert scores == pytest.approx(project["mrr"], abs=1e-6)
