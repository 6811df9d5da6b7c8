"""Collect TikToks from a links file or your TikTok data export with yt-dlp, into the pipeline db.

    python -m pipeline.collect --export user_data_tiktok.json [--lists history,likes]
                               [--since 2024-05-01] [--download] [--max-comments 20]
    python -m pipeline.collect --links links.txt --download

Reads the links (one a line) or the export's watch history, likes and favourites
(:mod:`pipeline.collect.export`; the JSON form, the TXT form, a folder or the zip), merges them
by video id and asks yt-dlp (:mod:`pipeline.collect.fetch`) for each video's metadata and, with
`--download`, its video and cover, written to MEDIA/videos/{id}.mp4 and MEDIA/covers/{id}.jpg as
the download stage writes them (their `downloads` rows too, so `download` skips them). Each
result is a `collected(id, record, error, attempts, collected_at, video_path, cover_path)` row
committed as soon as the video is done: a record in the study's batch format
(:mod:`pipeline.collect.record`) or the reason it failed (removed, private, geo-blocked,
timeout, network error, corrupt file, no media, extractor error, unsupported link). A rerun
skips what is collected and retries the transient failures (`--retry-failed`: also removed,
private and geo-blocked videos and unsupported links). Requests are paced to `--rate` per second.

Finally every collected record of this run's videos, with its `watched_at` (the latest date in
the export, UTC) and `source` (history, likes, favourites, links), is written atomically to
`--batch` and loaded through `ingest`, so `download`, `ocr`, `audio`, `transcribe` and `etl`
work on it as on a scraped batch. Exit 2 when an input cannot be read, 1 when every pending
video failed, else 0.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from core.outputs import check_outputs
from core.store import valid_id
from pipeline import download, ingest
from pipeline import items as runner
from pipeline.collect.export import LINKS, LISTS, ExportError, merge, read_export, read_links
from pipeline.collect.fetch import Failure, fetch
from pipeline.collect.record import info_to_record
from pipeline.config import count, non_negative_float, positive_float, run_cli, stage_parser

TABLE = "collected"
COLUMNS = {"id": str, "record": str, "error": str, "attempts": int, "collected_at": str,
           "video_path": str, "cover_path": str}
FINAL = ("removed", "private", "geo-blocked", "unsupported link")   # not retried by default
TIKTOK_URL = "https://www.tiktok.com/@/video/{id}"
MAX_PROBLEMS = 20
_last_start = [0.0]   # when the previous video's fetch started (items run in this process)


def _lists(text: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in LISTS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown list {', '.join(unknown) or text!r}; choose from "
                         f"{', '.join(LISTS)}")
    return chosen


def _template(text: str) -> str:
    if "{id}" not in text or not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError("expected an http(s) URL with {id} where the video "
                                         "id goes")
    return text


def build_parser():
    p = stage_parser(__doc__.split("\n\n")[0], db=False, pipeline_db=True, media=True)
    p.add_argument("--links", type=Path, action="append", default=[],
                   help="a text file of TikTok links (or ids), one a line (repeatable)")
    p.add_argument("--export", type=Path, action="append", default=[],
                   help="your TikTok data export: user_data_tiktok.json, a TXT list, the "
                        "unzipped folder or the zip (repeatable)")
    p.add_argument("--lists", type=_lists, default=",".join(LISTS), metavar="LIST,...",
                   help="which export lists to collect")
    p.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="only export entries dated on or after this day (UTC)")
    p.add_argument("--download", action="store_true",
                   help="also download each video and its cover into the media directory")
    p.add_argument("--max-comments", type=count, default=0,
                   help="comments to keep per video, when yt-dlp's extractor gives them")
    p.add_argument("--rate", type=non_negative_float, default=1.0,
                   help="at most this many requests per second (0: no pacing)")
    p.add_argument("--timeout", type=positive_float, default=20.0,
                   help="seconds to wait for an unresponsive server")
    p.add_argument("--retries", type=count, default=2,
                   help="extra attempts after a timeout or network error")
    p.add_argument("--backoff", type=non_negative_float, default=2.0,
                   help="first back-off in seconds; doubled after every failed attempt")
    p.add_argument("--batch", type=Path,
                   help="batch JSON file written and ingested (None: collected.json beside "
                        "the pipeline db)")
    p.add_argument("--url-template", type=_template, default=TIKTOK_URL,
                   help="the URL fetched for a video id (another site or a local server)")
    runner.add_common_options(p, retry_default=False)
    return p


def collect_item(item: dict) -> dict:
    """Fetch one video (paced to ``rate``) into a `collected` row; failures become reasons."""
    wait = _last_start[0] + 1 / item["rate"] - time.monotonic() if item["rate"] > 0 else 0
    if wait > 0:
        time.sleep(wait)
    _last_start[0] = time.monotonic()
    row = {"id": item["id"], "attempts": item["attempts"] + 1, "record": None, "error": None,
           "collected_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "video_path": None, "cover_path": None}
    try:
        info, files = fetch(item["url"], item["id"], media=item["media"], **item["opts"])
    except Failure as f:
        row["error"] = str(f)
        return row
    record = info_to_record(info, item["id"], max_comments=item["opts"]["max_comments"],
                            scraped_at=round(time.time(), 3))
    row["record"] = json.dumps(record, ensure_ascii=False)
    row["video_path"] = str(files["video"]) if files else None
    row["cover_path"] = str(files["cover"]) if files else None
    return row


def state(c: dict, want_media: bool) -> str:
    """new / ok / failed for `select_pending`: only final failures count as failed."""
    p = c["prev"]
    if p is None:
        return "new"
    if p.get("record") is not None:
        have = all(p.get(k) and Path(p[k]).is_file() for k in ("video_path", "cover_path"))
        return "ok" if have or not want_media else "new"
    return "failed" if runner.error_category(p.get("error")) in FINAL else "new"


def read_inputs(args) -> tuple[list, list[str]]:
    """Videos to collect (merged by id) and the problems met reading the inputs."""
    entries, problems = [], []
    for path in args.links:
        got = read_links(path)
        entries += got.entries
        problems += got.problems
    for path in args.export:
        got = read_export(path)
        entries += got.entries
        problems += got.problems
        missing = [s for s in args.lists if s not in got.sections]
        if missing:
            problems.append(f"{path}: no {', '.join(missing)} section (nothing collected from it)")
    return merge(entries, args.lists + (LINKS,), args.since), problems


def sync_downloads(db, rows: list[dict]) -> int:
    """`downloads` rows for videos collected with their media, so `download` skips them
    (also for a run killed before it got here: every collected row without one)."""
    db[download.TABLE].create(download.COLUMNS, pk="id", if_not_exists=True)
    done = {r["id"] for r in db.query(
        f"select id from {download.TABLE} where download_timestamp is not null")}
    n = 0
    with db.atomic():
        for r in rows:
            if r.get("record") and r.get("video_path") and r.get("cover_path") \
                    and r["id"] not in done:
                db[download.TABLE].upsert({
                    "id": r["id"], "video_path": r["video_path"], "cover_path": r["cover_path"],
                    "download_timestamp": datetime.fromisoformat(r["collected_at"]).timestamp(),
                    "video_error": None, "cover_error": None, "attempts": r["attempts"]}, pk="id")
                n += 1
    return n


def write_batch(path: Path, videos, rows: dict) -> int:
    """This run's collected records with their watched_at and source, written atomically."""
    records = []
    for v in videos:
        row = rows.get(v.id)
        if row and row.get("record"):
            rec = {k: x for k, x in json.loads(row["record"]).items()
                   if k not in ("watched_at", "source")}
            records.append({**rec, **({"watched_at": v.watched_at} if v.watched_at else {}),
                            "source": v.source})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return len(records)


def main(argv=None) -> int:
    p = build_parser()
    args = p.parse_args(argv)
    if not args.links and not args.export:
        p.error("give --links FILE or --export PATH (or both)")
    batch = args.batch or Path(args.pipeline_db).parent / "collected.json"
    try:   # the batch is rewritten each run: never over an input, a database or a directory
        check_outputs({"--batch": batch},
                      {**{f"--links {f}": f for f in args.links},
                       **{f"--export {f}": f for f in args.export},
                       "--pipeline-db": args.pipeline_db})
    except ValueError as e:
        p.error(str(e))
    runner.setup_logging(args.verbose)
    try:
        videos, problems = read_inputs(args)
    except ExportError as e:
        print(f"collect: {e}", file=sys.stderr)
        return 2
    for line in problems[:MAX_PROBLEMS]:
        print(f"collect: {line}", file=sys.stderr)
    if len(problems) > MAX_PROBLEMS:
        print(f"collect: ... and {len(problems) - MAX_PROBLEMS} more problems", file=sys.stderr)
    print(f"collect: {len(videos)} videos to collect (merged by id) from "
          f"{len(args.links) + len(args.export)} input(s); {len(problems)} problem(s)")
    db = ingest.open_pipeline_db(args.pipeline_db)
    db[TABLE].create(COLUMNS, pk="id", if_not_exists=True)
    prev = {r["id"]: r for r in db.query(f"select * from {TABLE}")}
    cands = [{"id": valid_id(v.id), "prev": prev.get(v.id)} for v in videos]
    pending, skipped = runner.select_pending(
        cands, lambda c: state(c, args.download), retry_failed=args.retry_failed,
        redo_all=args.redo_all, limit=args.limit)
    opts = {"max_comments": max(args.max_comments, 0), "timeout": args.timeout,
            "rate": args.rate, "retries": args.retries, "backoff": args.backoff}
    work = [{"id": c["id"], "url": args.url_template.format(id=c["id"]), "rate": args.rate,
             "media": args.media if args.download else None, "opts": opts,
             "attempts": (c["prev"] or {}).get("attempts") or 0} for c in pending]
    counts = runner.run_items(db, TABLE, work, collect_item, workers=1, progress=args.progress,
                              reason=lambda r: r.get("error"))
    print(runner.summary("collect", counts, skipped, 1))
    rows = {r["id"]: r for r in db.query(f"select * from {TABLE}")}
    synced = sync_downloads(db, [rows[v.id] for v in videos if v.id in rows]) \
        if args.download else 0
    n = write_batch(batch, videos, rows)
    loaded = ingest.ingest_file(db, batch)
    print(f"collect: wrote {n} records to {batch}"
          + (f" ({synced} new videos and covers in {args.media})" if args.download else "")
          + f"; ingest: {loaded['loaded']} new, {loaded['replaced']} updated, "
            f"{loaded['rejected']} rejected")
    db.close()
    return runner.exit_code(counts)


if __name__ == "__main__":
    run_cli(main)
