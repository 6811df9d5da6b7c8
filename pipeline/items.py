"""A small generic runner for per-item pipeline stages.

A stage hands `run_items` its pending work items (picklable dicts with an `id`) and a PURE,
top-level function `item -> row dict` (so it pickles, and could later run on Ray or Dask).
Items run on a `ProcessPoolExecutor` with `workers` processes (`workers <= 1`: in-process;
spawned rather than forked once this process has built a Whisper model, see
core.workers), and each finished row is upserted by id and committed at once. A `kill -9`
therefore loses at most the items in flight, and a rerun redoes only what has no row (or a
failed one). An item may be a *group* (`{"id": ..., "members": [item, ...]}`, see
:func:`grouped`) when work is cheaper done together (Whisper reads short clips in one
window): its function then returns one row per member, and each member is counted, written
or lost as an item.

A row is a failure when `reason(row)` gives a string; its first `:`-separated part is the
reason category counted in the summary (e.g. "HTTP 404: Not Found" counts as "HTTP 404").
A failure never replaces an item's earlier successful row (`--all` with a wrong `--media`
would otherwise erase every result): it is counted, and the old row kept.

Exit-code convention shared by the stages (`exit_code`): 0 when every pending item got a row
(successes and failures recorded with a reason alike) and, if anything was pending, at least
one item succeeded; 1 when items were lost (a worker died, nothing recorded) or every item
failed (e.g. no network for `--engine google`), since then the stage did nothing useful.
"""
from __future__ import annotations

import argparse
import logging
import sqlite3
import time
from collections import Counter
from contextlib import contextmanager
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlite_utils
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from core.store import check_kind
from core.workers import FORK_UNSAFE, worker_pool
from pipeline import executors
from pipeline.executors import WorkerLost, is_ray, ray_results

log = logging.getLogger("pipeline")


def open_db(path) -> sqlite_utils.Database:
    """The pipeline db, waiting up to 60 s for a lock held by another stage. A directory, a
    file that is not SQLite or a corpus, results or cache database is refused
    (NotADatabase: one line and exit 2 through `pipeline.config.run_cli`)."""
    path = Path(path)
    check_kind(path, "pipeline", growing=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite_utils.Database(sqlite3.connect(str(path), timeout=60))


def open_existing_db(path, name: str) -> sqlite_utils.Database | None:
    """The pipeline db of a stage that reads what an earlier stage wrote, or None when there
    is none (said on stdout): a mistyped path is said, not created."""
    check_kind(path, "pipeline", growing=True)
    if not Path(path).is_file():
        print(f"{name}: no pipeline database {path}: run `python -m pipeline.ingest` first, "
              f"or pass --pipeline-db")
        return None
    return open_db(path)


def error_category(error) -> str:
    return str(error).split(":", 1)[0].strip() or "error"


def default_reason(row: dict) -> str | None:
    return row.get("error")


@dataclass
class Counts:
    pending: int = 0
    done: int = 0           # rows written with a successful result
    failed: int = 0         # rows written with a recorded failure reason
    kept: int = 0           # of those, items whose earlier successful row was kept instead
    lost: int = 0           # items with no row written (worker crashed)
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0


@contextmanager
def write_transaction(db: sqlite_utils.Database):
    """A transaction that takes the write lock first (BEGIN IMMEDIATE, waiting out the busy
    timeout). One that read first and then wanted to write could meet another stage writing
    the same db (the demo runs two lanes at once), and SQLite answers that deadlock with
    "database is locked" at once instead of waiting."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        with db.atomic():   # inside a transaction: a savepoint
            yield db
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def upsert_row(db: sqlite_utils.Database, table: str, row: dict) -> None:
    """Upsert one row and commit it."""
    with write_transaction(db):
        db[table].upsert(row, pk="id")


def members(item: dict) -> list[dict]:
    """The items a work item stands for: a group's members, or the item itself."""
    return item.get("members") or [item]


def grouped(items: list[dict], size, limit: float) -> list[dict]:
    """`items` packed in order into groups whose `size(item)`s add up to at most `limit`
    (an item larger than `limit` on its own). A group of one is the plain item."""
    out, cur, total = [], [], 0.0
    for item in items:
        s = size(item)
        if cur and total + s > limit:
            out.append(cur)
            cur, total = [], 0.0
        cur.append(item)
        total += s
    if cur:
        out.append(cur)
    return [g[0] if len(g) == 1 else {"id": g[0]["id"], "members": g} for g in out]


def run_items(db: sqlite_utils.Database, table: str, items: list[dict], fn: Callable,
              *, workers: int = 1, reason: Callable[[dict], str | None] = default_reason,
              category: Callable[[dict], str] | None = None,
              on_exception: Callable[[dict, BaseException], dict] | None = None,
              desc: str | None = None, progress: bool = True, executor: str = "process") -> Counts:
    """Run `fn` on every item, upserting each returned row into `table` as soon as it is done.

    `reason(row)` is the failure text of a row (None: success) and `category(row)` the short
    key it is counted under (default: the reason up to its first colon).
    `on_exception(item, exc)` turns an exception escaping `fn` into a failure row (default:
    the exception is logged and the item counted as lost, so a rerun retries it).
    `executor` is ``process`` (the pool, or in-process for one worker) or Ray
    (:mod:`pipeline.executors`: ``ray`` or a cluster's address); rows are written here either way.
    """
    counts = Counts(pending=sum(len(members(i)) for i in items))
    start = time.perf_counter()

    def record(item, row=None, exc=None):
        if exc is not None:
            if on_exception is None or isinstance(exc, (BrokenProcessPool, WorkerLost)):
                for m in members(item):
                    counts.lost += 1
                    counts.reasons["lost: " + type(exc).__name__] += 1
                    log.error("%s: %s not recorded: %s: %s", table, m.get("id"),
                              type(exc).__name__, exc)
                return
            row = [on_exception(m, exc) for m in members(item)]
        for r in row if isinstance(row, list) else [row]:
            record_row(r)

    def record_row(row):
        why = reason(row)
        kept = bool(why) and succeeded(row.get("id"))
        if not kept:
            upsert_row(db, table, row)
        if why:
            counts.failed += 1
            counts.kept += kept
            counts.reasons[category(row) if category else error_category(why)] += 1
            log.warning("%s: %s failed%s: %s", table, row.get("id"),
                        ", earlier result kept" if kept else "", why)
        else:
            counts.done += 1

    def succeeded(id_) -> bool:
        """Has `id_` a successful row already? (`--all` redoes done items: a failure then,
        from a moved media directory or a broken tool, must not erase what was read.)"""
        if id_ is None or table not in db.table_names():
            return False
        earlier = list(db.query(f"select * from [{table}] where id = ?", [id_]))
        return bool(earlier) and not reason(earlier[0])

    with logging_redirect_tqdm(), tqdm(total=counts.pending, desc=desc or table, unit="item",
                                       disable=not progress or not items) as bar:
        if is_ray(executor) and items:
            for item, row, exc in ray_results(fn, items, executor, workers):
                record(item, row, exc)
                bar.update(len(members(item)))
        elif workers <= 1 or len(items) <= 1:
            for item in items:
                try:
                    row = fn(item)
                except Exception as exc:  # noqa: BLE001 - recorded, never fatal
                    record(item, exc=exc)
                else:
                    record(item, row)
                bar.update(len(members(item)))
        else:
            with worker_pool(workers, FORK_UNSAFE) as pool:   # stages may run Whisper
                futures = {pool.submit(fn, item): item for item in items}
                for fut in as_completed(futures):
                    try:
                        row = fut.result()
                    except Exception as exc:  # noqa: BLE001
                        record(futures[fut], exc=exc)
                    else:
                        record(futures[fut], row)
                    bar.update(len(members(futures[fut])))
    counts.seconds = time.perf_counter() - start
    return counts


def add_common_options(p: argparse.ArgumentParser, *, retry_default: bool) -> None:
    """Options every per-item stage has (`--retry-failed` default differs per stage)."""
    p.add_argument("--retry-failed", action=argparse.BooleanOptionalAction, default=retry_default,
                   help="also redo items whose earlier result was a recorded failure")
    p.add_argument("--all", dest="redo_all", action="store_true",
                   help="redo every item, including ones already done")
    from pipeline.config import count

    p.add_argument("--limit", type=count, default=None,
                   help="process at most this many pending items (default: all)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="hide the progress bar")
    p.add_argument("-v", "--verbose", action="store_true", help="log every failed item's reason "
                   "(failures are always counted in the summary)")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.WARNING if verbose else logging.ERROR,
                        format="%(levelname)s %(message)s")


def summary(stage: str, counts: Counts, skipped: int, workers: int) -> str:
    """One paragraph: what was pending, done, skipped, failed (reasons counted), seconds."""
    per = f" ({counts.seconds / counts.pending:.2f} s/item)" if counts.pending else ""
    text = (f"{stage}: {counts.pending} pending, {skipped} skipped (already done); "
            f"{counts.done} done, {counts.failed} failed")
    reasons = ", ".join(f"{k}: {v}" for k, v in counts.reasons.most_common())
    if reasons:
        text += f" ({reasons})"
    if counts.kept:
        text += f"; {counts.kept} failed item(s) kept their earlier result"
    if counts.lost:
        text += f"; {counts.lost} lost (no row written, rerun to retry)"
    return text + f"; {counts.seconds:.1f} s{per} on {workers} worker(s)."


def exit_code(counts: Counts) -> int:
    if counts.lost:
        return 1
    if counts.pending and counts.done == 0:
        return 1
    return 0


def select_pending(candidates: Iterable[dict], state: Callable[[dict], str], *,
                   retry_failed: bool, redo_all: bool, limit: int | None) -> tuple[list[dict], int]:
    """Split candidates into (pending, number skipped as already done).

    `state(candidate)` is "new" (no usable result yet), "ok" or "failed" (recorded failure).
    Items cut off by `limit` are neither pending nor skipped: a later run does them.
    """
    pending, skipped = [], 0
    for c in candidates:
        s = state(c)
        if redo_all or s == "new" or (s == "failed" and retry_failed):
            pending.append(c)
        else:
            skipped += 1
    if limit is not None:
        pending = pending[:max(limit, 0)]
    return pending, skipped


def file_stage_parser(doc: str, *, retry_default: bool = False) -> argparse.ArgumentParser:
    """The parser of a stage that reads the pipeline db and media dir (first doc paragraph)."""
    from pipeline.config import stage_parser

    p = stage_parser(doc.split("\n\n")[0], db=False, pipeline_db=True, media=True, workers=True)
    add_common_options(p, retry_default=retry_default)
    executors.add_options(p)
    return p


def text_state(column: str, file_ok: Callable[[dict], bool] | None = None):
    """state() for a stage whose result column is NULL on failure: new / ok / failed.

    With `file_ok(prev_row)`, a done row whose output file has vanished counts as new.
    """
    def state(c: dict) -> str:
        p = c["prev"]
        if p is None:
            return "new"
        if p.get(column) is None:
            return "failed"
        return "ok" if file_ok is None or file_ok(p) else "new"
    return state


def run_stage(args, *, name: str, table: str, columns: dict, source_table: str,
              source_cmd: str, source_sql: str,
              state: Callable[[dict], str], make_item: Callable[[str, dict], dict],
              fn: Callable[[dict], dict], group: Callable[[list], list] | None = None) -> int:
    """The main() of a per-item stage: select pending ids from `source_sql` (rows with an
    `id`), run `fn` on `make_item(id, prev_row)` for each (or on the work `group(items)`
    packs them into), print the summary, return the exit code. `source_table` must exist;
    `source_cmd` is the stage that fills it."""
    from core.store import valid_id

    setup_logging(args.verbose)
    db = open_existing_db(args.pipeline_db, name)
    if db is None:
        return 1
    try:
        if source_table not in db.table_names():   # checked before any table is made
            print(f"{name}: no `{source_table}` table in {args.pipeline_db}: "
                  f"run `{source_cmd}` first")
            return 1
        if not Path(args.media).is_dir():
            print(f"{name}: no media directory {args.media}: run `python -m pipeline.download` "
                  f"first, or pass --media")
            return 2
        with write_transaction(db):
            db[table].create(columns, pk="id", if_not_exists=True)
            for col, kind in columns.items():   # a column added since the table was made
                if col not in db[table].columns_dict:
                    db[table].add_column(col, kind)
        prev = {r["id"]: r for r in db.query(f"select * from [{table}]")}
        cands, invalid = [], 0
        for r in db.query(source_sql):
            try:
                cands.append({"id": valid_id(r["id"]), "prev": prev.get(r["id"])})
            except ValueError as e:
                invalid += 1
                log.warning("%s: skipping %s", name, e)
        pending, skipped = select_pending(cands, state, retry_failed=args.retry_failed,
                                          redo_all=args.redo_all, limit=args.limit)
        work = [make_item(c["id"], c["prev"]) for c in pending]
        if group is not None:
            work = group(work)
        counts = run_items(db, table, work, fn, workers=args.workers, desc=name,
                           progress=args.progress, executor=executors.resolve(args),
                           on_exception=lambda it, e: {
                               "id": it["id"], "error": f"crash: {type(e).__name__}: {e}"})
        text = summary(name, counts, skipped, args.workers)
        if invalid:
            text = text[:-1] + f"; {invalid} invalid id(s) ignored."
        print(text)
        return exit_code(counts)
    finally:
        db.close()
