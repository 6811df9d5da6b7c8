"""Reading and writing the two SQLite databases with sqlite-utils.

`tiktoks.db` holds the corpus in the 2022 study's schema (plus numeric counts, media paths,
a `usable` flag and a `meta` table); `results.db` holds experiment results in the study's
schema plus tie ranges and the normalisation mode. Databases are written to a temporary file
and renamed into place, so a crash never leaves a half-written database; one rebuild at a time,
and writes made during a rebuild are carried over (:mod:`core.locks`).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlite_utils

from .locks import Busy, is_locked, rebuild_lock, write_lock

TIKTOK_COLUMNS = {
    "id": str, "web_id": str, "permalink": str, "video_src": str, "coverphoto_src": str,
    "music_src": str, "speech_to_text": str, "coverphoto_ocr": str, "music_title": str,
    "like_count": str, "comment_count": str, "like_count_n": int, "comment_count_n": int,
    "creator_username": str, "creator_nickname": str, "description": str, "time_posted": str,
    "scrape_timestamp": float, "download_timestamp": float, "video_path": str, "cover_path": str,
    "usable": int, "onscreen_text": str,
    # from a user's own TikTok data export (pipeline.collect): when they watched it (UTC ISO
    # 8601) and the lists it came from ("history,likes"); NULL for scraped corpora
    "watched_at": str, "collected_from": str,
}
COMMENT_COLUMNS = {
    "video_id": str, "position": int, "like_count": str, "like_count_n": int,
    "replies_count": str, "replies_count_n": int, "comment_text": str,
    "commenter_name": str, "time_posted": str,
}
QUERY_COLUMNS = {
    "query_id": int, "query_text": str, "target_id": str, "author": str,
    "useful_description": int, "comments_on_topic": int, "purely_visual": int,
    "important_lyrics": int, "subtextual": int, "created_at": str, "collection": str,
}
TAGS = ("useful_description", "comments_on_topic", "purely_visual", "important_lyrics", "subtextual")

_ID = re.compile(r"^[0-9]{1,30}$")


SQLITE_HEADER = b"SQLite format 3\x00"


class NotADatabase(ValueError):
    """A path given as a database holds something else."""


def check_database(path) -> Path:
    """``path``, unless it is a directory or a file that is not SQLite: then
    :class:`NotADatabase` says so (sqlite would fail later, deep in a query, with "file is not
    a database" or "unable to open database file")."""
    p = Path(path)
    if p.is_dir():
        raise NotADatabase(f"{p} is a directory, not a database file; check the path")
    if p.is_file() and p.stat().st_size:
        with open(p, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
        if head != SQLITE_HEADER:
            raise NotADatabase(f"{p} is not a SQLite database (it starts with {head[:8]!r}); "
                               "check the path")
    return p


def valid_id(value) -> str:
    """Return a TikTok id as a string of digits, or raise ValueError (ids go into paths and URLs)."""
    s = str(value).strip()
    if not _ID.match(s):
        raise ValueError(f"invalid TikTok id {value!r}: expected 1-30 digits")
    return s


def parse_count(text) -> int | None:
    """TikTok's display counts as numbers: '22.6K' -> 22600, '1.2M' -> 1200000, '113' -> 113."""
    if text is None:
        return None
    s = str(text).strip().replace(",", "")
    if not s:
        return None
    mult = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}.get(s[-1].upper(), 1)
    if mult != 1:
        s = s[:-1]
    try:
        return int(round(float(s) * mult))
    except ValueError:
        return None


def create_corpus_schema(db: sqlite_utils.Database) -> None:
    db["tiktoks"].create(TIKTOK_COLUMNS, pk="id", if_not_exists=True)
    db["comments"].create(COMMENT_COLUMNS, pk=("video_id", "position"), if_not_exists=True,
                          foreign_keys=[("video_id", "tiktoks", "id")])
    db["queries"].create(QUERY_COLUMNS, pk="query_id", if_not_exists=True)
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)


# a kind of database: its own table
KINDS = {"corpus": "tiktoks", "results": "experiments", "pipeline": "raw",
         "embedding cache": "vectors"}


def table_names(path) -> set[str]:
    """The tables of an existing database file, read-only (an empty file has none);
    :class:`NotADatabase` when it is no SQLite database, Busy when another process locks it."""
    path = check_database(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError as e:
        if is_locked(e):
            raise Busy(f"{path} is locked by another process ({e}); run again when it is free") from None
        raise NotADatabase(f"{path} cannot be read as a SQLite database ({e})") from None
    finally:
        conn.close()


def check_kind(path, kind: str, *, growing: bool = False) -> Path:
    """``path``, unless it is a database of another kind than ``kind``: a corpus given as
    ``--results`` (or the reverse) is refused (NotADatabase), not replaced. ``growing`` (the
    pipeline db, the embedding cache, whose tables come one by one): only a database holding
    another kind's own table is refused, e.g. a corpus given as the pipeline db."""
    p = check_database(path)
    tables = table_names(p) if p.is_file() and p.stat().st_size else set()
    other = next((k for k, t in KINDS.items() if k != kind and t in tables), None)
    if other or (tables and not growing and KINDS[kind] not in tables):
        what = (f"a {other} database" if other else
                f"a database of something else (tables {', '.join(sorted(tables)[:6])})")
        raise NotADatabase(f"{p} is {what}, not a {kind} database: refusing to write into it; "
                           f"check the path")
    return p


@contextlib.contextmanager
def atomic_database(path: str | os.PathLike, finish=None, kind: str | None = None):
    """Yield a fresh Database at a temporary path; rename it over `path` only on success.

    One rebuild of `path` at a time (:func:`core.locks.rebuild_lock`: a second one raises
    :class:`core.locks.Busy`); a killed run's leftover temporary file is removed first.
    ``finish(db)`` runs under the write lock just before the rename, so rows it copies from
    the old file include every write made before it (:func:`core.locks.write_lock`).
    """
    try:   # never replace a file that is not a database: it may be anything
        check_database(path)
    except NotADatabase as e:
        if Path(path).is_dir():
            raise
        raise NotADatabase(f"{e}; move it away to write a new database here") from None
    path = check_kind(path, kind) if kind else Path(path)   # nor a database of another kind
    with rebuild_lock(path):
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        db = sqlite_utils.Database(tmp)
        try:
            yield db
            with write_lock(path):
                if finish is not None:
                    finish(db)
                db.close()
                os.replace(tmp, path)
        except BaseException:
            db.close()
            tmp.unlink(missing_ok=True)
            raise


def _researcher_data(path, replaced_collections: set) -> tuple[list[dict], list[dict]]:
    """Queries of other collections and viewer history in an existing corpus database.

    A rebuilt corpus keeps what researchers collected in it (core.query_set, core.history),
    so re-importing the study or rerunning the ETL never deletes collected queries.
    """
    if not Path(path).exists():
        return [], []
    db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=60))
    try:
        tables = db.table_names()
        views = list(db.query("select * from views")) if "views" in tables else []
        queries = [q for q in db.query("select * from queries order by query_id")
                   if q.get("collection") not in replaced_collections] if "queries" in tables else []
        return queries, views
    except sqlite3.DatabaseError as e:   # never rebuild without what it was to carry over
        if is_locked(e):
            raise Busy(f"{path} is locked by another process ({e}): not rebuilt, so the queries "
                       "and views collected in it are kept; run again when it is free") from None
        raise NotADatabase(f"cannot read the collected queries and views of {path} ({e}); "
                           "move it away to write a new database here") from None
    finally:
        db.close()


def write_corpus(path, tiktoks: list[dict], comments: list[dict], queries: list[dict] = (),
                 meta: dict | None = None, collections=()) -> None:
    """Write a complete corpus database atomically (a rerun replaces, never duplicates).

    Queries of other collections (than those of ``queries`` and ``collections``: an empty
    queries file still replaces its collection) and the viewer history of the database being
    replaced are carried over (new query ids follow the written ones). ``meta.corpus_id`` is a fresh id per
    write, so caches can tell a rebuilt corpus from one that only gained views or queries.
    """
    queries = list(queries)
    meta = {**(meta or {}), "corpus_id": uuid.uuid4().hex}

    def carry_over(db) -> None:
        """Queries of other collections and views in the old file, read under the write lock."""
        kept, views = _researcher_data(path, {q.get("collection") for q in queries} | set(collections))
        next_id = max((q["query_id"] for q in queries), default=0) + 1
        kept = [{**q, "query_id": n} for n, q in enumerate(kept, start=next_id)]
        with db.atomic():
            if kept:
                db["queries"].insert_all(kept, alter=True)
            if views:
                db["views"].insert_all(views)

    with atomic_database(path, finish=carry_over, kind="corpus") as db:
        create_corpus_schema(db)
        with db.atomic():
            db["tiktoks"].insert_all(tiktoks, batch_size=500)
            db["comments"].insert_all(comments, batch_size=2000)
            if queries:
                db["queries"].insert_all(queries, alter=True)
            for k, v in meta.items():
                db["meta"].insert({"key": k, "value": v if isinstance(v, str) else json.dumps(v)},
                                  replace=True)
        db["comments"].create_index(["video_id"], if_not_exists=True)


def corpus_version(path) -> str:
    """What identifies a corpus build: its ``meta.corpus_id`` (file mtime for older files)."""
    return read_meta(path, "corpus_id") or f"mtime:{Path(path).stat().st_mtime_ns}"


def read_meta(path, key: str, default=None):
    if not Path(path).is_file():
        return default   # opening a missing file would create an empty database
    db = sqlite_utils.Database(check_database(path))
    try:
        if "meta" not in db.table_names():
            return default
        rows = list(db.query("select value from meta where key = ?", [key]))
        return rows[0]["value"] if rows else default
    finally:
        db.close()


@dataclass
class Corpus:
    """Usable documents as a DataFrame indexed 0..N-1: `id` plus one text column per field."""

    docs: pd.DataFrame
    path: str = ""
    mode: str = "default"  # the normalisation mode this corpus asks for
    jl_map: dict | None = None

    @property
    def ids(self) -> list[str]:
        return self.docs["id"].tolist()

    def __len__(self) -> int:
        return len(self.docs)


def load_corpus(path, usable_only: bool = True, exclude_comments=(), comments: bool = True) -> Corpus:
    """Load documents with their comments joined by a space into `comment_text`.

    ``exclude_comments``: (video id, position) of comments left out of `comment_text`, e.g.
    those that became pseudo-queries (core.pseudo_queries), so a query never matches itself.
    ``comments=False`` leaves every `comment_text` empty: for indexes without comments, which
    at a million documents saves most of the corpus's memory (16.6 million comments)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no corpus database at {path}")
    db = sqlite_utils.Database(check_database(path))
    try:
        if not {"tiktoks", "comments"} <= set(db.table_names()):
            raise NotADatabase(f"{path} is not a corpus database (no tiktoks and comments tables); "
                               "build one with `python -m pipeline.etl` or `pipeline.import_study`")
        where = "where t.usable = 1" if usable_only else ""
        skip = ""
        if exclude_comments:
            db.execute("create temp table if not exists excluded (video_id text, position integer)")
            db.execute("delete from temp.excluded")
            db.conn.executemany("insert into temp.excluded values (?, ?)",
                                [(str(v), int(p)) for v, p in exclude_comments])
            skip = ("and not exists (select 1 from temp.excluded x where x.video_id = c.video_id "
                    "and x.position = c.position)")
        joined = f"""coalesce((select group_concat(comment_text, ' ') from
                      (select comment_text from comments c where c.video_id = t.id
                       and comment_text is not null {skip} order by position)), '')"""
        sql = f"select t.*, {joined if comments else repr('')} as comment_text from tiktoks t {where} order by t.id"
        docs = pd.DataFrame(list(db.query(sql)))
    finally:
        db.close()
    if docs.empty:
        docs = pd.DataFrame(columns=list(TIKTOK_COLUMNS) + ["comment_text"])
    elif usable_only:   # an id goes into paths and URLs: a row without a valid one is never usable
        docs = docs[docs["id"].astype(str).str.strip().str.fullmatch(_ID.pattern.strip("^$"))]
    mode = read_meta(path, "normalisation", "default")
    raw_map = read_meta(path, "unidecode_jl_map")
    return Corpus(docs.reset_index(drop=True), str(path), mode,
                  json.loads(raw_map) if raw_map else None)


def count_documents(path, usable_only: bool = True) -> int:
    """How many (usable) documents a corpus database holds; 0 when it has no tiktoks table."""
    db = sqlite_utils.Database(check_database(path))
    try:
        if "tiktoks" not in db.table_names():
            return 0
        where = " where usable = 1" if usable_only else ""
        return int(next(db.query(f"select count(*) as n from tiktoks{where}"))["n"])
    finally:
        db.close()


def load_queries(path) -> pd.DataFrame:
    """All test queries (query_id, query_text, target_id, author, tags, created_at, collection)."""
    db = sqlite_utils.Database(check_database(path))
    try:
        if "queries" not in db.table_names():
            return pd.DataFrame(columns=list(QUERY_COLUMNS))
        return pd.DataFrame(list(db.query("select * from queries order by query_id")),
                            columns=list(QUERY_COLUMNS))
    finally:
        db.close()


def _insert_results(db: sqlite_utils.Database, indexes: pd.DataFrame, experiments: pd.DataFrame,
                    queries: pd.DataFrame, rankings: pd.DataFrame, meta: dict | None) -> None:
    """Insert result rows in the study's schema (tables created, columns added as needed;
    queries already present are kept)."""
    db["indexes"].insert_all(indexes.to_dict("records"), pk="index_id", alter=True)
    db["experiments"].insert_all(experiments.to_dict("records"), pk="experiment_id", alter=True,
                                 foreign_keys=[("index_id", "indexes", "index_id")])
    db["queries"].insert_all(queries.to_dict("records"), pk="query_id", ignore=True, alter=True)
    db["ranking_results"].insert_all(
        (dict(zip(rankings.columns, r)) for r in rankings.itertuples(index=False, name=None)),
        batch_size=5000, alter=True, foreign_keys=[("experiment_id", "experiments", "experiment_id"),
                                                   ("query_id", "queries", "query_id")])
    db["meta"].insert_all([{"key": k, "value": v if isinstance(v, str) else json.dumps(v)}
                           for k, v in (meta or {}).items()], pk="key", replace=True)


def write_results(path, indexes: pd.DataFrame, experiments: pd.DataFrame, queries: pd.DataFrame,
                  rankings: pd.DataFrame, meta: dict | None = None) -> None:
    """Write a results database in the study's schema (plus config names, tie ranges, mode)."""
    with atomic_database(path, kind="results") as db:
        with db.atomic():
            _insert_results(db, indexes, experiments, queries, rankings, meta)
        db["ranking_results"].create_index(["experiment_id", "query_id"], unique=True)


def replace_experiments(path, drop, indexes: pd.DataFrame, experiments: pd.DataFrame,
                        queries: pd.DataFrame, rankings: pd.DataFrame, meta: dict | None = None) -> None:
    """In an existing results database, delete the experiments ``drop`` (ids) with their
    rankings and insert the given rows, all in one transaction: a reader sees the database
    before or after, never between, and a failure leaves it as it was."""
    drop = [int(i) for i in drop]
    with write_lock(path):   # not into a file a rebuild is about to replace (core.locks)
        db = sqlite_utils.Database(check_kind(path, "results"))
        try:
            with db.atomic():
                if drop:
                    marks = ",".join("?" * len(drop))
                    db.execute(f"delete from ranking_results where experiment_id in ({marks})", drop)
                    db.execute(f"delete from experiments where experiment_id in ({marks})", drop)
                _insert_results(db, indexes, experiments, queries, rankings, meta)
        finally:
            db.close()


def read_table(path, table: str) -> pd.DataFrame:
    """A whole table of a database as a DataFrame (empty when the table is absent)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no database at {path}")
    db = sqlite_utils.Database(check_database(path))
    try:
        if table not in db.table_names():
            return pd.DataFrame()
        return pd.DataFrame(list(db.query(f"select * from [{table}]")))
    finally:
        db.close()


def table_columns(path, table: str) -> list[str]:
    """The column names of a table of a database (empty when the table is absent)."""
    db = sqlite_utils.Database(path)
    try:
        return list(db[table].columns_dict) if table in db.table_names() else []
    finally:
        db.close()
