"""The demo generator: deterministic output in the study's batch format with every kind of
broken item up front, TikTok-style counts, covers with their caption, batches pointed at the
media server, and a finished generation left alone."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from pipeline.demo import generator


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generator.generate(a, seed=7, limit=4, videos=False)
    generator.generate(b, seed=7, limit=4, videos=False)
    generator.generate(c, seed=8, limit=4, videos=False)
    ta, tb = _tree(a), _tree(b)
    assert ta == tb  # identical JSON and identical cover bytes
    assert {k for k in ta if k.startswith("media/covers/")} and "truth.json" in ta
    assert json.loads((a / "truth.json").read_text()) != json.loads((c / "truth.json").read_text())


def test_demo_records_have_the_study_format_and_the_broken_items():
    records, truth, queries, malformed = generator.build(limit=None)
    assert len(records) == len(generator.HEROES) + generator.N_DISTRACTORS >= 120
    assert len({r["id"] for r in records}) == len(records)
    keys = {"video-src", "coverphoto-src", "permalink", "web-id", "id", "like-count",
            "comment-count", "creator-username", "creator-nickname", "timeposted", "music-title",
            "music-src", "description", "comments", "scrape-timestamp"}
    for r in records:
        assert set(r) == keys and len(r["id"]) == 19 and r["id"].isdigit()
        assert 5 <= len(r["comments"]) <= 20 and r["creator-username"].startswith("@")
    assert "id" not in malformed
    assert len({t["topic"] for t in truth.values()}) >= 10
    assert len(queries) == len(generator.HEROES) >= 30
    assert {q["target"] for q in queries} <= {r["id"] for r in records}
    assert all(not truth[q["target"]]["broken"] for q in queries)
    assert len({q["author"] for q in queries}) >= 4
    # the first 8 records hold every kind of broken item, so small demos exercise cleaning
    first8 = [truth[r["id"]]["broken"] for r in records[:8]]
    assert sorted(filter(None, first8)) == sorted(generator.BROKEN.values())
    assert records[1]["video-src"].startswith("blob:")
    # queries are written from memory, not copied from the captions or descriptions
    for q in queries:
        t = truth[q["target"]]
        assert q["text"].lower() not in (t["caption"].lower(), t["script"].lower())


def test_a_limit_keeps_the_first_records_and_their_queries():
    records, truth, queries, malformed = generator.build(limit=8)
    everything = generator.build(limit=None)[0]
    assert [r["id"] for r in records] == [r["id"] for r in everything[:8]] and set(truth) == {r["id"] for r in records}
    assert len(queries) == 4 and {q["target"] for q in queries} <= set(truth)   # heroes sit between broken items
    assert malformed["description"].startswith("this record lost its id") and "id" not in malformed
    assert set(queries[0]) == {"text", "target", "author", *generator.TAG_NAMES}
    assert records[3]["video-src"] == f"{generator.MEDIA_BASE}/videos/removed-{records[3]['id']}.mp4"


@pytest.mark.parametrize("n, shown", [(0, "0"), (950, "950"), (1000, "1K"), (22_600, "22.6K"), (22_649, "22.6K"),
                                      (999_949, "999.9K"), (1_200_000, "1.2M"), (3_000_000, "3M")])
def test_counts_are_shown_the_way_tiktok_shows_them(n, shown):
    assert generator.fmt_count(n) == shown


def test_a_cover_is_a_portrait_jpeg(tmp_path):
    path = tmp_path / "covers" / "1.jpg"
    generator.render_cover("NONNA'S LEMON PASTA", "@nonnarosa", "cooking", path)
    with Image.open(path) as im:
        assert (im.format, im.size) == ("JPEG", generator.SIZE)
        assert len(set(im.convert("L").getdata())) > 2   # text on a background


def test_write_batches_points_media_urls_at_the_server(tmp_path):
    generator.generate(tmp_path, limit=4, videos=False)
    paths = generator.write_batches(tmp_path, "http://127.0.0.1:4321")
    records = [r for p in paths for r in json.loads(p.read_text())]
    assert len(records) == 5  # 4 records and the malformed one
    assert "MEDIA_PORT" not in "".join(p.read_text() for p in paths)
    assert records[0]["coverphoto-src"].startswith("http://127.0.0.1:4321/covers/")


def test_a_finished_generation_is_not_redone(tmp_path):
    generator.generate(tmp_path, limit=2, videos=False)   # JSON and covers; no manifest without videos
    assert not generator.is_current(tmp_path, generator.DEFAULT_SEED, 2)
    manifest = {"version": generator.GENERATOR_VERSION, "seed": generator.DEFAULT_SEED, "limit": 2,
                "count": 2, "complete": True}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert generator.is_current(tmp_path, generator.DEFAULT_SEED, 2)
    assert not generator.is_current(tmp_path, 7, 2) and not generator.is_current(tmp_path, generator.DEFAULT_SEED, 3)
    assert generator.generate(tmp_path, limit=2) is False   # up to date: nothing encoded, nothing touched
    assert (tmp_path / "manifest.json").exists()
    next((tmp_path / "media" / "covers").glob("*.jpg")).unlink()   # someone deleted media since
    assert not generator.is_current(tmp_path, generator.DEFAULT_SEED, 2)


def test_killing_the_generator_stops_its_encoders(tmp_path):
    """`kill -9` of the generator while it encodes videos: its encoding processes stop with
    it (a plain process pool left them running, then blocked on their task queue for ever)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "gen"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.demo.generator", "--out", str(out),
                             "--limit", "40", "--workers", "2"], cwd=Path(__file__).parents[3],
                            env=dict(os.environ, TMPDIR=str(tmp_path)),   # killed encoders'
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # scratch

    def encoders():   # the pool's workers: children of the generator that name its output
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if str(out).encode() in cmd and int(pid) != proc.pid and stat[0] != "Z":
                found.append(int(pid))
        return found

    try:
        deadline = time.monotonic() + 120
        while not list((out / "media" / "videos").glob("*.mp4")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert encoders(), "the generator never started encoding"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while encoders() and time.monotonic() < deadline:
            time.sleep(0.2)
        left = encoders()
        for pid in left:   # don't leave them behind when the test fails
            os.kill(pid, signal.SIGKILL)
        assert not left
    finally:
        if proc.poll() is None:
            proc.kill()
