"""Quality figures for the media stages: word error rate and OCR character accuracy.

    python -m pipeline.quality --db data/tiktoks.db --truth data/demo/truth.json --worst 5

measures a corpus against a ground truth (the demo generator's `truth.json`: per id its
`script`, `cover_text`, `screen_text` and `broken`), e.g. after `pipeline.transcribe --all
--engine sphinx` and `pipeline.etl`, and with `--worst N` shows the N items each measure
gets most wrong. `make demo` prints the same figures.

Both compare a reference with a hypothesis after light normalisation (lower-case, punctuation
removed, whitespace collapsed), with jiwer's Levenshtein alignment (rapidfuzz underneath):
error rate = (substitutions + deletions + insertions) / reference length. The word error rate
first applies Whisper's English normaliser (package whisper-normalizer, as in the Whisper
paper), so "ten thousand" and "10,000" or "I'm" and "I am" are the same words whichever
engine wrote them.
"""
from __future__ import annotations

import argparse
import functools
import json
import re
import sqlite3
from pathlib import Path

import jiwer
from rapidfuzz.distance import Levenshtein

_PUNCT = re.compile(r"[^\w\s']|_")


def normalise(text) -> str:
    text = _PUNCT.sub(" ", str(text or "").lower()).replace("'", "")
    return " ".join(text.split())


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (substitution, insertion, deletion = 1)."""
    return Levenshtein.distance(a, b)


@functools.lru_cache(maxsize=1)
def _english():
    from whisper_normalizer.english import EnglishTextNormalizer
    return EnglishTextNormalizer()


def wer(ref, hyp) -> float:
    """Word error rate: word edits / reference words (0 is perfect; can exceed 1).

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise."""
    r, h = (normalise(_english()(str(t or ""))) for t in (ref, hyp))
    if not r:
        return 0.0 if not h else 1.0
    return float(jiwer.wer(r, h))


def char_accuracy(ref, hyp) -> float:
    """1 - character error rate (jiwer.cer; spaces count as characters), clipped to [0, 1]."""
    r, h = normalise(ref), normalise(hyp)
    if not r:
        return 1.0 if not h else 0.0
    return max(0.0, 1.0 - float(jiwer.cer(r, h)))


MEASURES = (("cover OCR character accuracy", "cover_text", "coverphoto_ocr", char_accuracy),
            ("on-screen text character accuracy", "screen_text", "onscreen_text", char_accuracy),
            ("speech word error rate", "script", "speech_to_text", wer))
KEYS = {"coverphoto_ocr": "ocr_char_accuracy", "onscreen_text": "screen_char_accuracy",
        "speech_to_text": "wer"}


def per_item(db_path, truth: dict) -> list[dict]:
    """{id, measure column: (figure, reference, hypothesis)} of each usable, unbroken item
    with a ground truth; a column the corpus lacks counts as empty text. The on-screen
    reference keeps each line once: `pipeline.frames` reads a caption shown twice (a hook
    repeated at the end) once, as it should."""
    con = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True, timeout=10)
    try:
        have = {r[1] for r in con.execute("pragma table_info(tiktoks)")}
        cols = ", ".join(c if c in have else f"null as {c}" for _, _, c, _ in MEASURES)
        rows = con.execute(f"select id, {cols} from tiktoks where usable = 1").fetchall()
    finally:
        con.close()
    items = []
    for rid, *texts in rows:
        t = truth.get(rid)
        if not isinstance(t, dict) or t.get("broken"):
            continue
        item = {"id": rid}
        for (_, ref_key, col, fn), hyp in zip(MEASURES, texts):
            ref = str(t.get(ref_key) or "")
            if col == "onscreen_text":   # a caption shown twice is read once, by design
                ref = "\n".join(dict.fromkeys(ref.splitlines()))
            item[col] = (fn(ref, hyp or ""), ref, hyp or "")
        items.append(item)
    return items


def means(items: list[dict]) -> dict:
    """{n, ocr_char_accuracy, screen_char_accuracy, wer} of :func:`per_item`'s items (None
    where there is nothing to measure), as `make demo` writes them to quality.json."""
    out = {"n": len(items)}
    for _, _, col, _ in MEASURES:
        out[KEYS[col]] = sum(i[col][0] for i in items) / len(items) if items else None
    return out


def measure(db_path, truth_path) -> dict:
    """:func:`means` of a corpus against a truth.json."""
    return means(per_item(db_path, read_truth(truth_path)))


def read_truth(path) -> dict:
    """The ground truth {id: {...}} of a truth.json; ValueError naming the file otherwise."""
    try:
        truth = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a JSON ground truth: {e}") from None
    if not isinstance(truth, dict):
        raise ValueError(f"{path} is not a ground truth: expected an object of ids")
    return truth


def main(argv=None) -> int:
    from core.store import check_kind
    from pipeline.config import HelpFormatter, count, defaults, printable

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=HelpFormatter)
    d = defaults()
    p.add_argument("--db", type=Path, default=d["db"], help="corpus database (tiktoks.db)")
    p.add_argument("--truth", type=Path, default=Path(d["db"]).parent / "demo" / "truth.json",
                   help="ground truth JSON (the demo generator's truth.json)")
    p.add_argument("--worst", type=count, default=0,
                   help="also show the N items each measure gets most wrong")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    if not args.db.is_file():
        p.error(f"--db {args.db}: no such corpus (build one with make demo or pipeline.etl)")
    check_kind(args.db, "corpus")
    if not args.truth.is_file():
        p.error(f"--truth {args.truth}: no such file (make demo writes data/demo/truth.json)")
    try:
        truth = read_truth(args.truth)
    except ValueError as e:
        p.error(str(e))
    items = per_item(args.db, truth)
    figures = means(items)
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"{len(items)} usable items with a ground truth in {args.db}")
    for label, _, col, fn in MEASURES:
        if not items:
            break
        print(f"{label}: {figures[KEYS[col]]:.1%}")
        worse = sorted(items, key=lambda i: i[col][0], reverse=fn is wer)[:args.worst]
        for i in worse:
            figure, ref, hyp = i[col]
            print(f"  {i['id']}  {figure:.0%}\n    expected: {printable(ref)}"
                  f"\n    got:      {printable(hyp)}")
    return 0


if __name__ == "__main__":
    from pipeline.config import run_cli
    run_cli(main)
