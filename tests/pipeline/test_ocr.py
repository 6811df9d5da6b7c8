"""pipeline.ocr with real Tesseract on covers rendered by Pillow."""
from __future__ import annotations

import sqlite_utils

from pipeline import ocr
from pipeline.quality import char_accuracy
from tests.pipeline.conftest import render_caption, rows


def add_downloads(db_path, ids, media):
    db = sqlite_utils.Database(db_path)
    db["downloads"].upsert_all([{"id": i, "cover_path": str(media / "covers" / f"{i}.jpg"),
                                 "video_path": str(media / "videos" / f"{i}.mp4"),
                                 "download_timestamp": 1.0} for i in ids], pk="id")
    db.close()


def run(db, media, *extra, workers=2):
    return ocr.main(["--pipeline-db", str(db), "--media", str(media), "--workers",
                     str(workers), "--no-progress", *extra])


def test_ocr_reads_captions_and_records_bad_files(tmp_path, font_path, capsys):
    media, db = tmp_path / "media", tmp_path / "pipeline.db"
    covers = media / "covers"
    covers.mkdir(parents=True)
    captions = {"11": "POV: you forgot\nyour homework", "12": "easy pasta recipe",
                "13": "Day 3 of learning\nto skateboard"}
    render_caption(covers / "11.jpg", captions["11"], font_path, size=(720, 1280), font_size=60)
    render_caption(covers / "12.jpg", captions["12"], font_path, size=(270, 480), font_size=20,
                   bg=(240, 200, 40), fg=(0, 0, 0))
    render_caption(covers / "13.jpg", captions["13"], font_path, size=(540, 960), font_size=34,
                   bg=(200, 200, 200), fg=(20, 20, 20))
    (covers / "21.jpg").write_bytes(b"this is not an image at all")
    whole = (covers / "11.jpg").read_bytes()
    (covers / "22.jpg").write_bytes(whole[: len(whole) // 3])  # truncated JPEG
    add_downloads(db, ["11", "12", "13", "21", "22", "23"], media)  # 23: file missing

    assert run(db, media) == 0
    out = capsys.readouterr().out
    assert "ocr: 6 pending" in out and "3 done, 3 failed" in out, out
    r = rows(db, "ocr")
    assert set(r) == {"11", "12", "13", "21", "22", "23"}
    for i, cap in captions.items():
        assert r[i]["error"] is None
        assert char_accuracy(cap, r[i]["text"]) >= 0.9, (cap, r[i]["text"])
        assert r[i]["seconds"] > 0
    assert {"homework", "pasta", "skateboard"} <= set(" ".join(
        r[i]["text"].lower() for i in captions).split())
    assert r["21"]["text"] is None and r["21"]["error"].startswith("unreadable image")
    assert r["22"]["text"] is None and r["22"]["error"].startswith("corrupt image")
    assert r["23"]["text"] is None and r["23"]["error"].startswith("missing file")

    # rerun: nothing new; --retry-failed redoes only the three failures
    assert run(db, media) == 0
    assert "0 pending, 6 skipped" in capsys.readouterr().out
    assert run(db, media, "--retry-failed", workers=1) == 1  # all three fail again
    assert "3 pending, 3 skipped" in capsys.readouterr().out
    assert rows(db, "ocr")["11"] == r["11"]


def test_blank_cover_is_empty_text_not_failure(tmp_path, font_path):
    media = tmp_path / "media"
    (media / "covers").mkdir(parents=True)
    render_caption(media / "covers" / "5.jpg", "", font_path, size=(200, 300))
    row = ocr.ocr_item({"id": "5", "path": str(media / "covers" / "5.jpg")})
    assert row["text"] == "" and row["error"] is None


def test_missing_downloads_table_is_a_clear_error(tmp_path, capsys):
    import sqlite_utils

    assert run(tmp_path / "nothere" / "p.db", tmp_path / "media") == 1   # a mistyped path
    assert "no pipeline database" in capsys.readouterr().out
    assert not (tmp_path / "nothere").exists()                          # is said, not made
    sqlite_utils.Database(tmp_path / "p.db")["raw"].insert({"id": "1"})
    (tmp_path / "media").mkdir()
    assert run(tmp_path / "p.db", tmp_path / "media") == 1
    assert "run `python -m pipeline.download` first" in capsys.readouterr().out
    # out of order: no empty `ocr` table left behind for a later stage to take as done
    assert sqlite_utils.Database(tmp_path / "p.db").table_names() == ["raw"]


def test_auto_psm_reads_dark_text_in_a_light_box(tmp_path, font_path):
    """Sparse-text mode 11 alone misses dark text in a light box (the demo's cover style);
    `--psm auto` (the default) also runs mode 3 and keeps the better-scored reading."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, 30) if font_path else ImageFont.load_default(size=30)
    boxed = Image.new("RGB", (360, 640), (50, 35, 110))
    d = ImageDraw.Draw(boxed)
    d.rounded_rectangle((16, 236, 344, 334), 12, fill=(250, 250, 250))
    d.multiline_text((180, 285), "OCTOPUS HAVE 9\nBRAINS", font=font, fill="black",
                     anchor="mm", align="center")
    boxed.save(tmp_path / "boxed.jpg", quality=90)
    row = ocr.ocr_item({"id": "1", "path": str(tmp_path / "boxed.jpg")})
    assert {"OCTOPUS", "BRAINS"} <= set(row["text"].split()), row
    assert "OCTOPUS" not in ocr.recognise(ocr.load_image(tmp_path / "boxed.jpg"), psm=11)



def test_a_thin_banner_is_not_upscaled_past_the_bound(tmp_path):
    """Issue 11, defect 10: a 1000 × 2 cover (879 bytes) was upscaled to 259 Mpx and 2 GB."""
    from PIL import Image

    Image.new("RGB", (1000, 2), "white").save(tmp_path / "banner.png")
    img = ocr.load_image(tmp_path / "banner.png")
    assert img.width * img.height <= ocr.MAX_UPSCALED_PIXELS and max(img.size) <= ocr.MAX_UPSCALED_SIDE
    assert img.size == (10_000, 20)          # the longer side bounds it here
    assert ocr.recognise(img) == ""          # and Tesseract reads it without running out of memory
    Image.new("RGB", (400, 300), "white").save(tmp_path / "small.png")
    assert ocr.load_image(tmp_path / "small.png").size == (960, 720)   # ordinary covers as before


def test_bad_options_are_refused_before_any_item_and_lose_nothing(tmp_path, font_path, capsys):
    """A mistyped --lang or --psm was recorded as every image's failure, and with --all over
    every good row; so was a wrong --media. Now the options are checked first, and a failure
    never replaces an earlier result."""
    import pytest

    media, db = tmp_path / "media", tmp_path / "pipeline.db"
    (media / "covers").mkdir(parents=True)
    render_caption(media / "covers" / "11.jpg", "easy pasta recipe", font_path, size=(540, 960), font_size=40)
    add_downloads(db, ["11"], media)
    assert run(db, media, workers=1) == 0
    good = rows(db, "ocr")["11"]
    assert "pasta" in good["text"].lower()
    capsys.readouterr()
    for bad, says in ((["--lang", "xx"], "--lang xx: Tesseract has no data for 'xx'"),
                      (["--psm", "banana"], "'banana': must be auto, 1 or a number from 3 to 13"),
                      (["--psm", "0"], "0 only detects orientation"),   # failed every cover
                      (["--timeout", "0"], "'0': must be a number above 0")):
        with pytest.raises(SystemExit) as e:
            run(db, media, "--all", *bad)
        assert e.value.code == 2 and says in capsys.readouterr().err
    assert run(db, tmp_path / "typo", "--all") == 2
    assert "no media directory" in capsys.readouterr().out
    (tmp_path / "elsewhere").mkdir()
    assert run(db, tmp_path / "elsewhere", "--all", workers=1) == 1   # every item failed
    assert "1 failed item(s) kept their earlier result" in capsys.readouterr().out
    assert rows(db, "ocr")["11"] == good
