"""pipeline.download against a real HTTP server on 127.0.0.1 (no mocks)."""
from __future__ import annotations

import time

import pytest

from pipeline import download
from tests.pipeline.conftest import PAYLOAD, rows

FAST = ["--connect-timeout", "1", "--read-timeout", "1", "--deadline", "2", "--retries", "1",
        "--backoff", "0.05", "--no-progress"]


def rec(i, video, cover):
    return {"id": str(i), "video-src": video, "coverphoto-src": cover, "description": "d"}


def run(db, media, *extra, workers=2):
    return download.main(["--pipeline-db", str(db), "--media", str(media),
                          "--workers", str(workers), *FAST, *extra])


def test_routes_errors_and_rerun(http_server, make_pipeline_db, tmp_path, capsys):
    b = http_server.base
    records = [
        rec(101, f"{b}/ok/v101", f"{b}/ok/c101"),
        rec(102, "blob:https://www.tiktok.com/5e1c", f"{b}/ok/c102"),
        rec(103, f"{b}/404/v103", f"{b}/ok/c103"),
        rec(104, f"{b}/flaky/v104", f"{b}/ok/c104"),
        rec(105, f"{b}/hang/v105", f"{b}/ok/c105"),
        rec(106, f"{b}/drop/v106", f"{b}/ok/c106"),
        rec(107, f"{b}/trickle/v107", f"{b}/ok/c107"),
        rec(108, f"{b}/empty/v108", f"{b}/ok/c108"),
        rec(109, f"{b}/500/v109", f"{b}/ok/c109"),
    ]
    db = make_pipeline_db(records)
    media = tmp_path / "media"
    t0 = time.perf_counter()
    assert run(db, media) == 0  # some items succeeded; failures are recorded with reasons
    elapsed = time.perf_counter() - t0
    assert elapsed < 15, f"hang/trickle not cut off in time ({elapsed:.1f} s)"
    out = capsys.readouterr().out
    assert "download: 9 pending" in out and "2 done, 7 failed" in out, out

    r = rows(db, "downloads")
    assert set(r) == {str(i) for i in range(101, 110)}
    for i in ("101", "104"):  # ok, and 500-then-ok after one retry
        assert r[i]["download_timestamp"] is not None and r[i]["video_error"] is None
        assert (media / "videos" / f"{i}.mp4").read_bytes().startswith(PAYLOAD)
        assert r[i]["video_path"] == str(media / "videos" / f"{i}.mp4")
        assert r[i]["cover_path"] == str(media / "covers" / f"{i}.jpg")
    assert http_server.hits["/flaky/v104"] == 2
    expect = {"102": "blob URL", "103": "HTTP 404", "105": "timeout",
              "106": "connection dropped", "107": "deadline", "108": "empty body",
              "109": "HTTP 500"}
    for i, reason in expect.items():
        assert r[i]["download_timestamp"] is None
        assert r[i]["video_path"] is None and not (media / "videos" / f"{i}.mp4").exists()
        assert r[i]["video_error"].startswith(reason), (i, r[i]["video_error"])
        assert r[i]["cover_error"] is None and r[i]["cover_path"]  # the cover did download
        assert r[i]["attempts"] == 1
    assert http_server.hits["/404/v103"] == 1            # 404: never retried
    assert http_server.hits["/500/v109"] == 2            # 5xx: retried (--retries 1)
    assert "after 2 attempts" in r["109"]["video_error"]
    assert "after 2 attempts" in r["105"]["video_error"]
    assert not list(media.rglob("*.part"))

    # rerun: only the failures are retried; downloaded files are kept, not fetched again
    before = dict(http_server.hits)
    assert run(db, media, "--retries", "0", "--deadline", "0.5", "--read-timeout", "0.5") == 1
    out = capsys.readouterr().out
    assert "7 pending, 2 skipped" in out, out
    r2 = rows(db, "downloads")
    assert r2["101"] == r["101"] and r2["104"] == r["104"]
    assert all(r2[i]["attempts"] == 2 for i in expect)
    assert http_server.hits["/ok/v101"] == before["/ok/v101"]
    assert http_server.hits["/ok/c103"] == before["/ok/c103"]  # cover kept from run 1
    assert http_server.hits["/404/v103"] == before["/404/v103"] + 1

    # --no-retry-failed: nothing new, nothing to do
    assert run(db, media, "--no-retry-failed") == 0
    assert "0 pending, 9 skipped" in capsys.readouterr().out


def test_missing_file_is_redownloaded_and_invalid_id_recorded(http_server, make_pipeline_db,
                                                              tmp_path, capsys):
    b = http_server.base
    db = make_pipeline_db([rec(201, f"{b}/ok/v201", f"{b}/ok/c201"),
                           {"id": "../../etc/passwd", "video-src": f"{b}/ok/x"}])
    media = tmp_path / "media"
    assert run(db, media, workers=1) == 0
    r = rows(db, "downloads")
    assert r["201"]["download_timestamp"] is not None
    assert r["../../etc/passwd"]["video_error"].startswith("invalid record")
    assert http_server.hits["/ok/x"] == 0
    (media / "videos" / "201.mp4").unlink()  # a done item whose file vanished is redone
    hits = http_server.hits["/ok/v201"]
    assert run(db, media, "--no-retry-failed", workers=1) == 0
    assert http_server.hits["/ok/v201"] == hits + 1
    assert (media / "videos" / "201.mp4").is_file()
    assert http_server.hits["/ok/c201"] == 1


def test_fetch_direct(http_server, tmp_path):
    b = http_server.base
    dest = tmp_path / "x" / "f.bin"
    dest.parent.mkdir()
    (tmp_path / "x" / "f.bin.part").write_bytes(b"stale")  # a killed run's leftover
    assert download.fetch(f"{b}/ok/direct", dest, retries=0) is None
    assert dest.read_bytes() == PAYLOAD + b"/ok/direct"
    assert not (tmp_path / "x" / "f.bin.part").exists()
    assert download.fetch(None, dest).startswith("no URL")
    assert download.fetch("ftp://example.com/x", dest).startswith("unsupported URL")
    assert download.fetch(f"{b}/empty/direct", tmp_path / "e.bin", retries=0) \
        .startswith("empty body")
    assert not (tmp_path / "e.bin").exists()


def test_a_web_page_is_not_a_video(http_server, make_pipeline_db, tmp_path, capsys):
    """Issue 11, defect 9: a 200 text/html reply was stored as {id}.mp4, counted as
    downloaded and skipped by every rerun."""
    b = http_server.base
    db = make_pipeline_db([rec(201, f"{b}/html/astext/v201", f"{b}/ok/c201"),
                           rec(202, f"{b}/ok/v202", f"{b}/html/asoctets/c202"),
                           rec(203, f"{b}/ok/v203", f"{b}/ok/c203")])
    media = tmp_path / "media"
    assert run(db, media) == 0
    r = rows(db, "downloads")
    assert r["201"]["video_error"].startswith("not a video: the server sent text/html")
    assert r["202"]["cover_error"].startswith("not a cover: it starts with b'<!doctype ht")
    assert r["201"]["download_timestamp"] is None and r["202"]["download_timestamp"] is None
    assert not (media / "videos" / "201.mp4").exists() and not (media / "covers" / "202.jpg").exists()
    assert r["203"]["download_timestamp"] is not None
    # a file an older run accepted is checked again: an HTML "video" is downloaded anew
    (media / "videos" / "203.mp4").write_bytes(b"<html>old</html>")
    capsys.readouterr()
    assert run(db, media) == 0
    out = capsys.readouterr().out   # the two failures are retried, and 203's HTML "video" fetched anew
    assert "3 pending, 0 skipped" in out and "1 done, 2 failed" in out, out
    assert (media / "videos" / "203.mp4").read_bytes().startswith(b"\x00\x00\x00\x18ftyp")


def test_a_redirect_loop_is_a_reason_and_a_redirect_is_followed(http_server, tmp_path):
    b = http_server.base
    reason = download.fetch(f"{b}/loop/v1", tmp_path / "v1.mp4", retries=0, kind="video")
    assert reason.startswith("request error: TooManyRedirects") and not (tmp_path / "v1.mp4").exists()
    assert download.fetch(f"{b}/moved/v2", tmp_path / "v2.mp4", retries=0, kind="video") is None
    assert (tmp_path / "v2.mp4").read_bytes().startswith(b"\x00\x00\x00\x18ftyp")


def _inherited_session_replaced(queue):
    inherited = download._session[1]
    queue.put(download._get_session() is not inherited)


def test_a_forked_worker_never_shares_its_parents_http_session():
    """A session (and its kept-alive sockets) made before the pool forks must not be used by
    the workers: two processes reading one socket got each other's replies (an HTML cover
    recorded for the wrong item)."""
    import multiprocessing
    parent = download._get_session()
    assert download._get_session() is parent                 # one per process, kept
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_inherited_session_replaced, args=(queue,))
    child.start()
    assert queue.get(timeout=30) is True
    child.join(30)


@pytest.mark.parametrize("bad", [["--connect-timeout", "0"], ["--read-timeout", "-1"],
                                 ["--deadline", "0"], ["--retries", "-1"], ["--backoff", "-5"]])
def test_bad_numbers_are_refused_before_any_item(bad, tmp_path, capsys):
    """--connect-timeout 0, --retries -1 or --deadline 0 recorded a failure against every item."""
    with pytest.raises(SystemExit) as e:
        download.main(["--pipeline-db", str(tmp_path / "p.db"), "--media", str(tmp_path), *bad])
    assert e.value.code == 2 and bad[0] in capsys.readouterr().err
    assert not (tmp_path / "p.db").exists()
