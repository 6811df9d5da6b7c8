"""Import the 2022 study's public data into a corpus database.

    python -m pipeline.import_study ../shared/study2022 --db data/study/tiktoks.db

SRC is a directory in the layout of the study's repository at commit 73c4cc3:
``data/info/batch_*.json``, ``data/ocr.json``, ``data/speech_to_text.json``, ``queries.json``
and (ours) ``unidecode_jl_map.json``. Every record is imported; the cleaned 1,462 (OCR and
speech-to-text both non-null) are marked usable. Bad records are skipped with a reason naming
the file and record; a malformed or missing file stops the import with the file named and the
existing database untouched. The database is written atomically, so a rerun replaces it.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from core.query_set import QuerySetError, parse_queries
from core.json_text import BadJSON, parse_json
from core.engine import warm_index_cache
from core.locks import Busy
from core.store import NotADatabase, parse_count, valid_id, write_corpus
from pipeline.config import run_cli, stage_parser

REQUIRED = ("id", "creator-username", "description")
TEXT_KEYS = ("web-id", "permalink", "video-src", "coverphoto-src", "music-src", "music-title",
             "like-count", "comment-count", "creator-username", "creator-nickname", "timeposted",
             "description")


STUDY_COLLECTION = "study2022"   # the collection the study's queries.json is imported as


class ImportError_(Exception):
    """A file that cannot be imported (named in the message)."""


def read_json(path: Path):
    if not path.exists():
        raise ImportError_(f"missing file: {path}")
    if path.is_dir():
        raise ImportError_(f"{path} is a directory, not a JSON file")
    try:
        return parse_json(path.read_bytes(), str(path))
    except BadJSON as e:
        raise ImportError_(str(e)) from None


def check_record(rec, where: str) -> str | None:
    """Why a scraped record cannot be used, or None when it is fine."""
    if not isinstance(rec, dict):
        return f"{where}: not a JSON object"
    missing = [k for k in REQUIRED if k not in rec]
    if missing:
        return f"{where}: missing field(s) {', '.join(missing)}"
    try:
        valid_id(rec["id"])
    except ValueError as e:
        return f"{where}: {e}"
    for k in TEXT_KEYS:
        if rec.get(k) is not None and not isinstance(rec[k], str):
            return f"{where} (id {rec['id']}): field {k!r} should be text, got {type(rec[k]).__name__}"
    ts = rec.get("scrape-timestamp")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, (int, float))):
        return f"{where} (id {rec['id']}): 'scrape-timestamp' should be a number"
    if not isinstance(rec.get("comments", []), list):
        return f"{where} (id {rec['id']}): 'comments' should be a list"
    return None


def tiktok_row(rec: dict, ocr: dict, sr: dict) -> dict:
    i = str(rec["id"])
    return {
        "id": i, "web_id": rec.get("web-id"), "permalink": rec.get("permalink"),
        "video_src": rec.get("video-src"), "coverphoto_src": rec.get("coverphoto-src"),
        "music_src": rec.get("music-src"), "speech_to_text": sr.get(i), "coverphoto_ocr": ocr.get(i),
        "music_title": rec.get("music-title"), "like_count": rec.get("like-count"),
        "comment_count": rec.get("comment-count"), "like_count_n": parse_count(rec.get("like-count")),
        "comment_count_n": parse_count(rec.get("comment-count")),
        "creator_username": rec.get("creator-username"), "creator_nickname": rec.get("creator-nickname"),
        "description": rec.get("description"), "time_posted": rec.get("timeposted"),
        "scrape_timestamp": rec.get("scrape-timestamp"), "download_timestamp": None,
        "video_path": None, "cover_path": None,
        "usable": int(ocr.get(i) is not None and sr.get(i) is not None),
    }


def comment_rows(rec: dict) -> list[dict]:
    out = []
    for pos, c in enumerate(rec.get("comments") or []):
        if not isinstance(c, dict):
            continue
        out.append({
            "video_id": str(rec["id"]), "position": pos, "like_count": c.get("like-count"),
            "like_count_n": parse_count(c.get("like-count")), "replies_count": c.get("replies-count"),
            "replies_count_n": parse_count(c.get("replies-count")), "comment_text": c.get("comment-text"),
            "commenter_name": c.get("commenter-username"), "time_posted": c.get("time-posted"),
        })
    return out


def query_rows(queries, where: str, collection: str, problems: list[str]) -> list[dict]:
    """Rows for the `queries` table from a study-format list (bad entries reported, skipped)."""
    try:
        rows, found = parse_queries(queries)
    except QuerySetError as e:
        raise ImportError_(f"{where}: {e}") from None
    problems.extend(f"{where} {p}" for p in found)
    return [{**r, "query_id": i, "collection": r["collection"] or collection}
            for i, r in enumerate(rows, start=1)]


def load_study(src: Path):
    """Read a study directory → (tiktoks, comments, queries, meta, problems)."""
    src = Path(src)
    batches = sorted((src / "data" / "info").glob("batch_*.json"),
                     key=lambda p: int("".join(filter(str.isdigit, p.stem)) or 0))
    if not batches:
        raise ImportError_(f"no data/info/batch_*.json files under {src}")
    ocr = read_json(src / "data" / "ocr.json")
    sr = read_json(src / "data" / "speech_to_text.json")
    for name, d in (("data/ocr.json", ocr), ("data/speech_to_text.json", sr)):
        if not isinstance(d, dict):
            raise ImportError_(f"{src / name}: expected a JSON object of id -> text")
    problems: list[str] = []
    records: dict[str, dict] = {}
    for path in batches:
        data = read_json(path)
        if not isinstance(data, list):
            raise ImportError_(f"{path}: expected a JSON list of records")
        for pos, rec in enumerate(data):
            why = check_record(rec, f"{path.name} record #{pos + 1}")
            if why:
                problems.append(why)
                continue
            records[str(rec["id"])] = rec  # a later scrape of the same id replaces the earlier
    tiktoks = [tiktok_row(r, ocr, sr) for r in records.values()]
    comments = [c for r in records.values() for c in comment_rows(r)]
    queries = query_rows(read_json(src / "queries.json"), "queries.json", STUDY_COLLECTION, problems)
    meta = {"source": str(src.resolve()), "normalisation": "study2022"}
    map_path = src / "unidecode_jl_map.json"
    if map_path.exists():
        jl_map = read_json(map_path)
        if not (isinstance(jl_map, dict) and all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in jl_map.items())):
            got = "an object with other values" if isinstance(jl_map, dict) else f"a JSON {type(jl_map).__name__}"
            raise ImportError_(f"{map_path}: expected a JSON object mapping characters to their "
                               f"names (strings to strings), as in the study's; got {got}")
        meta["unidecode_jl_map"] = json.dumps(jl_map, ensure_ascii=False)
    else:   # not a record skipped: main() says so as a note
        meta["normalisation"] = "default"
    return tiktoks, comments, queries, meta, problems


def main(argv=None) -> int:
    p = stage_parser(__doc__.splitlines()[0])
    p.add_argument("src", type=Path, help="study directory (a clone of the study repository at 73c4cc3)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    try:
        tiktoks, comments, queries, meta, problems = load_study(args.src)
    except ImportError_ as e:
        print(f"import_study: {e}", file=sys.stderr)
        return 2
    try:
        write_corpus(args.db, tiktoks, comments, queries, meta, collections=[STUDY_COLLECTION])
    except (Busy, NotADatabase) as e:
        print(f"import_study: {e}", file=sys.stderr)
        return 3 if isinstance(e, Busy) else 2
    warm_index_cache(args.db)   # the first search after a start reads it
    usable = sum(t["usable"] for t in tiktoks)
    ids = {t["id"] for t in tiktoks if t["usable"]}
    targets_ok = sum(q["target_id"] in ids for q in queries)
    if meta["normalisation"] == "default":
        print(f"  note: no {args.src / 'unidecode_jl_map.json'}: the study's normalisation "
              f"(study2022) is unavailable; using default")
    for line in problems[:20]:
        print(f"  skipped: {line}")
    if len(problems) > 20:
        print(f"  … and {len(problems) - 20} more")
    print(f"Imported {len(tiktoks)} TikToks ({usable} usable: OCR and speech-to-text both present), "
          f"{len(comments)} comments and {len(queries)} queries ({targets_ok} with a usable target) "
          f"from {args.src} into {args.db} in {time.perf_counter() - t0:.1f} s; "
          f"{len(problems)} record(s) skipped; normalisation mode {meta['normalisation']}.")
    return 0


if __name__ == "__main__":
    run_cli(main)
