"""The test set: adding, checking, importing, exporting and filtering known-item queries.

Queries live in the corpus database's ``queries`` table (see :mod:`core.store`), the 2022
study's 86 and newly collected ones together. The exchange format is the study's
``queries.json``: a JSON list of objects with ``text``, ``target``, ``author`` and the five
boolean tags spelled with hyphens (``useful-description`` …). Our exports add
``created-at`` and ``collection`` when they are known, so export → import → export gives
identical JSON; the study's own file (without them) imports unchanged.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd

from .engine import QueryError, check_query
from .grid import STUDY_TOKENS, GridResult, run_grid, study_index_configs
from .history import clean_participant, open_db, utc_now
from .index import TokenisedCorpus
from .json_text import BadJSON, parse_json
from .store import QUERY_COLUMNS, TAGS, load_corpus, load_queries, valid_id, write_results
from .weighting import SMART

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")   # tab and line breaks are typing

# one line each, in our words, for the query form
TAG_HELP = {
    "useful_description": "The video's caption describes what happens in it.",
    "comments_on_topic": "The comments talk about what the video shows.",
    "purely_visual": "What you remember is something you saw, with little or no speech or text.",
    "important_lyrics": "A song's lyrics or a spoken line are what you remember.",
    "subtextual": "What you remember is implied (a joke, a reference, a mood), not said outright.",
}
JSON_KEYS = ("text", "target", "author") + tuple(t.replace("_", "-") for t in TAGS)
COLLECTED = "collected"
IMPORTED = "imported"


class QuerySetError(ValueError):
    """A query that cannot join the test set; the message is meant for the user."""


def _key(text) -> str:
    """What makes two queries the same: case and spacing do not count."""
    return " ".join(str(text).split()).casefold()


def query_targets(path) -> tuple[set[str], set[str]]:
    """(every id in the corpus, the usable ones), for validating targets."""
    with open_db(path) as db:
        rows = list(db.query("select id, usable from tiktoks"))
    return {r["id"] for r in rows}, {r["id"] for r in rows if r["usable"]}


def _existing(db) -> dict[tuple[str, str], int]:
    if "queries" not in db.table_names():
        return {}
    return {(_key(r["query_text"]), r["target_id"]): r["query_id"]
            for r in db.query("select query_id, query_text, target_id from queries")}


def validate_query(text, target, *, known: set[str], usable: set[str],
                   existing: dict[tuple[str, str], int] | None = None) -> tuple[str, str]:
    """The cleaned (text, target id), or QuerySetError saying what to fix.

    `known` and `usable` are corpus ids (see :func:`query_targets`); `existing` maps
    (normalised text, target) of queries already in the set to their query_id.
    """
    try:
        text = check_query(text)
    except QueryError as e:
        raise QuerySetError(str(e)) from None
    if _CONTROL.search(text):
        raise QuerySetError("The query contains control characters (such as NUL); type it as words.")
    if target is None or not str(target).strip():
        raise QuerySetError("Pick the target video from your history or paste its id.")
    try:
        target = valid_id(target)
    except ValueError:
        raise QuerySetError(f"{str(target)[:40]!r} is not a TikTok id: an id is 1 to 30 digits "
                            "(copy it from the History list).") from None
    if target not in known:
        raise QuerySetError(f"There is no video with id {target} in this corpus.")
    if target not in usable:
        raise QuerySetError(f"Video {target} is in the corpus but not searchable (it lacks a "
                            "transcript or cover text), so it cannot be a test target.")
    dup = (existing or {}).get((_key(text), target))
    if dup is not None:
        raise QuerySetError(f"The same query for video {target} is already in the test set "
                            f"(query {dup}).")
    return text, target


def _tags(tags) -> dict[str, int]:
    tags = tags or {}
    if not isinstance(tags, dict):
        tags = {t: True for t in tags}
    unknown = set(tags) - set(TAGS)
    if unknown:
        raise QuerySetError(f"unknown tag(s) {sorted(unknown)}; use {', '.join(TAGS)}")
    return {t: int(bool(tags.get(t, False))) for t in TAGS}


def _insert(db, rows: list[dict]) -> list[dict]:
    """Give rows the next query ids and insert them (inside the caller's transaction)."""
    db["queries"].create(QUERY_COLUMNS, pk="query_id", if_not_exists=True)
    start = next(iter(db.query("select coalesce(max(query_id), 0) as m from queries")))["m"]
    for n, row in enumerate(rows, start=start + 1):
        row["query_id"] = n
    if rows:
        db["queries"].insert_all(rows)
    return rows


def add_query(path, text, target, author, tags=None, collection: str = COLLECTED,
              created_at: str | None = None) -> dict:
    """Validate one query and add it to the test set; returns the stored row."""
    try:
        author = clean_participant(author)
    except ValueError as e:
        raise QuerySetError(str(e)) from None
    tag_values = _tags(tags)
    known, usable = query_targets(path)
    with open_db(path, write=True) as db, db.atomic():
        text, target = validate_query(text, target, known=known, usable=usable, existing=_existing(db))
        row = {"query_text": text, "target_id": target, "author": author, **tag_values,
               "created_at": created_at or utc_now(), "collection": collection}
        return _insert(db, [row])[0]


def query_to_json(row) -> dict:
    """One query in the study's format (plus created-at and collection when known)."""
    out = {"text": row["query_text"], "target": str(row["target_id"]), "author": row["author"] or ""}
    for t in TAGS:
        out[t.replace("_", "-")] = bool(row[t])
    for key, col in (("created-at", "created_at"), ("collection", "collection")):
        if isinstance(row.get(col), str) and row[col]:
            out[key] = row[col]
    return out


def export_queries(queries: pd.DataFrame) -> str:
    """Queries (a `load_queries` frame, any subset) as the text of a queries.json file."""
    records = [query_to_json(r) for r in queries.sort_values("query_id").to_dict("records")]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def parse_queries(data) -> tuple[list[dict], list[str]]:
    """Rows (without query_id) from queries.json text or its parsed list, and problems found.

    Entries with a missing text or target, a malformed id or non-boolean tags are reported
    and skipped; targets are checked against a corpus by :func:`import_queries`.
    """
    if isinstance(data, (bytes, str)):
        try:
            data = parse_json(data, "This file")
        except BadJSON as e:
            raise QuerySetError(str(e)) from None
    if not isinstance(data, list):
        raise QuerySetError("Expected a JSON list of queries, as in the study's queries.json.")
    rows, problems = [], []
    for pos, q in enumerate(data, start=1):
        here = f"query #{pos}"
        if not isinstance(q, dict):
            problems.append(f"{here}: not a JSON object")
            continue
        if not isinstance(q.get("text"), str) or not q["text"].strip() or q.get("target") in (None, ""):
            problems.append(f"{here}: needs a non-empty 'text' and a 'target'")
            continue
        try:
            target = valid_id(q["target"])
        except ValueError as e:
            problems.append(f"{here}: {e}")
            continue
        bad = [k for k in JSON_KEYS[3:] if k in q and q[k] not in (True, False, None)]   # 0 and 1 pass
        if bad:
            problems.append(f"{here}: tag(s) {', '.join(bad)} should be true or false")
            continue
        author = q.get("author")
        if author not in (None, ""):
            try:
                author = clean_participant(author if isinstance(author, str) else "\x00")
            except ValueError as e:
                problems.append(f"{here}: 'author' {str(author)[:40]!r}: "
                                f"{'not text' if not isinstance(q['author'], str) else e}")
                continue
        extra = {k: q.get(k) if isinstance(q.get(k), str) and q.get(k) else None
                 for k in ("created-at", "collection")}
        rows.append({"query_text": q["text"], "target_id": target,  # as written: the study's
                     # queries keep their trailing spaces, which n-grams see
                     "author": author or "",
                     **{t: int(bool(q.get(t.replace("_", "-"), False))) for t in TAGS},
                     "created_at": extra["created-at"], "collection": extra["collection"]})
    return rows, problems


@dataclass
class ImportReport:
    added: list[dict] = field(default_factory=list)
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{len(self.added)} queries added, {self.duplicates} already in the set, "
                f"{len(self.problems)} skipped with a problem")


def import_queries(path, data, collection: str = IMPORTED, replace: bool = False) -> ImportReport:
    """Add queries.json entries to the test set in one transaction.

    Entries keep their own ``collection`` when the file has one, else get `collection`.
    Queries already in the set (same text up to case and spacing, same target) are counted,
    not added again, so importing a file twice changes nothing. ``replace`` empties the set
    first, but only when the file has at least one query to put in it. Targets missing from
    the corpus or unusable are reported and skipped.
    """
    rows, problems = parse_queries(data)
    report = ImportReport(problems=problems)
    known, usable = query_targets(path)
    with open_db(path, write=True) as db, db.atomic():
        existing = {} if replace else _existing(db)
        fresh = []
        for pos, row in enumerate(rows, start=1):
            try:
                validate_query(row["query_text"], row["target_id"], known=known, usable=usable)
            except QuerySetError as e:
                report.problems.append(f"{row['query_text'][:40]!r}: {e}")
                continue
            key = (_key(row["query_text"]), row["target_id"])
            if key in existing:
                report.duplicates += 1
                continue
            existing[key] = -pos
            row["collection"] = row["collection"] or collection
            fresh.append(row)
        if replace and not fresh:   # a file from another corpus must not empty the set
            raise QuerySetError(f"Nothing in this file can go into the test set "
                                f"({len(report.problems)} entries with a problem, e.g. "
                                f"{report.problems[0][:120] if report.problems else 'none'}); "
                                "the test set was kept as it was.")
        if replace and "queries" in db.table_names():
            db.execute("delete from queries")
        report.added = _insert(db, fresh)
    return report


def _bound(value, end: bool) -> pd.Timestamp | None:
    """A since/until bound as a UTC timestamp; a plain date covers its whole day."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip()) == 10:  # an ISO date: its whole day
        value = date.fromisoformat(value.strip())
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value + timedelta(days=1) if end else value, time())
        return pd.Timestamp(value, tz="UTC") - (pd.Timedelta(microseconds=1) if end else pd.Timedelta(0))
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def filter_queries(queries: pd.DataFrame, authors=None, since=None, until=None,
                   collections=None) -> pd.DataFrame:
    """Queries whose author and collection are in the given lists (None: any) and whose
    ``created_at`` lies in [since, until].

    `since`/`until` may be dates or ``YYYY-MM-DD`` strings (a date covers its whole UTC day),
    datetimes or ISO datetime strings (naive ones are UTC). When either is given, queries without a ``created_at`` (such as the
    2022 study's) are left out.
    """
    keep = pd.Series(True, index=queries.index)
    if authors is not None:
        keep &= queries["author"].fillna("").isin(list(authors))
    if collections is not None:
        keep &= queries["collection"].fillna("").isin(list(collections))
    lo, hi = _bound(since, end=False), _bound(until, end=True)
    if lo is not None or hi is not None:
        when = pd.to_datetime(queries["created_at"], utc=True, errors="coerce", format="ISO8601")
        keep &= when.notna()
        if lo is not None:
            keep &= when >= lo
        if hi is not None:
            keep &= when <= hi
    return queries[keep]


def tagged_query_ids(queries: pd.DataFrame, tags=None) -> list[int]:
    """Ids of the queries whose target has every tag in ``tags`` (a tag the table lacks is
    ignored)."""
    keep = pd.Series(True, index=queries.index)
    for t in tags or []:
        if t in queries:
            keep &= queries[t].fillna(0).astype(int) == 1
    return queries.loc[keep, "query_id"].astype(int).tolist()


def query_facets(queries: pd.DataFrame) -> dict:
    """Choices for filter widgets: authors and collections (with counts), first and last date."""
    when = pd.to_datetime(queries["created_at"], utc=True, errors="coerce", format="ISO8601").dropna()
    return {
        "authors": queries["author"].fillna("").value_counts().sort_index().to_dict(),
        "collections": queries["collection"].fillna("").value_counts().sort_index().to_dict(),
        "first": when.min().date() if len(when) else None,
        "last": when.max().date() if len(when) else None,
    }



def rerun_experiments(corpus_db, results_db, queries: pd.DataFrame | None = None,
                      tokens=STUDY_TOKENS, weightings=tuple(SMART), mode: str | None = None,
                      progress=None) -> GridResult:
    """Run the study's grid on the test set (or the given queries) and replace results_db.

    `progress(done, total)` is called after each index. results.db is written atomically:
    it is replaced only when the whole grid has run.
    """
    queries = load_queries(corpus_db) if queries is None else queries
    if queries.empty:
        raise QuerySetError("There are no queries to evaluate.")
    source = TokenisedCorpus(load_corpus(corpus_db), mode)
    if source.n_docs == 0:
        raise QuerySetError(f"{corpus_db} has no usable documents to search.")
    result = run_grid(source, queries, study_index_configs(tuple(tokens)), weightings, progress=progress)
    write_results(results_db, result.indexes, result.experiments, queries, result.rankings,
                  {"mode": source.mode, "corpus": str(corpus_db), "grid_seconds": result.seconds,
                   "documents": source.n_docs})
    return result


# shown on the viewer and collection pages (markdown, our own words)
PARTICIPANT_INSTRUCTIONS = """\
**Why we ask.** We are measuring how well different search methods find one particular TikTok
that somebody has seen before and wants back. To measure that we need realistic searches whose
right answer is known, written by people other than the researchers.

**What to do**
1. Type a name (any label; there are no accounts) and watch a good number of videos in the
   **Viewer**, going forward with *Next* (→) and back with *Previous* (←).
2. Take a break of an hour or so and do something else, so that what you saw leaves your
   short-term memory.
3. Think of a few videos that stuck with you. For each, write the search you would type to find
   it again, in your own words; do not look at the video first.
4. Find each video's id in your **History** (or with **Search**) and add the query with the form
   on **Collect queries**, ticking the tags that fit.

Write about a single video, not a trend or a series of similar ones. Opening a video from
History or Search does not move you in your queue. Search is not perfect: that is what this
study is about.

**Content warning:** these videos are not moderated or filtered. They may contain strong
language, disturbing or adult themes and plot spoilers (for example for anime series).
Take part only if you are comfortable with that, and stop at any time.
"""
