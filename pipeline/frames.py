"""Read the text shown on screen in every downloaded video: Tesseract on sampled frames.

Reads the ids whose video downloaded (`downloads.video_path` not NULL) and writes one
`frames` row per video, committed as soon as it is done: `id, text, sampled, read, error,
seconds`. TikToks carry most of their words in captions that change through the video (a
hook, then steps or a punchline), while the cover shows only the first.

For each MEDIA/videos/{id}.mp4, ffmpeg decodes one frame every --interval seconds (at most
--max-frames, spread over the whole video when it is longer), scaled to --height pixels.
A frame that looks like the last one read (under --change % of the pixels of 64x64
greyscale thumbnails moved by more than 32 grey levels) is not read again: the same caption on ten frames
is read once, and the frames read are the scene changes. Each is read twice: as it is, and
as its dark strokes alone (`dark_text`: Tesseract skips a one-line caption in a light box on
a dark background, 25 of the demo's 242 later captions, 10 after). The images to read are
stacked top to bottom, STACK at a time, into one image with white bands between, read by one
Tesseract call through `pipeline.ocr.recognise` (the cover stage's settings): starting
Tesseract and loading its model costs as much as reading a frame (half the OCR time on the
demo's videos; character accuracy 94.3% against 94.6%). The lines of all frames are
merged in reading order (frame by frame, top to bottom) into one text, each line once: a
line that is nearly the same as one already kept (rapidfuzz ratio >= 90 after lower-casing,
so one misread letter in ten does not make it new) is dropped, and so are lines without a word of
two letters (Tesseract's readings of textures). A video with no text gives "" (not a
failure); a missing or corrupt file gives text NULL and the reason in `error`, never a crash.
A rerun does only new videos (`--retry-failed` also redoes failures).

Exit status: 0 when every pending video was recorded and at least one was read (or nothing
was pending); 1 when all pending videos failed or some could not be recorded.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from pipeline import items as runner
from pipeline.config import checked_number, positive_float, positive_int, run_cli
from pipeline.ocr import language_problem, psm_option

TABLE = "frames"
COLUMNS = {"id": str, "text": str, "sampled": int, "read": int, "error": str, "seconds": float}
THUMB = 64              # frames are compared as THUMB x THUMB greyscale thumbnails
PIXEL_CHANGE = 32       # grey levels a thumbnail pixel must move to count as changed
SAME_LINE = 90          # rapidfuzz ratio at or above which two lines are the same caption
STACK = 8               # frames read by one Tesseract call (8 x 720 px: far under its limits)
BAND = 40               # white pixels between stacked frames
_WORD = re.compile(r"[^\W\d_]{2,}")


class BrokenVideo(ValueError):
    """ffmpeg could not decode the file (or found no frame in it)."""


def duration(video) -> float | None:
    """The video's length in seconds by ffprobe (None when it does not say)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "default=noprint_wrappers=1:nokey=1", str(video)],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise BrokenVideo(" ".join(out.stderr.split())[:300] or "ffprobe failed")
    try:
        return float(out.stdout.strip())
    except ValueError:
        return None


def sample_frames(video, out_dir, *, interval=1.0, max_frames=30, height=720) -> list[Path]:
    """PNG frames of `video`, one every `interval` s (stretched so at most `max_frames`)."""
    length = duration(video)
    if length:
        interval = max(interval, length / max_frames)
    pattern = str(Path(out_dir) / "f%04d.png")
    vf = f"fps=1/{interval:.4f},scale=-2:{height}"
    proc = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(video), "-vf", vf,
                           "-frames:v", str(max_frames), pattern],
                          capture_output=True, text=True, timeout=300)
    frames = sorted(Path(out_dir).glob("f*.png"))
    if proc.returncode != 0:
        raise BrokenVideo(" ".join(proc.stderr.split())[-300:] or f"ffmpeg exit {proc.returncode}")
    if not frames:
        raise BrokenVideo("no frame could be decoded")
    return frames


def thumbnail(path):
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("L").resize((THUMB, THUMB))


def changed(a, b, percent: float) -> bool:
    """Do two thumbnails differ in more than `percent` % of their pixels (by more than
    PIXEL_CHANGE grey levels, so video compression noise is no change)?"""
    from PIL import ImageChops

    hist = ImageChops.difference(a, b).histogram()
    return sum(hist[PIXEL_CHANGE + 1:]) * 100 > percent * THUMB * THUMB


def merge_lines(texts: list[str]) -> str:
    """The lines of several frames' texts in order, each caption once."""
    from rapidfuzz import fuzz

    kept, seen = [], []
    for text in texts:
        for line in text.splitlines():
            line = " ".join(line.split())
            key = line.lower()
            if not _WORD.search(line) or any(fuzz.ratio(key, s) >= SAME_LINE for s in seen):
                continue
            kept.append(line)
            seen.append(key)
    return "\n".join(kept)


def dark_text(image):
    """Only the frame's dark strokes, black on white: pixels darker than half the frame's
    median grey. Tesseract's layout analysis skips a one-line caption in a light box on a
    dark background (it takes the box for a picture); without the box it reads the line."""
    from PIL import ImageStat

    grey = image.convert("L")
    cut = ImageStat.Stat(grey).median[0] / 2
    return grey.point(lambda v: 0 if v < cut else 255).convert("RGB")


def stacked(images: list) -> list:
    """The images STACK at a time, top to bottom on white, BAND pixels apart."""
    from PIL import Image

    out = []
    for i in range(0, len(images), STACK):
        part = images[i:i + STACK]
        sheet = Image.new("RGB", (max(im.width for im in part),
                                  sum(im.height for im in part) + BAND * (len(part) - 1)),
                          "white")
        y = 0
        for im in part:
            sheet.paste(im, (0, y))
            y += im.height + BAND
        out.append(sheet)
    return out


def read_video(video, *, interval=1.0, max_frames=30, height=720, change=0.5, lang="eng",
               psm="auto", timeout=60.0) -> tuple[str, int, int]:
    """(merged text, frames sampled, frames read) of one video; raises BrokenVideo."""
    from pipeline.ocr import load_image, recognise

    with tempfile.TemporaryDirectory() as tmp:
        frames = sample_frames(video, tmp, interval=interval, max_frames=max_frames,
                               height=height)
        to_read, last = [], None
        for f in frames:
            thumb = thumbnail(f)
            if last is not None and not changed(thumb, last, change):
                continue
            last = thumb
            image = load_image(f, preprocess=False)
            to_read += [image, dark_text(image)]
        texts = [recognise(sheet, lang=lang, psm=psm, timeout=timeout)
                 for sheet in stacked(to_read)]
    return merge_lines(texts), len(frames), len(to_read) // 2


def frames_item(item: dict) -> dict:
    """Pure per-item work: one video's on-screen text as a `frames` row."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per worker process
    start = time.perf_counter()
    video = Path(item["video"])
    text, sampled, read, error = None, None, None, None
    try:
        if not video.is_file():
            raise FileNotFoundError(video)
        text, sampled, read = read_video(
            video, interval=item.get("interval", 1.0), max_frames=item.get("max_frames", 30),
            height=item.get("height", 720), change=item.get("change", 0.5),
            lang=item.get("lang", "eng"), psm=item.get("psm", "auto"),
            timeout=item.get("timeout", 60.0))
    except FileNotFoundError as e:
        error = f"missing file: {e}"
    except BrokenVideo as e:
        error = f"corrupt video: {e}"
    except subprocess.TimeoutExpired as e:
        error = f"corrupt video: decoding took over {e.timeout:.0f} s"
    except (pytesseract.TesseractError, RuntimeError) as e:   # RuntimeError: its timeout
        error = f"tesseract error: {e}"
    except OSError as e:   # an unreadable frame file
        error = f"corrupt video: {type(e).__name__}: {e}"
    return {"id": item["id"], "text": text, "sampled": sampled, "read": read, "error": error,
            "seconds": round(time.perf_counter() - start, 3)}


def build_parser():
    p = runner.file_stage_parser(__doc__)
    p.add_argument("--interval", type=positive_float, default=1.0,
                   help="seconds between sampled frames (stretched for long videos so at "
                        "most --max-frames are sampled)")
    p.add_argument("--max-frames", type=positive_int, default=30, help="frames sampled per video at most")
    p.add_argument("--height", type=positive_int, default=720, help="frames are scaled to this height")
    p.add_argument("--change", default=0.5,
                   type=checked_number(float, lambda v: v == -1 or 0 <= v <= 100,
                                "a percentage from 0 to 100, or -1 to read every frame"),
                   help="read a frame only when more than this percentage of its 64x64 "
                        "greyscale thumbnail differs from the last frame read; -1 reads "
                        "every frame")
    p.add_argument("--lang", default="eng", help="Tesseract language(s), e.g. eng or eng+spa")
    p.add_argument("--psm", default="auto", type=psm_option,
                   help="Tesseract page segmentation mode: a number or auto (3 and 11, the "
                        "better one kept)")
    p.add_argument("--timeout", type=positive_float, default=60,
                   help="seconds Tesseract may spend on one frame")
    return p


def main(argv=None) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    if why := language_problem(args.lang):
        p.error(why)
    videos = args.media / "videos"

    def make_item(id_, prev):
        return {"id": id_, "video": str(videos / f"{id_}.mp4"), "interval": args.interval,
                "max_frames": args.max_frames, "height": args.height, "change": args.change,
                "lang": args.lang, "psm": args.psm, "timeout": args.timeout}

    return runner.run_stage(
        args, name="frames", table=TABLE, columns=COLUMNS, source_table="downloads",
        source_cmd="python -m pipeline.download",
        source_sql="select id from downloads where video_path is not null order by id",
        state=runner.text_state("text"), make_item=make_item, fn=frames_item)


if __name__ == "__main__":
    run_cli(main)
