"""What a participant watched: the viewer's feed order and view history.

The 2022 study kept each participant's history in the browser; here it lives in the corpus
database (``tiktoks.db``) in a ``views(participant, video_id, opened_at)`` table, so a
researcher can see it and the query form can offer a participant's videos as targets.
A participant name is only a label (no accounts): the same name shares one history and one
feed order. Times are UTC ISO 8601 strings (``2024-05-01T12:34:56+00:00``).
"""
from __future__ import annotations

import contextlib
import hashlib
import random
import re
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlite_utils

from .locks import write_lock
from .store import check_database, valid_id

VIEW_COLUMNS = {"participant": str, "video_id": str, "opened_at": str}
MAX_NAME_CHARS = 40
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def utc_now() -> str:
    """The current time as a UTC ISO 8601 string with seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clean_participant(name) -> str:
    """A participant label with whitespace tidied, or ValueError saying what is wrong."""
    s = " ".join(str(name or "").split())
    if not s:
        raise ValueError("Enter a participant name (any label you will reuse; no account needed).")
    if len(s) > MAX_NAME_CHARS:
        raise ValueError(f"Keep the participant name under {MAX_NAME_CHARS} characters.")
    if _CONTROL.search(s):
        raise ValueError("The participant name contains control characters.")
    return s


@contextlib.contextmanager
def open_db(path, write: bool = False):
    """An existing database (never creates one by accident), closed afterwards. ``write``:
    opened under the write lock (:mod:`core.locks`), so a rebuild cannot replace the file
    between this write and its commit and drop it."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no corpus database at {path}")
    with write_lock(path) if write else contextlib.nullcontext():
        db = sqlite_utils.Database(check_database(path))
        try:
            yield db
        finally:
            db.close()


def feed(ids, participant: str) -> list[str]:
    """The participant's queue: the ids shuffled with a seed derived from the name.

    The same name and corpus always give the same queue, so a participant can come back
    to the same place; different names see the videos in different orders.
    """
    seed = int.from_bytes(hashlib.sha256(clean_participant(participant).encode()).digest()[:8], "big")
    order = sorted(str(i) for i in ids)
    random.Random(seed).shuffle(order)
    return order


def record_view(path, participant: str, video_id, opened_at: str | None = None) -> dict:
    """Record that `participant` opened `video_id` (which must be in the corpus)."""
    row = {"participant": clean_participant(participant), "video_id": valid_id(video_id),
           "opened_at": opened_at or utc_now()}
    with open_db(path, write=True) as db:
        if not list(db.query("select 1 from tiktoks where id = ?", [row["video_id"]])):
            raise ValueError(f"no video with id {row['video_id']} in this corpus")
        with db.atomic():
            db["views"].create(VIEW_COLUMNS, if_not_exists=True)
            db["views"].insert(row)
        db["views"].create_index(["participant", "opened_at"], if_not_exists=True)
    return row


def history(path, participant: str, distinct: bool = False) -> pd.DataFrame:
    """Views of one participant, newest first: opened_at, video_id, creator_username, description.

    With ``distinct`` each video appears once, at its latest opening.
    """
    name = clean_participant(participant)
    cols = ["opened_at", "video_id", "creator_username", "description"]
    with open_db(path) as db:
        if "views" not in db.table_names():
            return pd.DataFrame(columns=cols)
        rows = list(db.query(
            """select v.opened_at, v.video_id, t.creator_username, t.description
               from views v left join tiktoks t on t.id = v.video_id
               where v.participant = ? order by v.opened_at desc, v.rowid desc""", [name]))
    df = pd.DataFrame(rows, columns=cols)
    if distinct:
        df = df.drop_duplicates("video_id", keep="first").reset_index(drop=True)
    return df


def participants(path) -> list[str]:
    """Every participant name with a recorded view, most recently active first."""
    with open_db(path) as db:
        if "views" not in db.table_names():
            return []
        return [r["participant"] for r in db.query(
            "select participant, max(opened_at) as last from views group by participant "
            "order by last desc, participant")]


def top_comments(path, video_id, n: int = 5) -> pd.DataFrame:
    """A video's most-liked comments (commenter_name, comment_text, like_count), best first."""
    vid = valid_id(video_id)
    with open_db(path) as db:
        rows = list(db.query(
            """select commenter_name, comment_text, like_count from comments
               where video_id = ? and coalesce(comment_text, '') != ''
               order by coalesce(like_count_n, 0) desc, position limit ?""", [vid, int(n)]))
    return pd.DataFrame(rows, columns=["commenter_name", "comment_text", "like_count"])


def video(path, video_id) -> dict | None:
    """One video's row of the tiktoks table (every column), or None when it is not there."""
    vid = valid_id(video_id)
    with open_db(path) as db:
        rows = list(db.query("select * from tiktoks where id = ?", [vid]))
    return rows[0] if rows else None


def usable_ids(path) -> list[str]:
    """Ids of the searchable videos (the ones the viewer's queue is made of)."""
    with open_db(path) as db:
        return [r["id"] for r in db.query("select id from tiktoks where usable = 1 order by id")]
