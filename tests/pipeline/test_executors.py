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
from tests.pipeline.test_frames import caption_video, copies_run  # noqa: F401 - a fixture
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


# ---------------------------------------------------------------- every per-item stage on Ray

def untimed(table: dict) -> dict:
    """A stage's rows without what differs between two runs of the same work: timings, and
    the memory addresses ffmpeg prints in its messages."""
    import re
    return {i: {k: re.sub(r"0x[0-9a-f]+", "0x…", v) if isinstance(v, str) else v
                for k, v in r.items() if k not in ("seconds", "download_timestamp")}
            for i, r in table.items()}


def pool_and_ray(stage, table, make_db, media, *extra):
    """Run ``stage`` on two copies of the same pipeline database, with the process pool (2
    workers) and on a local Ray (2 CPUs); both runs' rows."""
    got = {}
    for name, executor in (("pool", []), ("ray", ["--executor", "ray"])):
        db = make_db(name)
        stage.main(["--pipeline-db", str(db), "--media", str(media), "--workers", "2",
                    "--no-progress", *extra, *executor])
        got[name] = untimed(rows(db, table))
    return got["pool"], got["ray"]


def test_audio_on_ray_equals_the_pool(tmp_path, speech_mp4, silent_mp4):
    import shutil

    from pipeline import audio
    from tests.pipeline.test_audio import add_downloads as audio_downloads
    videos = tmp_path / "media" / "videos"
    videos.mkdir(parents=True)
    shutil.copy(speech_mp4, videos / "1.mp4")
    shutil.copy(silent_mp4, videos / "2.mp4")

    def make_db(name):
        audio_downloads(tmp_path / f"{name}.db", ["1", "2", "3"], tmp_path / "media")   # 3: no file
        return tmp_path / f"{name}.db"
    pool, on_ray = pool_and_ray(audio, "audio", make_db, tmp_path / "media")
    assert on_ray == pool and pool["1"]["error"] is None and pool["2"]["error"].startswith("no audio")


def test_transcribe_on_ray_equals_the_pool(tmp_path, speech_wav):
    """Sphinx (deterministic): the same rows. Whisper with a forced language, the clips read
    two by two (each group a Ray task like any item): the same words to within a word, since
    Ray runs its workers with one OpenMP thread and the pool does not, and CTranslate2's and
    the voice-activity model's floating-point sums then differ in their last bits. (Two
    groups, so the pool really forks: one item would run in this process, and a Whisper
    model loaded here would hang every later fork that uses one.)"""
    import shutil

    from pipeline import transcribe
    from pipeline.quality import wer
    media = tmp_path / "media"
    (media / "audio").mkdir(parents=True)
    ids = ("61", "62", "63", "64")
    for i in ids:
        shutil.copy(speech_wav, media / "audio" / f"{i}.wav")
    seconds = transcribe.clip_seconds(media / "audio" / "61.wav") + transcribe.GAP_SECONDS

    def db_maker(engine):
        def make_db(name):
            db = sqlite_utils.Database(tmp_path / f"{engine}-{name}.db")
            db["audio"].insert_all([{"id": i, "wav_path": str(media / "audio" / f"{i}.wav"), "error": None}
                                    for i in ids], pk="id")
            db.close()
            return tmp_path / f"{engine}-{name}.db"
        return make_db
    pool, on_ray = pool_and_ray(transcribe, "transcripts", db_maker("sphinx"), media, "--engine", "sphinx")
    assert on_ray == pool and all(r["text"] for r in pool.values())
    pool, on_ray = pool_and_ray(transcribe, "transcripts", db_maker("whisper"), media, "--language", "en",
                                "--group-seconds", f"{2 * seconds + 0.5:.2f}")
    assert set(on_ray) == set(pool) == set(ids)
    for i in pool:
        assert {k: v for k, v in on_ray[i].items() if k != "text"} == {k: v for k, v in pool[i].items() if k != "text"}
        assert on_ray[i]["engine"] == "whisper" and wer(pool[i]["text"], on_ray[i]["text"]) <= 0.25
    from pipeline import whisper
    assert whisper.recognizer.cache_info().currsize == 0   # no model was loaded in this process


def test_frames_on_ray_equals_the_pool(tmp_path, caption_video):
    from pipeline import frames
    videos = tmp_path / "media" / "videos"
    videos.mkdir(parents=True)
    (videos / "41.mp4").write_bytes(caption_video.read_bytes())
    (videos / "43.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 500)

    def make_db(name):
        db = sqlite_utils.Database(tmp_path / f"{name}.db")
        db["downloads"].insert_all([{"id": i, "video_path": str(videos / f"{i}.mp4")} for i in ("41", "43")],
                                   pk="id")
        db.close()
        return tmp_path / f"{name}.db"
    pool, on_ray = pool_and_ray(frames, "frames", make_db, tmp_path / "media", "--interval", "0.5")
    assert on_ray == pool and pool["41"]["read"] == 3 and pool["43"]["error"].startswith("corrupt video")


def test_download_on_ray_equals_the_pool(tmp_path, http_server, make_pipeline_db):
    from pipeline import download
    b = http_server.base
    records = [{"id": "101", "video-src": f"{b}/ok/v101", "coverphoto-src": f"{b}/ok/c101"},
               {"id": "103", "video-src": f"{b}/404/v103", "coverphoto-src": f"{b}/ok/c103"}]
    got = {}
    for name, executor in (("pool", []), ("ray", ["--executor", "ray"])):
        db, media = make_pipeline_db(records, f"{name}.db"), tmp_path / name
        download.main(["--pipeline-db", str(db), "--media", str(media), "--workers", "2", "--no-progress",
                       "--retries", "1", "--backoff", "0.05", *executor])
        got[name] = {i: {k: (str(v).replace(str(media), "MEDIA") if v else v) for k, v in r.items()}
                     for i, r in untimed(rows(db, "downloads")).items()}
    assert got["ray"] == got["pool"] and got["pool"]["101"]["video_path"] == "MEDIA/videos/101.mp4"


def test_a_driver_killed_mid_run_on_ray_loses_nothing_and_the_rerun_resumes(tmp_path, caption_video):
    """kill -9 of the driver (and with it the Ray it started) mid-run: the rows it wrote stay,
    and a rerun on Ray does only the rest."""
    import subprocess

    from tests.pipeline.conftest import killed_mid_run
    ids = [str(70 + n) for n in range(8)]
    db, cmd = copies_run(tmp_path, caption_video, ids, "--executor", "ray")
    repo = Path(__file__).resolve().parents[2]
    partial = killed_mid_run(cmd, db, "frames", 2, timeout=180)
    assert 2 <= len(partial) < len(ids), f"not killed mid-run ({len(partial)} rows)"
    rerun = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"frames: {len(ids) - len(partial)} pending, {len(partial)} skipped" in rerun.stdout
    done = rows(db, "frames")
    assert set(done) == set(ids) and all(r["read"] == 3 for r in done.values())
    assert all(done[i] == partial[i] for i in partial)   # what the killed run wrote is kept as it was


def test_an_unreachable_cluster_is_one_line_not_minutes_of_retries():
    """--ray-address 127.0.0.1:1 retried for minutes; ray:// without ray[client] was a traceback."""
    import socket

    from pipeline.executors import join, unreachable

    with socket.socket() as s:     # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        with pytest.raises(SystemExit, match=f"cannot join the Ray cluster at {address}: nothing answers"):
            join(ray, address)    # said at once: ray.init is never reached
    assert unreachable("auto") is None
