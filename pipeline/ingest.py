"""Ingest scraped batch JSON files (the output of `pipeline/scraper.js`) into the pipeline db.

    python -m pipeline.ingest [--pipeline-db data/pipeline.db] FILE_OR_DIR ...

Each file must hold a JSON list of records in the study's format. A file that is not valid JSON
is reported with its line and column and skipped (the other files are still loaded); a bad
record (no id, an id that is not digits, a missing required field, a field of the wrong type)
becomes a row of `rejects(source, position, id, reason)` and the rest of its file is loaded.
Positions are 0-based indexes into the file's list.

Records are merged by id into `raw(id, record, source, ingested_at)`: one row per TikTok, never
duplicates. When the same id is scraped more than once, the record with the later
`scrape-timestamp` wins (on a tie, or without timestamps, the file ingested last wins): a
re-scrape refreshes expiring media URLs and counts, while re-ingesting an old batch cannot undo
it. Each file is loaded in one transaction, and its earlier rejects are replaced, so ingesting
a file again is idempotent. Exit code 1 when a file could not be read at all, else 0.
"""
from __future__ import annotations

import json
import math
import sys
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from core.json_text import BadJSON, parse_json
from core.store import valid_id
from pipeline.config import run_cli, stage_parser
from pipeline.items import open_db

# field -> (accepted types, required). Every key of the study's batches is listed, then the
# two that `pipeline.collect` adds: when the user watched it (UTC ISO 8601) and from which lists.
FIELDS = {
    "id": ((str, int), True),
    "video-src": ((str,), True),
    "coverphoto-src": ((str,), True),
    "permalink": ((str,), False),
    "web-id": ((str, int), False),
    "like-count": ((str, int), False),
    "comment-count": ((str, int), False),
    "creator-username": ((str,), True),
    "creator-nickname": ((str,), False),
    "timeposted": ((str,), False),
    "music-title": ((str,), False),
    "music-src": ((str,), False),
    "description": ((str,), True),
    "comments": ((list,), True),
    "scrape-timestamp": ((int, float), False),
    "watched_at": ((str,), False),
    "source": ((str,), False),
}
COMMENT_FIELDS = ("commenter-username", "comment-text", "time-posted", "like-count",
                  "replies-count")


class FileError(Exception):
    """A whole file could not be read as a list of records."""


def check_record(rec) -> str:
    """The record's id, or raise ValueError naming the offending field."""
    if not isinstance(rec, dict):
        raise ValueError(f"record is a {type(rec).__name__}, expected an object")
    for name, (types, required) in FIELDS.items():
        if name not in rec or rec[name] is None:
            if required:
                raise ValueError(f"field {name!r} is missing")
            continue
        value = rec[name]
        if isinstance(value, bool) or not isinstance(value, types):
            want = " or ".join(t.__name__ for t in types)
            raise ValueError(f"field {name!r} is a {type(value).__name__}, expected {want}")
        if isinstance(value, float) and not math.isfinite(value):   # JSON's NaN would never compare
            raise ValueError(f"field {name!r} is {value}, expected a finite number")
    try:
        rid = valid_id(rec["id"])
    except ValueError as exc:
        raise ValueError(f"field 'id': {exc}") from None
    for i, c in enumerate(rec["comments"]):
        if not isinstance(c, dict):
            raise ValueError(f"field 'comments'[{i}] is a {type(c).__name__}, expected an object")
        for k in COMMENT_FIELDS:
            v = c.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (str, int))):
                raise ValueError(f"field 'comments'[{i}].{k!r} is a {type(v).__name__}, "
                                 "expected str or int")
    return rid


def read_batch(path: Path) -> list:
    try:
        text = path.read_bytes()   # bytes: json takes UTF-8 with or without a byte-order mark
    except OSError as exc:
        raise FileError(f"{path}: cannot read: {exc}") from None
    try:
        data = parse_json(text, str(path))
    except BadJSON as exc:
        raise FileError(str(exc)) from None
    if not isinstance(data, list):
        raise FileError(f"{path}: expected a JSON list of records, found {type(data).__name__}")
    return data


def _newer(new: dict, old_json: str | None) -> bool:
    if old_json is None:
        return True
    old_ts = json.loads(old_json).get("scrape-timestamp")
    new_ts = new.get("scrape-timestamp")
    return old_ts is None or new_ts is None or new_ts >= old_ts


def ingest_file(db: sqlite_utils.Database, path: Path) -> dict:
    """Load one file in one transaction; returns counts {loaded, replaced, unchanged, kept,
    rejected} (unchanged: the same record again, e.g. the same batch ingested twice)."""
    records = read_batch(path)
    source = str(path)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    counts = {"loaded": 0, "replaced": 0, "unchanged": 0, "kept": 0, "rejected": 0}
    with db.atomic():  # one transaction per file
        db.execute("delete from rejects where source = ?", [source])
        for pos, rec in enumerate(records):
            try:
                rid = check_record(rec)
            except ValueError as exc:
                raw_id = rec.get("id") if isinstance(rec, dict) else None
                db.execute("insert into rejects (source, position, id, reason) values (?, ?, ?, ?)",
                           [source, pos, None if raw_id is None else str(raw_id),
                            f"{path.name} record {pos}: {exc}"])
                counts["rejected"] += 1
                continue
            rec = dict(rec, id=rid)
            old = db.execute("select record from raw where id = ?", [rid]).fetchone()
            text = json.dumps(rec, ensure_ascii=False)
            if old is not None and old[0] == text:
                counts["unchanged"] += 1
                continue
            if old is not None and not _newer(rec, old[0]):
                counts["kept"] += 1
                continue
            db.execute("insert or replace into raw (id, record, source, ingested_at) "
                       "values (?, ?, ?, ?)",
                       [rid, text, source, now])
            counts["replaced" if old is not None else "loaded"] += 1
    return counts


def open_pipeline_db(path) -> sqlite_utils.Database:
    db = open_db(path)
    db["raw"].create({"id": str, "record": str, "source": str, "ingested_at": str}, pk="id",
                     if_not_exists=True)
    db["rejects"].create({"source": str, "position": int, "id": str, "reason": str},
                         if_not_exists=True)
    return db


def batch_files(paths) -> list[Path]:
    out = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.json")) if p.is_dir() else [p])
    return out


def main(argv=None) -> int:
    p = stage_parser(__doc__.split("\n\n")[0], db=False, pipeline_db=True)
    p.add_argument("files", nargs="+", help="batch JSON files or directories of them")
    a = p.parse_args(argv)
    files = batch_files(a.files)
    if not files:
        print(f"ingest: no batch files (*.json) in {', '.join(a.files)}: nothing to read", file=sys.stderr)
        return 2
    db = open_pipeline_db(a.pipeline_db)
    total = dict.fromkeys(("loaded", "replaced", "unchanged", "kept", "rejected"), 0)
    bad_files = []
    for path in files:
        try:
            counts = ingest_file(db, path)
        except FileError as exc:
            print(f"ingest: {exc}", file=sys.stderr)
            bad_files.append(str(path))
            continue
        for k, v in counts.items():
            total[k] += v
    for r in db.query("select reason from rejects where source in (%s) order by source, position"
                      % ",".join("?" * len(files)), [str(f) for f in files]):
        print(f"ingest: rejected {r['reason']}", file=sys.stderr)
    n_raw = db.execute("select count(*) from raw").fetchone()[0]
    print(f"ingest: {len(files) - len(bad_files)}/{len(files)} files read; "
          f"{total['loaded']} new records, {total['replaced']} updated (same id scraped again), "
          f"{total['unchanged']} unchanged, "
          f"{total['kept']} older scrapes ignored, {total['rejected']} rejected; "
          f"{n_raw} records in {a.pipeline_db}")
    db.close()
    return 1 if bad_files else 0


if __name__ == "__main__":
    run_cli(main)
