"""Viewers' comments as known-item pseudo-queries.

A comment that describes its video in the viewer's own words is what a known-item query is.
:func:`pick` keeps the comments that read like descriptions under deterministic filters
(each reason is a :data:`REASONS` key, so a test or a report can say why a comment went):

* ``mention``: it has an @mention (tagging a friend, not describing the video);
* ``link`` / ``timestamp``: a URL, or a time in the video (``0:32``);
* ``length``: fewer than ``min_words`` or more than ``max_words`` words (a word has a
  letter: emoji, hashtags and numbers do not count, so emoji-only comments and "first" go);
* ``content``: fewer than ``min_content`` distinct content words (4+ letters, not in
  :data:`FILLER`), e.g. "this is so true omg";
* ``generic``: the same text (case, spacing and punctuation aside) under another video;
* ``description``: a near-duplicate of the video's description (rapidfuzz
  ``token_sort_ratio`` ≥ ``similarity``: it would find its video by copying its caption);
* ``duplicate``: a near-duplicate (same measure) of a comment already kept for the video;
* ``quota``: the video already has ``per_video`` kept comments, taken in order of likes
  (most first), then position.

Each kept comment is a query for its video, ``author`` ``pseudo``, with the comment's
position, so the comment can be removed from the text the query is scored against
(:func:`own_comments`, ``core.store.load_corpus(exclude_comments=…)``): a pseudo-query never
matches itself. :func:`held_aside` splits the videos (never one video's comments across
both sets) by a hash of the seed and the video id, so the split of a video does not depend
on the rest of the corpus.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz

from .store import TAGS, load_corpus, read_table

MIN_QUERIES = 200   # fewer pseudo-queries than this leave ``--config best`` to the real queries
AUTHOR = "pseudo"
COLLECTION = "pseudo"
POSITION_KEY = "comment-position"   # the queries.json key holding the chosen comment's position

REASONS = ("mention", "link", "timestamp", "length", "content", "generic", "description",
           "duplicate", "quota")
FILLER = frozenset("""
this that what when where which with from have just like they them then than there their
your yours about would could should really very much more most some been being into only
also here ever even still were will wont dont cant does doesnt didnt isnt thats whats
make made know knew think thought want need look looks looking good great love lmao lmfao
omfg haha hahaha literally actually always never every thing things same because
video tiktok account content please guys someone something anyone everyone people youre
""".split())

_MENTION = re.compile(r"(?:^|\s)@\S")
_LINK = re.compile(r"https?://|www\.", re.I)
_TIMESTAMP = re.compile(r"\b\d{1,2}:\d{2}\b")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")     # starts with a letter
_HASHTAG = re.compile(r"#\w+")


@dataclass(frozen=True)
class Filters:
    """The filter settings (defaults are the documented ones)."""

    min_words: int = 4
    # the study's real queries have 1-9 words (median 4); longer comments make another task:
    # 4-gram BM25 tuned on 4-30-word comments took k1=2, b=0.9 and scored CV MRR 0.748 on
    # the real queries, tuned on 4-10-word ones k1=1.6, b=0.75 and 0.778 (bench/pseudo.py)
    max_words: int = 10
    min_content: int = 2
    similarity: float = 80.0    # rapidfuzz token_sort_ratio (0–100) counted as a near-duplicate
    per_video: int = 3


def _words(text: str) -> list[str]:
    return _WORD.findall(_HASHTAG.sub(" ", text))


def comparable(text) -> str:
    """Lower-case words only: what near-duplicate tests compare."""
    return " ".join(w.casefold() for w in _words(str(text or "")))


def rejection(text, filters: Filters = Filters()) -> str | None:
    """Why a comment cannot be a pseudo-query on its own (a :data:`REASONS` key), or None."""
    text = str(text or "")
    if _MENTION.search(text):
        return "mention"
    if _LINK.search(text):
        return "link"
    if _TIMESTAMP.search(text):
        return "timestamp"
    words = _words(text)
    if not filters.min_words <= len(words) <= filters.max_words:
        return "length"
    content = {w.casefold().replace("’", "'") for w in words if len(w) >= 4}
    if len({w for w in content if w.replace("'", "") not in FILLER}) < filters.min_content:
        return "content"
    return None


def _likes(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def pick(comments: pd.DataFrame, descriptions: dict[str, str], filters: Filters = Filters()) -> pd.DataFrame:
    """The comments kept as pseudo-queries, and why each other one was not.

    ``comments`` has ``video_id``, ``position``, ``comment_text`` and optionally
    ``like_count_n``; ``descriptions`` maps the videos that may be targets to their
    description (comments of other videos are ignored). Returns every comment of those videos
    with ``reason`` (None where kept), in video then position order; deterministic.
    """
    df = comments[comments["video_id"].astype(str).isin(descriptions)].copy()
    df["video_id"] = df["video_id"].astype(str)
    df["comment_text"] = df["comment_text"].fillna("").astype(str)
    df["reason"] = pd.Series([rejection(t, filters) for t in df["comment_text"]], index=df.index, dtype=object)
    df["_key"] = [comparable(t) for t in df["comment_text"]]
    videos_per_text = df.groupby("_key")["video_id"].nunique()
    generic = df["_key"].map(videos_per_text) > 1
    df.loc[df["reason"].isna() & generic, "reason"] = "generic"
    df["_likes"] = [_likes(v) for v in df.get("like_count_n", pd.Series(0, index=df.index))]
    df = df.sort_values(["video_id", "_likes", "position"], ascending=[True, False, True])
    for video, rows in df[df["reason"].isna()].groupby("video_id", sort=False):
        description = comparable(descriptions[video])
        kept: list[str] = []
        for i, key in rows["_key"].items():
            if description and fuzz.token_sort_ratio(key, description) >= filters.similarity:
                df.at[i, "reason"] = "description"
            elif any(fuzz.token_sort_ratio(key, k) >= filters.similarity for k in kept):
                df.at[i, "reason"] = "duplicate"
            elif len(kept) >= filters.per_video:
                df.at[i, "reason"] = "quota"
            else:
                kept.append(key)
    df["reason"] = df["reason"].astype(object).where(df["reason"].notna(), None)
    return df.drop(columns=["_key", "_likes"]).sort_values(["video_id", "position"], ignore_index=True)


def from_corpus(path, filters: Filters = Filters(), fraction: float = 0.2,
                seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(every comment of the usable videos with its ``reason``, the kept ones to tune on, the
    kept ones held aside) of a corpus database; ValueError when it has no comments."""
    corpus = load_corpus(path)
    comments = read_table(path, "comments")
    if comments.empty:
        raise ValueError(f"{path} has no comments to turn into queries")
    descriptions = dict(zip(corpus.docs["id"].astype(str), corpus.docs["description"].fillna("")))
    picked = pick(comments, descriptions, filters)
    return picked, *held_aside(picked[picked["reason"].isna()], fraction, seed)


def in_held_aside(video_id: str, fraction: float, seed: int | str = 0) -> bool:
    """Whether a video's pseudo-queries are held aside: sha256(seed, id) read as a number in
    [0, 1) is below ``fraction``."""
    h = hashlib.sha256(f"{seed}:{video_id}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2 ** 64 < fraction


def held_aside(kept: pd.DataFrame, fraction: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tuning, held aside) rows of kept comments, split by video (:func:`in_held_aside`)."""
    if not 0 <= fraction < 1:
        raise ValueError(f"the held-aside fraction must be in [0, 1), got {fraction}")
    mask = kept["video_id"].map(lambda v: in_held_aside(v, fraction, seed)).astype(bool)
    return kept[~mask].reset_index(drop=True), kept[mask].reset_index(drop=True)


def as_queries(kept: pd.DataFrame) -> list[dict]:
    """Kept comments as entries of the study's queries.json format (tags all false: nobody
    judged them), each with the position of the comment it came from."""
    return [{"text": " ".join(r.comment_text.split()), "target": r.video_id, "author": AUTHOR,
             **{t.replace("_", "-"): False for t in TAGS}, "collection": COLLECTION,
             POSITION_KEY: int(r.position)}
            for r in kept.itertuples(index=False)]


def own_comments(entries) -> set[tuple[str, int]]:
    """(video id, position) of the comment each queries.json entry came from (entries
    without a position, such as real queries, contribute none)."""
    out = set()
    for q in entries if isinstance(entries, list) else []:
        pos = q.get(POSITION_KEY) if isinstance(q, dict) else None
        if (type(pos) is int and 0 <= pos < 2**63   # a bool is no position; SQLite's integers
                and q.get("target") is not None):
            out.add((str(q["target"]).strip(), q[POSITION_KEY]))
    return out


def as_frame(kept: pd.DataFrame) -> pd.DataFrame:
    """Kept comments as a query table with the columns of :func:`core.store.load_queries`
    (ids from 1, tags 0: nobody judged them)."""
    return pd.DataFrame({
        "query_id": range(1, len(kept) + 1),
        "query_text": [" ".join(str(t).split()) for t in kept["comment_text"]],
        "target_id": kept["video_id"].astype(str).tolist(), "author": AUTHOR,
        **{t: 0 for t in TAGS}, "created_at": "", "collection": COLLECTION})

