"""pipeline.frames with real ffmpeg and Tesseract on generated videos: captions that change
(each found once), a video without text, corrupt and missing files, resume after kill -9."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from pipeline import frames
from tests.pipeline.conftest import killed_mid_run, render_caption, rows

REPO = Path(__file__).resolve().parents[2]
CAPTIONS = ["WAIT FOR THE END", "STEP ONE: BOIL IT", "IT WORKED"]


def _video(path, images, seconds=1.5):
    from moviepy import ImageClip, concatenate_videoclips

    clip = concatenate_videoclips([ImageClip(str(i)).with_duration(seconds) for i in images])
    clip.write_videofile(str(path), fps=5, codec="libx264", audio=False, preset="ultrafast",
                         logger=None)
    clip.close()
    return Path(path)


@pytest.fixture(scope="module")
def caption_video(tmp_path_factory, font_path):
    root = tmp_path_factory.mktemp("frames")
    images = [render_caption(root / f"{i}.jpg", c, font_path, size=(360, 640), font_size=28)
              for i, c in enumerate(CAPTIONS)]
    return _video(root / "captions.mp4", images)


@pytest.fixture(scope="module")
def blank_video(tmp_path_factory):
    from PIL import Image

    root = tmp_path_factory.mktemp("blank")
    Image.new("RGB", (360, 640), (40, 90, 160)).save(root / "blank.jpg")
    return _video(root / "blank.mp4", [root / "blank.jpg"], seconds=2.0)


def test_changing_captions_are_each_found_once(caption_video):
    text, sampled, read = frames.read_video(caption_video, interval=0.5)
    assert text.splitlines() == CAPTIONS, text
    assert sampled == 9 and read == 3   # the same caption on three frames is read once


def test_every_frame_read_still_gives_each_caption_once(caption_video):
    text, sampled, read = frames.read_video(caption_video, interval=0.5, change=-1)
    assert text.splitlines() == CAPTIONS and read == sampled == 9


def test_merge_keeps_reading_order_and_drops_near_repeats():
    assert frames.merge_lines(["WAIT FOR IT\n@user", "WAIT FOR lT\n|| ~", "THE END\n@user"]) \
        == "WAIT FOR IT\n@user\nTHE END"


def test_a_long_video_is_sampled_at_most_max_frames(caption_video, tmp_path):
    assert len(frames.sample_frames(caption_video, tmp_path, interval=0.1, max_frames=4)) == 4


def _stage_db(tmp_path, videos: dict) -> Path:
    db = tmp_path / "pipeline.db"
    sdb = sqlite_utils.Database(db)
    sdb["downloads"].insert_all([{"id": i, "video_path": str(p)} for i, p in videos.items()],
                                pk="id")
    sdb.close()
    return db


def copies_run(tmp_path, video: Path, ids: list[str], *extra: str) -> tuple[Path, list[str]]:
    """A pipeline db whose downloads ``ids`` are copies of ``video``, and the frames stage's
    command line over it (one worker, a frame every 0.5 s, then ``extra``)."""
    media = tmp_path / "media"
    (media / "videos").mkdir(parents=True)
    for i in ids:
        (media / "videos" / f"{i}.mp4").write_bytes(video.read_bytes())
    db = _stage_db(tmp_path, {i: media / "videos" / f"{i}.mp4" for i in ids})
    return db, [sys.executable, "-m", "pipeline.frames", "--pipeline-db", str(db), "--media",
                str(media), "--workers", "1", "--no-progress", "--interval", "0.5", *extra]


def test_stage_records_text_nothing_and_reasons(caption_video, blank_video, tmp_path, capsys):
    media = tmp_path / "media"
    (media / "videos").mkdir(parents=True)
    for i, src in (("41", caption_video), ("42", blank_video)):
        (media / "videos" / f"{i}.mp4").write_bytes(src.read_bytes())
    (media / "videos" / "43.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 500)
    db = _stage_db(tmp_path, {i: media / "videos" / f"{i}.mp4" for i in ("41", "42", "43", "44")})
    args = ["--pipeline-db", str(db), "--media", str(media), "--workers", "2", "--no-progress",
            "--interval", "0.5"]
    assert frames.main(args) == 0
    out = capsys.readouterr().out
    assert "frames: 4 pending" in out and "2 done, 2 failed" in out, out
    r = rows(db, "frames")
    assert r["41"]["text"].splitlines() == CAPTIONS and r["41"]["read"] == 3
    assert r["42"]["text"] == "" and r["42"]["error"] is None
    assert r["43"]["text"] is None and r["43"]["error"].startswith("corrupt video"), r["43"]
    assert r["44"]["text"] is None and r["44"]["error"].startswith("missing file")
    assert frames.main(args) == 0
    assert "0 pending, 4 skipped" in capsys.readouterr().out


def test_kill_9_mid_run_then_rerun_finishes(caption_video, tmp_path):
    ids = [str(50 + n) for n in range(6)]
    db, cmd = copies_run(tmp_path, caption_video, ids)
    partial = killed_mid_run(cmd, db, "frames", 2, timeout=120)
    assert 2 <= len(partial) < 6, f"not killed mid-run ({len(partial)} rows)"
    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"frames: {6 - len(partial)} pending, {len(partial)} skipped" in rerun.stdout
    assert all(r["text"].splitlines() == CAPTIONS for r in rows(db, "frames").values())


@pytest.mark.parametrize("bad, says", [(["--max-frames", "0"], "'0': must be a whole number of 1 or more"),
                                       (["--interval", "-1"], "'-1': must be a number above 0"),
                                       (["--change", "150"], "'150': must be a percentage"),
                                       (["--change", "-2"], "'-2': must be a percentage"),
                                       (["--lang", "xx"], "--lang xx: Tesseract has no data for 'xx'")])
def test_bad_options_are_refused_before_any_video(tmp_path, capsys, bad, says):
    """--max-frames 0 crashed every item with ZeroDivisionError, and -3 recorded "no frame could
    be decoded" over good text; now such options are one message before anything runs."""
    (tmp_path / "media").mkdir()
    with pytest.raises(SystemExit) as e:
        frames.main(["--pipeline-db", str(tmp_path / "p.db"), "--media", str(tmp_path / "media"), *bad])
    assert e.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path / "p.db").exists()


def test_a_one_line_caption_in_a_light_box_is_read(tmp_path):
    """Tesseract's layout analysis skipped a one-line caption in a white box on a dark
    background (the demo's 'HIDDEN GEM', 25 of its 242 later captions); read as dark strokes
    alone it is found."""
    from pipeline.demo.generator import render_cover

    images = []
    for i, caption in enumerate(["LISBON ON A BUDGET", "HIDDEN GEM"]):
        render_cover(caption, "@theoplays", "travel", tmp_path / f"{i}.jpg")
        images.append(tmp_path / f"{i}.jpg")
    text, sampled, read = frames.read_video(_video(tmp_path / "boxed.mp4", images), psm="3")
    assert "HIDDEN GEM" in text.splitlines(), text
    assert read == 2 and text.count("@theoplays") == 1
