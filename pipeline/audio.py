"""Extract every downloaded video's sound track as a 16 kHz mono WAV with MoviePy.

Reads the ids whose video downloaded (`downloads.video_path` not NULL) and writes one `audio`
row per video, committed as soon as it is done: `id, wav_path, error, seconds`. The WAV goes
to MEDIA/audio/{id}.wav (16-bit PCM, mono, --sample-rate Hz: what pocketsphinx wants), written
to a `.part` file and renamed into place. A video without a sound track (TikTok sometimes
mutes videos) or a corrupt/missing file gives wav_path NULL and the reason in `error`, never
a crash. A rerun does only new videos and done ones whose WAV has vanished
(`--retry-failed` also redoes failures).

Exit status: 0 when every pending video was recorded and at least one WAV was written (or
nothing was pending); 1 when all pending videos failed or some could not be recorded.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from pipeline import items as runner
from pipeline.config import positive_int, run_cli

TABLE = "audio"
COLUMNS = {"id": str, "wav_path": str, "error": str, "seconds": float}


def extract_wav(video, wav, sample_rate: int = 16000) -> None:
    """Write `video`'s sound track to `wav` atomically; raise ValueError if it has none."""
    from moviepy import VideoFileClip

    wav = Path(wav)
    part = wav.with_name(wav.name + ".part")
    wav.parent.mkdir(parents=True, exist_ok=True)
    # ffmpeg decodes (and resamples, with filtering) straight to sample_rate
    clip = VideoFileClip(str(video), audio_fps=sample_rate)
    try:
        if clip.audio is None:
            raise ValueError("no audio track: the video has no sound")
        clip.audio.write_audiofile(str(part), fps=sample_rate, nbytes=2, codec="pcm_s16le",
                                   ffmpeg_params=["-ac", "1", "-f", "wav"], logger=None)
        os.replace(part, wav)
    finally:
        clip.close()
        part.unlink(missing_ok=True)


def audio_item(item: dict) -> dict:
    """Pure per-item work: one video's sound track as a WAV, as an `audio` row."""
    start = time.perf_counter()
    video, wav = Path(item["video"]), Path(item["wav"])
    wav.with_name(wav.name + ".part").unlink(missing_ok=True)  # left by a killed run
    error = None
    try:
        if not video.is_file():
            raise FileNotFoundError(video)
        extract_wav(video, wav, item.get("sample_rate", 16000))
    except FileNotFoundError as e:
        error = f"missing file: {e}"
    except ValueError as e:
        error = str(e) if str(e).startswith("no audio track") else f"corrupt video: {e}"
    except (OSError, KeyError, IndexError, RuntimeError, AttributeError) as e:
        # MoviePy's reaction to a corrupt file ranges over these
        msg = " ".join(str(e).split())
        error = f"corrupt video: {type(e).__name__}: {msg[:300]}"
    return {"id": item["id"], "wav_path": None if error else str(wav), "error": error,
            "seconds": round(time.perf_counter() - start, 3)}


def build_parser():
    p = runner.file_stage_parser(__doc__)
    p.add_argument("--sample-rate", type=positive_int, default=16000,
                   help="WAV sample rate in Hz (pocketsphinx's models expect 16000)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    videos, audio = args.media / "videos", args.media / "audio"

    def make_item(id_, prev):
        return {"id": id_, "video": str(videos / f"{id_}.mp4"), "wav": str(audio / f"{id_}.wav"),
                "sample_rate": args.sample_rate}

    return runner.run_stage(
        args, name="audio", table=TABLE, columns=COLUMNS, source_table="downloads",
        source_cmd="python -m pipeline.download",
        source_sql="select id from downloads where video_path is not null order by id",
        state=runner.text_state("wav_path", lambda p: Path(p["wav_path"]).is_file()),
        make_item=make_item, fn=audio_item)


if __name__ == "__main__":
    run_cli(main)
