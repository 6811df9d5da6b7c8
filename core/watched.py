"""When the user watched a video: the ``watched_at`` of a corpus built from their own TikTok
data export (`pipeline.collect`), and the "watched in the last week / month" filter.

``watched_at`` is a UTC ISO 8601 string in the ``tiktoks`` table (NULL for scraped corpora and
older databases, which have no such column). The text comes from the export, so it is parsed
here and only a date this module formats is ever shown.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from .history import open_db

WINDOWS = {"any": None, "week": 7, "month": 30}       # window -> days
LABELS = {"any": "any time", "week": "last week", "month": "last month"}
COLUMNS = ["watched_at", "id", "creator_username", "description", "collected_from"]


def parse(value) -> datetime | None:
    """A ``watched_at`` value as an aware UTC datetime, None when absent or malformed."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        d = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return d.replace(tzinfo=timezone.utc) if d.tzinfo is None else d.astimezone(timezone.utc)


def watched_date(value) -> str | None:
    """'YYYY-MM-DD' (UTC) of a ``watched_at`` value, for a result card; None without one."""
    d = parse(value)
    return d.date().isoformat() if d else None


def cutoff(window: str, now: datetime | None = None) -> datetime | None:
    """The earliest time a video may have been watched to be in ``window`` (None: any time)."""
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}; choose from {', '.join(WINDOWS)}")
    days = WINDOWS[window]
    return None if days is None else (now or datetime.now(timezone.utc)) - timedelta(days=days)


def within(docs: pd.DataFrame, window: str, now: datetime | None = None) -> pd.Series:
    """A boolean mask of ``docs`` (a corpus DataFrame): watched within ``window``."""
    since = cutoff(window, now)
    if since is None:
        return pd.Series(True, index=docs.index)
    if "watched_at" not in docs:
        return pd.Series(False, index=docs.index)
    return docs["watched_at"].map(lambda v: (d := parse(v)) is not None and d >= since)


def has_dates(docs: pd.DataFrame) -> bool:
    """Whether any document has a watch date (else the filter is not offered)."""
    return "watched_at" in docs and docs["watched_at"].map(parse).notna().any()


def restrict(hits: pd.DataFrame, ids, k: int) -> pd.DataFrame:
    """The first ``k`` search hits whose id is in ``ids``, ranked 1..k again."""
    kept = hits[hits["id"].isin(set(ids))].head(k).copy()
    kept["rank"] = range(1, len(kept) + 1)
    return kept.reset_index(drop=True)


def watched_videos(path, window: str = "any", now: datetime | None = None) -> pd.DataFrame:
    """The corpus's usable videos with a watch date in ``window``, latest first (COLUMNS)."""
    with open_db(path) as db:
        if "tiktoks" not in db.table_names() or "watched_at" not in db["tiktoks"].columns_dict:
            return pd.DataFrame(columns=COLUMNS)
        rows = list(db.query("select watched_at, id, creator_username, description, "
                             "collected_from from tiktoks where usable = 1 and watched_at is not null"))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df = df[within(df, window, now) & df["watched_at"].map(parse).notna()]
    order = df["watched_at"].map(parse).sort_values(ascending=False).index
    return df.loc[order].reset_index(drop=True)
