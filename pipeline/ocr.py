"""Recognise the text on every downloaded cover photo with Tesseract (pytesseract).

Reads the ids whose cover downloaded (`downloads.cover_path` not NULL) and writes one `ocr`
row per cover, committed as soon as it is done: `id, text, error, seconds`. The image is
MEDIA/covers/{id}.jpg. A missing, unreadable (PIL.UnidentifiedImageError) or truncated file,
or a Tesseract failure, gives text NULL and the reason in `error`, never a crash; a cover
without text gives "" (not a failure). A rerun does only new covers (`--retry-failed` also
redoes NULL results).

Settings, measured with `pipeline.quality.char_accuracy` on two sets of synthetic covers:
(A) 32 captions with a dark outline over a coloured background, 320-1024 px high, JPEG
quality 50; (B) the 11 readable demo covers (dark text in a white box + a handle).
Tesseract's default page segmentation (--psm 3, as in the study): A 0.45, B 0.997;
sparse text (--psm 11): A 0.67, B 0.46 (it misses dark-on-light boxes); --psm auto (run
both, keep the result whose words have the larger summed confidence x length): A 0.69,
B 0.997; auto plus upscaling covers under 720 px (the default): A 0.71, B 0.997, about
0.6 s per cover. Converting to greyscale first lowered accuracy (A 0.61), so colour is kept.

Exit status: 0 when every pending cover was recorded and at least one was read (or nothing
was pending); 1 when all pending covers failed or some could not be recorded.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from pipeline import items as runner
from pipeline.config import count, positive_float, run_cli

TABLE = "ocr"
COLUMNS = {"id": str, "text": str, "error": str, "seconds": float}


MAX_UPSCALED_PIXELS = 16_000_000   # an upscaled cover is at most 16 Mpx (48 MB as RGB) …
MAX_UPSCALED_SIDE = 10_000         # … and 10,000 px on its longer side


def upscale_factor(width: int, height: int, min_height: int) -> float:
    """How much to enlarge a ``width`` × ``height`` image so it is ``min_height`` tall, bounded
    so the result stays within :data:`MAX_UPSCALED_PIXELS` and :data:`MAX_UPSCALED_SIDE`
    (a 1000 × 2 banner would otherwise become 360,000 × 720: 259 Mpx, 2 GB); 1 = unchanged."""
    scale = min(min_height / height, MAX_UPSCALED_SIDE / max(width, height),
                (MAX_UPSCALED_PIXELS / (width * height)) ** 0.5)
    return max(scale, 1.0)


def load_image(path, *, preprocess=True, min_height=720):
    """Open and fully decode an image as RGB; with `preprocess`, upscale short ones."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()  # decode now, so a truncated file fails here
        img = im.convert("RGB")
    scale = upscale_factor(img.width, img.height, min_height) if preprocess else 1.0
    if scale > 1.0:
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS)
    return img


def _read(img, lang: str, psm: int, timeout: float) -> tuple[str, float]:
    """Tesseract's text for one page segmentation mode, and a score: the summed
    confidence x length of its words (so the mode that reads more, more surely, wins)."""
    import pytesseract

    data = pytesseract.image_to_data(img, lang=lang, config=f"--psm {psm}", timeout=timeout,
                                     output_type=pytesseract.Output.DICT)
    lines, score = {}, 0.0
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not word.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(word.strip())
        score += conf * len(word.strip()) / 100
    return "\n".join(" ".join(ws) for _, ws in sorted(lines.items())), score


def recognise(img, *, lang="eng", psm="auto", timeout=60.0) -> str:
    """Text on an image; psm "auto" runs modes 3 and 11 and keeps the better-scored one."""
    modes = (3, 11) if psm == "auto" else (int(psm),)
    results = [_read(img, lang, m, timeout) for m in modes]
    return max(results, key=lambda r: r[1])[0]


def psm_option(text: str) -> str:
    """argparse type of ``--psm``: auto, or one of Tesseract's page segmentation modes that
    read text, 1 and 3-13 (0 only detects orientation; 2 is not implemented)."""
    if text == "auto" or (text.isdigit() and int(text) in (1, *range(3, 14))):
        return text
    raise argparse.ArgumentTypeError(f"{text!r}: must be auto, 1 or a number from 3 to 13 "
                                     "(0 only detects orientation, 2 is not implemented)")


def language_problem(lang: str) -> str | None:
    """Why Tesseract cannot read ``lang`` (e.g. ``eng+spa``), or None: checked before any item
    runs, so a typo is one message instead of a failure recorded against every image."""
    import pytesseract

    try:
        have = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as e:
        return f"Tesseract is not available: {e}"
    missing = [lang_ for lang_ in lang.split("+") if lang_ not in have]
    if missing:
        return (f"--lang {lang}: Tesseract has no data for {', '.join(map(repr, missing))} "
                f"(installed: {', '.join(sorted(have - {'osd'}))}; Debian packages tesseract-ocr-<lang>)")
    return None


def ocr_item(item: dict) -> dict:
    """Pure per-item work: OCR one cover photo into an `ocr` row."""
    from PIL import Image, UnidentifiedImageError
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per worker process
    start = time.perf_counter()
    path = Path(item["path"])
    text, error = None, None
    try:
        img = load_image(path, preprocess=item.get("preprocess", True),
                         min_height=item.get("min_height", 720))
        text = recognise(img, lang=item.get("lang", "eng"), psm=item.get("psm", "auto"),
                         timeout=item.get("timeout", 60)).strip()
    except FileNotFoundError:
        error = f"missing file: {path}"
    except UnidentifiedImageError as e:
        error = f"unreadable image: {e}"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        error = f"corrupt image: {type(e).__name__}: {e}"
    except pytesseract.TesseractError as e:
        error = f"tesseract error: {e}"
    except RuntimeError as e:  # pytesseract's timeout
        error = f"tesseract error: {e}"
    return {"id": item["id"], "text": text, "error": error,
            "seconds": round(time.perf_counter() - start, 3)}


def build_parser():
    p = runner.file_stage_parser(__doc__)
    p.add_argument("--lang", default="eng", help="Tesseract language(s), e.g. eng or eng+spa")
    p.add_argument("--psm", default="auto", type=psm_option,
                   help="Tesseract page segmentation mode: a number (3 automatic, as in the "
                        "study; 11 sparse text) or auto (run 3 and 11, keep the better)")
    p.add_argument("--preprocess", action=argparse.BooleanOptionalAction, default=True,
                   help="upscale small images before OCR")
    p.add_argument("--min-height", type=count, default=720,
                   help="with --preprocess, upscale images shorter than this many pixels")
    p.add_argument("--timeout", type=positive_float, default=60,
                   help="seconds Tesseract may spend on one image")
    return p


def main(argv=None) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    if why := language_problem(args.lang):
        p.error(why)
    covers = args.media / "covers"

    def make_item(id_, prev):
        return {"id": id_, "path": str(covers / f"{id_}.jpg"), "lang": args.lang,
                "psm": args.psm, "preprocess": args.preprocess, "min_height": args.min_height,
                "timeout": args.timeout}

    return runner.run_stage(
        args, name="ocr", table=TABLE, columns=COLUMNS, source_table="downloads",
        source_cmd="python -m pipeline.download",
        source_sql="select id from downloads where cover_path is not null order by id",
        state=runner.text_state("text"), make_item=make_item, fn=ocr_item)


if __name__ == "__main__":
    run_cli(main)
