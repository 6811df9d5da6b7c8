"""Download every scraped TikTok's video and cover photo (stage 2 of the batch pipeline).

Reads `raw` (filled by `ingest`) from the pipeline db and writes one `downloads` row per item,
committed as soon as the item finishes: `id, video_path, cover_path, download_timestamp,
video_error, cover_error, attempts`. Files go to MEDIA/videos/{id}.mp4 and MEDIA/covers/{id}.jpg,
written to a `.part` file and renamed into place, so a killed run never leaves a half file
under the final name. `download_timestamp` (Unix time) is set only when both files are present.

Every request has (connect, read) timeouts and each file a total deadline (a server that
trickles bytes forever is cut off). Connection, SSL and timeout errors, dropped connections
and HTTP 5xx/429 are retried with exponential back-off; `blob:` URLs (downloading disabled)
are skipped, and 404/410, other 4xx, empty bodies and an exceeded deadline are recorded
without retry. As in the study, a rerun skips items already downloaded and retries the
failed ones (`--no-retry-failed` to only do new items); a file that downloaded on an
earlier attempt is kept. `attempts` counts the runs that tried the item.

Exit status: 0 when every pending item was recorded and at least one succeeded (or nothing
was pending); 1 when all pending items failed or some could not be recorded.
"""
from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from core.store import valid_id
from pipeline import executors
from pipeline import items as runner
from pipeline.config import count, non_negative_float, positive_float, run_cli

TABLE = "downloads"
COLUMNS = {"id": str, "video_path": str, "cover_path": str, "download_timestamp": float,
           "video_error": str, "cover_error": str, "attempts": int}
USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0 Safari/537.36")
CHUNK = 1 << 16


class Failure(Exception):
    """A download failure with a reason; `retry` says whether another attempt may help."""

    def __init__(self, reason: str, retry: bool):
        super().__init__(reason)
        self.retry = retry


_session = None

# what a downloaded file must start with: (offset, bytes); MP4/MOV boxes, WebM/Matroska;
# JPEG, PNG, WebP, GIF, HEIF
MAGIC = {
    "video": ((4, b"ftyp"), (4, b"moov"), (4, b"mdat"), (4, b"free"), (4, b"wide"), (0, b"\x1aE\xdf\xa3")),
    "cover": ((0, b"\xff\xd8\xff"), (0, b"\x89PNG"), (8, b"WEBP"), (0, b"GIF8"), (4, b"ftyp")),
}
NOT_MEDIA_TYPES = ("text/", "application/json", "application/xhtml", "application/xml")


def content_problem(kind: str | None, head: bytes, content_type: str | None = None) -> str | None:
    """Why a downloaded file is not a ``kind`` ("video" or "cover"), or None: a server that
    answers 200 with an HTML page (a login wall, an error page) must not count as a download."""
    if kind is None:
        return None
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.startswith(NOT_MEDIA_TYPES):
        return f"not a {kind}: the server sent {ctype} (an error or login page?)"
    if not any(head[o:o + len(m)] == m for o, m in MAGIC[kind]):
        return f"not a {kind}: it starts with {head[:12]!r}, no known {kind} format"
    return None


def _head(path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(16)
    except OSError:
        return b""


def _get_session():
    """This process's HTTP session. One made before a fork is not reused in the child: its
    kept-alive sockets would be shared by two processes, whose replies then cross (a worker
    read another item's cover as its own)."""
    global _session
    if _session is None or _session[0] != os.getpid():
        import requests
        session = requests.Session()
        session.headers["User-Agent"] = USER_AGENT
        _session = (os.getpid(), session)
    return _session[1]


def _attempt(url: str, dest: Path, connect_timeout: float, read_timeout: float,
             deadline: float, kind: str | None = None) -> None:
    """One GET streamed to dest.part, renamed to dest on success; raises Failure."""
    part = dest.with_name(dest.name + ".part")
    start = time.monotonic()
    try:
        with _get_session().get(url, stream=True, timeout=(connect_timeout, read_timeout),
                                allow_redirects=True) as resp:
            code = resp.status_code
            if code >= 400:  # 404/410 and other 4xx are final; 5xx and 429 may pass
                raise Failure(f"HTTP {code}: {resp.reason}", retry=code >= 500 or code == 429)
            expected = None if resp.headers.get("Content-Encoding") \
                else resp.headers.get("Content-Length")
            size = 0
            with open(part, "wb") as f:
                # read1 returns after each socket read (iter_content would block until a
                # whole chunk arrived), so the deadline also stops a server trickling bytes
                while chunk := resp.raw.read1(CHUNK, decode_content=True):
                    f.write(chunk)
                    size += len(chunk)
                    if time.monotonic() - start > deadline:
                        raise Failure(f"deadline: still downloading after {deadline:g} s "
                                      f"({size} bytes)", retry=False)
                f.flush()
                os.fsync(f.fileno())
        if size == 0:
            raise Failure("empty body: the server sent no bytes", retry=False)
        if expected and expected.isdigit() and int(expected) != size:
            raise Failure(f"connection dropped: got {size} of {expected} bytes", retry=True)
        problem = content_problem(kind, _head(part), resp.headers.get("Content-Type"))
        if problem:
            raise Failure(problem, retry=False)
        os.replace(part, dest)
    except BaseException as e:
        part.unlink(missing_ok=True)
        failure = e if isinstance(e, Failure) else _classify(e)
        if failure is None:
            raise
        raise failure from None


def _classify(e: BaseException) -> Failure | None:
    """A network exception as a Failure (None: not a download error, let it propagate)."""
    import requests
    import urllib3

    ex = requests.exceptions
    table = [  # first match wins: subclasses before their bases
        (ex.SSLError, "SSL error", True),
        ((ex.ConnectTimeout, ex.ReadTimeout, urllib3.exceptions.ReadTimeoutError), "timeout",
         True),
        ((ex.ChunkedEncodingError, urllib3.exceptions.ProtocolError), "connection dropped",
         True),
        # urllib3 reports a read timeout during the body as a ConnectionError
        ((ex.ConnectionError, urllib3.exceptions.HTTPError),
         "timeout" if "timed out" in str(e).lower() else "connection error", True),
        (ex.InvalidSchema, "unsupported URL", False),
        (ex.RequestException, f"request error: {type(e).__name__}", False),
    ]
    for types, label, retry in table:
        if isinstance(e, types):
            return Failure(f"{label}: {e}", retry=retry)
    return None


def fetch(url, dest, *, connect_timeout=10.0, read_timeout=30.0, deadline=300.0, retries=3,
          backoff=1.0, kind: str | None = None) -> str | None:
    """Download `url` to `dest` atomically; return None on success or the failure reason
    (``kind`` "video" or "cover": also when the content is not one, see content_problem)."""
    dest = Path(dest)
    dest.with_name(dest.name + ".part").unlink(missing_ok=True)  # left by a killed run
    if not url or not isinstance(url, str):
        return "no URL: the record has no source link"
    if url.startswith("blob:"):
        return "blob URL: cannot be downloaded (downloading is disabled for this video)"
    if not url.startswith(("http://", "https://")):
        return f"unsupported URL: {url[:60]!r}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            _attempt(url, dest, connect_timeout, read_timeout, deadline, kind)
            return None
        except Failure as f:
            if not f.retry or attempt == retries:
                n = attempt + 1
                return f"{f} (after {n} attempt{'s' if n > 1 else ''})"
            time.sleep(backoff * (2 ** attempt) * (1 + 0.25 * random.random()))
    return "unreachable"  # pragma: no cover


def download_item(item: dict) -> dict:
    """Pure per-item work: fetch what is still missing of one TikTok's video and cover."""
    opts = item["opts"]
    out = {"id": item["id"], "attempts": item.get("attempts", 0) + 1}
    for kind in ("video", "cover"):
        if item[f"need_{kind}"]:
            error = fetch(item[f"{kind}_url"], item[f"{kind}_dest"], kind=kind, **opts)
            out[f"{kind}_path"] = None if error else str(item[f"{kind}_dest"])
            out[f"{kind}_error"] = error
        else:
            out[f"{kind}_path"] = str(item[f"{kind}_dest"])
            out[f"{kind}_error"] = None
    ok = out["video_path"] is not None and out["cover_path"] is not None
    out["download_timestamp"] = time.time() if ok else None
    return out


def failure_reason(row: dict) -> str | None:
    if row.get("download_timestamp") is not None:
        return None
    errors = [f"{k} {row[f'{k}_error']}" for k in ("video", "cover") if row.get(f"{k}_error")]
    return "; ".join(errors) or "incomplete download"


def _reason_category(row):
    """'video blob URL', 'cover HTTP 404', ... for the summary counts."""
    parts = [f"{k} {runner.error_category(row[f'{k}_error'])}" for k in ("video", "cover")
             if row.get(f"{k}_error")]
    return " + ".join(parts) or "incomplete download"


def build_parser():
    p = runner.file_stage_parser(__doc__, retry_default=True)
    p.add_argument("--connect-timeout", type=positive_float, default=10.0,
                   help="seconds to wait for a connection to open")
    p.add_argument("--read-timeout", type=positive_float, default=30.0,
                   help="seconds to wait for each read from the server")
    p.add_argument("--deadline", type=positive_float, default=300.0,
                   help="total seconds allowed per file (stops servers that trickle bytes)")
    p.add_argument("--retries", type=count, default=3,
                   help="extra attempts after a retryable error (connection/SSL/timeout/5xx)")
    p.add_argument("--backoff", type=non_negative_float, default=1.0,
                   help="first back-off in seconds; doubled after every failed attempt")
    return p


def candidates(db, media: Path) -> list[dict]:
    """One dict per raw record with its previous downloads row (if any)."""
    if "raw" not in db.table_names():
        raise SystemExit("download: no `raw` table in the pipeline db: run `ingest` first")
    prev = {r["id"]: r for r in db.query(f"select * from {TABLE}")} \
        if TABLE in db.table_names() else {}
    out = []
    for r in db.query("select id, record from raw order by id"):
        c = {"raw_id": r["id"], "prev": prev.get(r["id"])}
        try:
            c["id"] = valid_id(r["id"])
            rec = json.loads(r["record"]) if r["record"] else {}
            if not isinstance(rec, dict):
                raise ValueError("record is not a JSON object")
            c["video_url"], c["cover_url"] = rec.get("video-src"), rec.get("coverphoto-src")
        except (ValueError, TypeError) as e:
            c["invalid"] = f"invalid record: {e}"
        c["video_dest"] = media / "videos" / f"{c.get('id', 'invalid')}.mp4"
        c["cover_dest"] = media / "covers" / f"{c.get('id', 'invalid')}.jpg"
        out.append(c)
    return out


def have(prev: dict, kind: str) -> bool:
    """Is an earlier run's file of this kind still there, and still media?"""
    path = prev.get(f"{kind}_path")
    return bool(path) and Path(path).is_file() and not content_problem(kind, _head(path))


def state(c: dict) -> str:
    p = c["prev"]
    if p is None:
        return "new"
    if p.get("download_timestamp") is not None:
        return "ok" if all(have(p, k) for k in ("video", "cover")) else "new"
    return "failed"


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    runner.setup_logging(args.verbose)
    db = runner.open_existing_db(args.pipeline_db, "download")
    if db is None:
        return 1
    cands = candidates(db, args.media)
    db[TABLE].create(COLUMNS, pk="id", if_not_exists=True)
    pending, skipped = runner.select_pending(cands, state, retry_failed=args.retry_failed,
                                             redo_all=args.redo_all, limit=args.limit)
    opts = {"connect_timeout": args.connect_timeout, "read_timeout": args.read_timeout,
            "deadline": args.deadline, "retries": args.retries, "backoff": args.backoff}
    invalid = [c for c in pending if "invalid" in c]
    work = []
    for c in pending:
        if "invalid" in c:
            continue
        prev = c["prev"] or {}
        item = {k: c[k] for k in ("id", "video_url", "cover_url", "video_dest", "cover_dest")}
        for kind in ("video", "cover"):
            item[f"need_{kind}"] = args.redo_all or not have(prev, kind)
        item["attempts"] = prev.get("attempts") or 0
        item["opts"] = opts
        work.append(item)
    counts = runner.run_items(db, TABLE, work, download_item, workers=args.workers,
                              reason=failure_reason, category=_reason_category,
                              progress=args.progress, executor=executors.resolve(args),
                              on_exception=lambda it, e: {
                                  "id": it["id"], "video_path": None, "cover_path": None,
                                  "download_timestamp": None, "attempts": it["attempts"] + 1,
                                  "video_error": f"crash: {type(e).__name__}: {e}",
                                  "cover_error": f"crash: {type(e).__name__}: {e}"})
    for c in invalid:  # recorded so the ETL sees why, never used in a path or URL
        prev = c["prev"] or {}
        with db.atomic():
            db[TABLE].upsert({"id": c["raw_id"], "video_path": None, "cover_path": None,
                              "download_timestamp": None, "video_error": c["invalid"],
                              "cover_error": c["invalid"],
                              "attempts": (prev.get("attempts") or 0) + 1}, pk="id")
        counts.pending += 1
        counts.failed += 1
        counts.reasons["invalid record"] += 1
    print(runner.summary("download", counts, skipped, args.workers))
    return runner.exit_code(counts)


if __name__ == "__main__":
    run_cli(main)
