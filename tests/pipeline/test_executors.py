"""Per-item stages on a local Ray (--executor ray): the same rows as the process pool, rows
written by the driver so a rerun resumes, and a worker killed mid-item retried by Ray.
Skipped only when Ray is not installed (requirements-scale.txt)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import sqlite_utils

from pipeline import ocr
from pipeline.executors import executor_type, ray_results
from pipeline.items import open_db, run_items
from tests.pipeline.conftest import render_caption, rows
from tests.pipeline.test_ocr import add_downloads

ray = pytest.importorskip("ray", reason="Ray not installed (pip install -r requirements-scale.txt)")

CAPTIONS = {"31": "easy pasta recipe", "32": "Day 3 of learning\nto skateboard"}


def run(db, media, *extra):
    return ocr.main(["--pipeline-db", str(db), "--media", str(media), "--no-progress", *extra])


def without_timing(table):
    return {i: {k: v for k, v in r.items() if k != "seconds"} for i, r in table.items()}


@pytest.fixture(scope="module")
def covers(tmp_path_factory, font_path):
    media = tmp_path_factory.mktemp("ray") / "media"
    (media / "covers").mkdir(parents=True)
    for i, cap in CAPTIONS.items():
        render_caption(media / "covers" / f"{i}.jpg", cap, font_path, size=(540, 960), font_size=34)
    (media / "covers" / "33.jpg").write_bytes(b"not an image")
    return media


def test_ocr_on_ray_equals_the_process_pool_and_resumes(tmp_path, covers, capsys):
    pool_db, ray_db = tmp_path / "pool.db", tmp_path / "ray.db"
    for db in (pool_db, ray_db):
        add_downloads(db, ["31", "32", "33"], covers)
    assert run(pool_db, covers, "--workers", "2") == 0
    assert run(ray_db, covers, "--workers", "1", "--executor", "ray") == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert "ocr: 3 pending" in out and "2 done, 1 failed" in out and "on 1 worker(s)" in out, out
    assert without_timing(rows(ray_db, "ocr")) == without_timing(rows(pool_db, "ocr"))
    assert "pasta" in rows(ray_db, "ocr")["31"]["text"].lower()
    # the rows are in SQLite: a rerun on Ray has nothing to do; --retry-failed redoes one
    assert run(ray_db, covers, "--workers", "1", "--executor", "ray") == 0
    assert "0 pending, 3 skipped" in capsys.readouterr().out
    assert run(ray_db, covers, "--workers", "1", "--executor", "ray", "--retry-failed") == 1
    assert "1 pending, 2 skipped" in capsys.readouterr().out


def die_once(item: dict) -> dict:
    """Kill the worker process the first time an item is seen (a marker file remembers)."""
    marker = Path(item["marker"])
    if not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return {"id": item["id"], "error": None, "pid": os.getpid()}


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the tests below (ray_results then neither starts nor stops one)."""
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    # pytest imports this file under its basename, which Ray's workers cannot import: send
    # the test's own functions by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


def test_a_worker_killed_mid_item_is_retried(tmp_path, local_ray):
    db = open_db(tmp_path / "p.db")
    items = [{"id": str(i), "marker": str(tmp_path / f"{i}.died")} for i in range(1, 4)]
    counts = run_items(db, "t", items, die_once, workers=1, executor="ray", progress=False)
    assert (counts.done, counts.lost) == (3, 0)
    assert {r["id"] for r in db["t"].rows} == {"1", "2", "3"}
    assert all(Path(it["marker"]).exists() for it in items)   # each one died once


def explode(item: dict) -> dict:
    raise ValueError(f"bad item {item['id']}")


def test_exceptions_come_back_as_themselves_and_bad_executors_are_refused(local_ray):
    got = list(ray_results(explode, [{"id": "7"}], "ray", 1))
    assert isinstance(got[0][2], ValueError) and str(got[0][2]) == "bad item 7" and got[0][1] is None
    with pytest.raises(Exception, match="unknown executor 'dask'"):
        executor_type("dask")
    assert executor_type("ray://head:10001") == "ray://head:10001"


def test_the_grid_on_ray_writes_the_same_results_db_as_the_pool(tiny_db, tmp_path):
    """pipeline.experiments --executor ray: one Ray task per tokenisation, results.db written
    by the driver, equal to the process pool's but for the timings."""
    from pipeline import experiments
    from tests.pipeline.conftest import sql

    grid = ["--tokens", "word", "--tokens", "4gram", "--tokens", "5gram", "--weighting", "bpx",
            "--weighting", "bm25(k1=0.9,b=0.4)"]
    pool, on_ray = tmp_path / "pool.db", tmp_path / "ray.db"
    assert experiments.main(["--db", str(tiny_db), "--results", str(pool), "--workers", "2", *grid]) == 0
    assert experiments.main(["--db", str(tiny_db), "--results", str(on_ray), "--workers", "2",
                             "--executor", "ray", *grid]) == 0
    queries = {"indexes": "select index_id, config, vocab_size from indexes order by index_id",
               "experiments": "select * from experiments order by experiment_id",
               "ranking_results": "select experiment_id, query_id, target_rank, rank_lo, rank_hi "
                                  "from ranking_results order by experiment_id, query_id"}
    for table, q in queries.items():
        assert sql(on_ray, q) == sql(pool, q) and len(sql(pool, q)) > 0, table
    assert len(sql(on_ray, queries["experiments"])) == 3 * 16 * 2
