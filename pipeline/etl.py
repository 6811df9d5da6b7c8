"""ETL: combine the pipeline db's stage results into the corpus database `tiktoks.db`.

    python -m pipeline.etl [--pipeline-db data/pipeline.db] [--db data/tiktoks.db]
                           [--queries queries.json] [--collection NAME]

Reads `raw` (ingest) and the per-item stage tables `downloads`, `ocr`, `audio`, `transcripts`,
`frames` (a stage that has not run yet counts as "not run") and writes, with
`core.store.write_corpus`, the study's schema: one `tiktoks` row per raw record (counts also
as numbers, media paths, `coverphoto_ocr`, `speech_to_text`, and `onscreen_text` from the
frames stage, NULL where it has not run or failed: it is optional), its `comments` (0-based `position` in the scraped list),
the optional test queries and `meta`. As in the study, a TikTok is *usable* when it was
downloaded (non-null `download_timestamp`) AND its cover OCR text is non-null AND its
transcript is non-null; an empty string counts as a result. The database is written to a
temporary file and renamed, so a rerun replaces it and a failed run leaves the old one intact.

`--queries` takes the study's queries.json format (a list of {text, target, author,
useful-description, comments-on-topic, purely-visual, important-lyrics, subtextual}); they get
query_id 1..n in file order and the collection name `--collection` (default: the file's stem).
The summary names how many documents are usable and why the others are not.
"""
from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from core.json_text import parse_json
from core.engine import warm_index_cache
from core.locks import Busy
from core.store import TAGS, NotADatabase, check_kind, parse_count, valid_id, write_corpus
from pipeline.config import run_cli, stage_parser

STAGE_TABLES = ("downloads", "ocr", "audio", "transcripts", "frames")
MAX_LISTED = 25  # unusable records listed one per line in the summary


def _category(error) -> str:
    return str(error).split(":", 1)[0].strip() or "error"


def _str(value):
    return None if value is None else str(value)


def load_stage(db: sqlite_utils.Database, table: str) -> dict:
    if table not in db.table_names():
        return {}
    return {r["id"]: r for r in db.query(f"select * from [{table}]")}


def unusable_reason(rid: str, stages: dict) -> str | None:
    """Why a record is not usable (a short 'category: detail'), or None when it is."""
    dl = stages["downloads"].get(rid)
    if dl is None:
        return "not downloaded: download stage has not run"
    if dl.get("download_timestamp") is None:
        detail = "; ".join(f"{k} {dl[k + '_error']}" for k in ("video", "cover")
                           if dl.get(k + "_error")) or "incomplete download"
        return f"not downloaded: {detail}"
    ocr = stages["ocr"].get(rid)
    if ocr is None or ocr.get("text") is None:
        return "no cover OCR: " + (ocr.get("error") or "no text" if ocr else "OCR stage has not run")
    tr = stages["transcripts"].get(rid)
    if tr is None or tr.get("text") is None:
        if tr is not None and tr.get("error"):
            return "no transcript: " + tr["error"]
        au = stages["audio"].get(rid)
        if au is not None and au.get("wav_path") is None:
            return "no transcript: audio " + (au.get("error") or "not extracted")
        return "no transcript: transcribe stage has not run"
    return None


def build_rows(pipeline_db) -> tuple[list, list, dict]:
    """(tiktoks, comments, reasons {id: reason}) from the pipeline db."""
    path = Path(pipeline_db)
    if not path.exists():
        raise SystemExit(f"etl: no pipeline db at {path}: run `python -m pipeline.ingest` first")
    check_kind(path, "pipeline", growing=True)   # NotADatabase: one line, exit 2 (run_cli)
    db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=60))
    try:
        if "raw" not in db.table_names():
            raise SystemExit(f"etl: {path} has no `raw` table: run `python -m pipeline.ingest` first")
        stages = {t: load_stage(db, t) for t in STAGE_TABLES}
        raws = list(db.query("select id, record from raw order by id"))
    finally:
        db.close()
    tiktoks, comments, reasons = [], [], {}
    for r in raws:
        rec = json.loads(r["record"])
        rid = r["id"]
        dl = stages["downloads"].get(rid) or {}
        reason = unusable_reason(rid, stages)
        if reason:
            reasons[rid] = reason
        tiktoks.append({
            "id": rid, "web_id": _str(rec.get("web-id")), "permalink": rec.get("permalink"),
            "video_src": rec.get("video-src"), "coverphoto_src": rec.get("coverphoto-src"),
            "music_src": rec.get("music-src"),
            "speech_to_text": (stages["transcripts"].get(rid) or {}).get("text"),
            "coverphoto_ocr": (stages["ocr"].get(rid) or {}).get("text"),
            "onscreen_text": (stages["frames"].get(rid) or {}).get("text"),
            "music_title": rec.get("music-title"),
            "like_count": _str(rec.get("like-count")), "comment_count": _str(rec.get("comment-count")),
            "like_count_n": parse_count(rec.get("like-count")),
            "comment_count_n": parse_count(rec.get("comment-count")),
            "creator_username": rec.get("creator-username"),
            "creator_nickname": rec.get("creator-nickname"),
            "description": rec.get("description"), "time_posted": rec.get("timeposted"),
            "scrape_timestamp": _str(rec.get("scrape-timestamp")),
            "download_timestamp": dl.get("download_timestamp"),
            "video_path": dl.get("video_path"), "cover_path": dl.get("cover_path"),
            "usable": 0 if reason else 1,
            "watched_at": rec.get("watched_at"), "collected_from": rec.get("source"),
        })
        for pos, c in enumerate(rec.get("comments") or []):
            comments.append({
                "video_id": rid, "position": pos,
                "like_count": _str(c.get("like-count")), "like_count_n": parse_count(c.get("like-count")),
                "replies_count": _str(c.get("replies-count")),
                "replies_count_n": parse_count(c.get("replies-count")),
                "comment_text": c.get("comment-text"), "commenter_name": c.get("commenter-username"),
                "time_posted": _str(c.get("time-posted")),
            })
    return tiktoks, comments, reasons


def load_queries(path: Path, collection: str | None = None) -> list[dict]:
    """The study's queries.json as `queries` rows; raises ValueError naming a bad entry.

    An entry's own `collection` and `created-at` (a file written by the dashboard's export,
    core.query_set) are kept; `collection` overrides the first, the file's name stands in for
    it, and the file's time for a missing `created-at`."""
    data = parse_json(Path(path).read_bytes(), str(path))   # BadJSON is a ValueError
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of queries")
    stem = Path(path).stem
    created = datetime.fromtimestamp(Path(path).stat().st_mtime, timezone.utc).isoformat(
        timespec="seconds")
    rows = []
    for i, q in enumerate(data):
        where = f"{path}: query {i}"
        if not isinstance(q, dict) or not isinstance(q.get("text"), str) or not q["text"].strip():
            raise ValueError(f"{where}: needs a non-empty 'text'")
        try:
            target = valid_id(q.get("target"))
        except ValueError as exc:
            raise ValueError(f"{where}: 'target': {exc}") from None
        own = {k: q.get(k) if isinstance(q.get(k), str) and q.get(k).strip() else None
               for k in ("collection", "created-at", "created_at")}
        row = {"query_id": i + 1, "query_text": q["text"], "target_id": target,
               "author": q.get("author"),
               "created_at": own["created-at"] or own["created_at"] or created,
               "collection": collection or own["collection"] or stem}
        for tag in TAGS:
            value = q.get(tag.replace("_", "-"), q.get(tag, False))
            if value not in (True, False, 0, 1, None):
                raise ValueError(f"{where}: {tag.replace('_', '-')!r} must be a boolean")
            row[tag] = int(bool(value))
        rows.append(row)
    return rows


def summary(tiktoks: list, reasons: dict, queries: list, db_path) -> str:
    usable = sum(t["usable"] for t in tiktoks)
    cats = Counter(r.split(":", 1)[0] for r in reasons.values())
    details = Counter(f"{r.split(':', 1)[0]} ({_category(r.split(':', 1)[1]) if ':' in r else ''})"
                      for r in reasons.values())
    text = (f"etl: wrote {db_path}: {len(tiktoks)} TikToks, {usable} usable "
            f"(downloaded, with cover OCR and transcript), {len(tiktoks) - usable} unusable")
    if reasons:
        text += ": " + "; ".join(f"{n} {c}" for c, n in cats.most_common())
        text += ". Details: " + ", ".join(f"{d} x{n}" for d, n in sorted(details.items()))
    text += "."
    if queries:
        ok = {t["id"] for t in tiktoks if t["usable"]}
        missing = [q["query_id"] for q in queries if q["target_id"] not in ok]
        names = sorted({q["collection"] for q in queries})
        text += (f" {len(queries)} queries in collection{'s' if len(names) > 1 else ''} "
                 f"{', '.join(map(repr, names))}")
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        text += (f"; {len(missing)} targets not usable (queries {shown})." if missing
                 else ", every target usable.")
    return text


def main(argv=None) -> int:
    p = stage_parser(__doc__.split("\n\n")[0], db=True, pipeline_db=True)
    p.add_argument("--queries", type=Path, help="test queries in the study's queries.json format")
    p.add_argument("--collection", help="name of the query collection (default: file stem)")
    p.add_argument("--source", help="what the corpus came from, stored in meta (default: the "
                                     "pipeline db path)")
    a = p.parse_args(argv)
    try:
        queries = load_queries(a.queries, a.collection) if a.queries else []
    except (OSError, ValueError) as exc:
        print(f"etl: {exc}; {a.db} left unchanged", file=sys.stderr)
        return 2
    tiktoks, comments, reasons = build_rows(a.pipeline_db)
    meta = {"normalisation": "default", "source": a.source or f"pipeline:{a.pipeline_db}",
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "unusable_reasons": reasons}
    try:
        replaced = [a.collection or Path(a.queries).stem] if a.queries else []   # even when empty
        write_corpus(a.db, tiktoks, comments, queries, meta, collections=replaced)
    except (Busy, NotADatabase) as exc:
        print(f"etl: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, Busy) else 2
    warm_index_cache(a.db)   # the first search after a start reads it
    print(summary(tiktoks, reasons, queries, a.db))
    listed = sorted(reasons.items())
    for rid, reason in listed[:MAX_LISTED]:
        print(f"  unusable {rid}: {reason}")
    if len(listed) > MAX_LISTED:
        print(f"  ... and {len(listed) - MAX_LISTED} more (all in the meta table, key "
              "'unusable_reasons')")
    return 0


if __name__ == "__main__":
    run_cli(main)
