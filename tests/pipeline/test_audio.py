"""pipeline.audio with real MoviePy/ffmpeg on mp4s built from an image and espeak-ng speech."""
from __future__ import annotations

import shutil
import wave

import sqlite_utils

from pipeline import audio
from tests.pipeline.conftest import rows


def add_downloads(db_path, ids, media):
    db = sqlite_utils.Database(db_path)
    db["downloads"].upsert_all([{"id": i, "video_path": str(media / "videos" / f"{i}.mp4"),
                                 "cover_path": None, "download_timestamp": None}
                                for i in ids], pk="id")
    db.close()


def run(db, media, *extra, workers=2):
    return audio.main(["--pipeline-db", str(db), "--media", str(media), "--workers",
                       str(workers), "--no-progress", *extra])


def test_extract_wav_and_errors(tmp_path, speech_mp4, silent_mp4, speech_wav, capsys):
    media, db = tmp_path / "media", tmp_path / "pipeline.db"
    videos = media / "videos"
    videos.mkdir(parents=True)
    shutil.copy(speech_mp4, videos / "1.mp4")
    shutil.copy(silent_mp4, videos / "2.mp4")
    (videos / "3.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42 definitely not a real video")
    add_downloads(db, ["1", "2", "3", "4"], media)  # 4: no file

    assert run(db, media) == 0
    out = capsys.readouterr().out
    assert "audio: 4 pending" in out and "1 done, 3 failed" in out, out
    r = rows(db, "audio")
    assert r["1"]["error"] is None and r["1"]["wav_path"] == str(media / "audio" / "1.wav")
    with wave.open(r["1"]["wav_path"]) as w, wave.open(str(speech_wav)) as src:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        dur, src_dur = w.getnframes() / w.getframerate(), src.getnframes() / src.getframerate()
    assert abs(dur - src_dur) < 0.15, (dur, src_dur)  # aac padding only
    assert r["2"]["wav_path"] is None and r["2"]["error"].startswith("no audio track")
    assert r["3"]["wav_path"] is None and r["3"]["error"].startswith("corrupt video")
    assert r["4"]["wav_path"] is None and r["4"]["error"].startswith("missing file")
    assert not list(media.rglob("*.part"))
    assert sorted(p.name for p in (media / "audio").iterdir()) == ["1.wav"]

    # a done item whose WAV vanished is redone even without --retry-failed
    (media / "audio" / "1.wav").unlink()
    assert run(db, media, workers=1) == 0
    assert "1 pending, 3 skipped" in capsys.readouterr().out
    assert (media / "audio" / "1.wav").is_file()
