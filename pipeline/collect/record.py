"""yt-dlp's info dict of a TikTok as a record in the study's batch format (a pure function).

The record is what `pipeline/scraper.js` wrote in 2022 (see :data:`pipeline.ingest.FIELDS`),
so `ingest` loads it and every later stage is unchanged, plus two fields of our own:
``watched_at`` (UTC ISO 8601 from the data export, or None) and ``source`` (the lists it came
from: history, likes, favourites, links). yt-dlp's TikTok extractor names the creator's handle
``uploader`` and display name ``channel``, the sound ``track`` by ``artists``, the post time
``timestamp`` (Unix), counts ``like_count``/``comment_count``, and comments (only with
``getcomments``, when the extractor supports them) ``author``/``text``/``timestamp``/
``like_count``. Counts are written as digit strings like the study's; missing values are
left out or None, never invented.
"""
from __future__ import annotations

from datetime import datetime, timezone


def _iso_date(ts) -> str | None:
    """A Unix time as 'YYYY-MM-DD' (UTC), None when there is none."""
    try:
        return datetime.fromtimestamp(float(ts), timezone.utc).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _count(value) -> str | None:
    return str(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        and value >= 0 else None


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def media_url(info: dict) -> str:
    """The URL of the video file yt-dlp picked (or its best format's), '' when none."""
    if _text(info.get("url")):
        return info["url"]
    picked = info.get("requested_downloads") or info.get("requested_formats") or []
    formats = [f for f in picked or info.get("formats") or [] if isinstance(f, dict)]
    videos = [f for f in formats if f.get("vcodec") != "none" and _text(f.get("url"))]
    return videos[-1]["url"] if videos else ""


def cover_url(info: dict) -> str:
    """The cover photo's URL: ``thumbnail``, else the last (best) of ``thumbnails``."""
    if _text(info.get("thumbnail")):
        return info["thumbnail"]
    thumbs = [t for t in info.get("thumbnails") or [] if isinstance(t, dict) and _text(t.get("url"))]
    return thumbs[-1]["url"] if thumbs else ""


def music_title(info: dict) -> str | None:
    """'track - artist' as TikTok shows a sound ('original sound - name'), None without one."""
    track = _text(info.get("track"))
    if track is None:
        return None
    artists = info.get("artists") or ([info["artist"]] if _text(info.get("artist")) else [])
    names = ", ".join(a for a in artists if _text(a))
    return f"{track} - {names}" if names and names not in track else track


def comments(info: dict, limit: int) -> list[dict]:
    """Up to ``limit`` top-level comments in the study's comment format."""
    out = []
    for c in info.get("comments") or []:
        if len(out) >= limit:
            break
        if not isinstance(c, dict) or c.get("parent", "root") != "root" or not _text(c.get("text")):
            continue
        author = _text(c.get("author")) or _text(c.get("author_id"))
        out.append({"commenter-username": author and ("@" + author.lstrip("@")),
                    "comment-text": c["text"], "time-posted": _iso_date(c.get("timestamp")),
                    "like-count": _count(c.get("like_count")), "replies-count": None})
    return out


def info_to_record(info: dict, video_id: str, *, watched_at: str | None = None,
                   source: str = "links", max_comments: int = 0,
                   scraped_at: float | None = None) -> dict:
    """The batch record of one video from yt-dlp's info dict (``video_id`` is the id asked
    for: a generic page's info has its own)."""
    user = _text(info.get("uploader")) or _text(info.get("uploader_id")) or ""
    record = {
        "id": video_id,
        "permalink": _text(info.get("webpage_url")) or _text(info.get("original_url")),
        "video-src": media_url(info),
        "coverphoto-src": cover_url(info),
        "creator-username": "@" + user.lstrip("@") if user else "",
        "creator-nickname": _text(info.get("channel")) or _text(info.get("creator")),
        "description": info.get("description") if isinstance(info.get("description"), str)
        else (_text(info.get("title")) or ""),
        "like-count": _count(info.get("like_count")),
        "comment-count": _count(info.get("comment_count")),
        "timeposted": _iso_date(info.get("timestamp")),
        "music-title": music_title(info),
        "comments": comments(info, max_comments),
        "scrape-timestamp": scraped_at,
        "watched_at": watched_at,
        "source": source,
    }
    return {k: v for k, v in record.items() if v is not None}
