"""One video's metadata (and, if asked, its video and cover) with yt-dlp, used as a library.

:func:`fetch` runs ``yt_dlp.YoutubeDL.extract_info`` on a link: TikTok's own extractor for
tiktok.com links, the generic one for anything else (the tests serve a page with a ``<video>``
on 127.0.0.1). With ``download`` the video and its thumbnail are written to a staging folder
(yt-dlp itself writes ``.part`` files there), checked to be media (the download stage's
:func:`pipeline.download.content_problem`) and only then renamed to MEDIA/videos/{id}.mp4 and
MEDIA/covers/{id}.jpg, so a failed or killed fetch never leaves a file under a final name.

A failure is a :class:`Failure` whose text starts with its category: ``removed``, ``private``,
``geo-blocked``, ``unsupported link``, ``corrupt file``, ``no media``, ``extractor error`` (not
retried), ``timeout``, ``network error`` (retried with exponential back-off).
"""
from __future__ import annotations

import logging
import random
import shutil
import time
from pathlib import Path

from pipeline.download import content_problem

log = logging.getLogger("pipeline.collect")
VIDEO_FORMAT = "b[ext=mp4][vcodec!=none][acodec!=none]/b[ext=mp4]/b"   # one file, no merging
# (category, words in yt-dlp's message, retry): first match wins
CATEGORIES = (
    ("geo-blocked", ("geo", "country", "ip address is blocked", "region"), False),
    ("private", ("private", "permission", "login", "log in", "cookies"), False),
    ("removed", ("http error 404", "http error 410", "not available", "unavailable",
                 "removed", "deleted", "does not exist"), False),
    ("timeout", ("timed out", "timeout"), True),
    ("network error", ("http error 5", "http error 429", "connection", "network", "reset",
                       "refused", "temporary failure", "name resolution", "eof",
                       "more expected", "incomplete read", "content too short"), True),   # cut off
)


class Failure(Exception):
    """A fetch failure: ``str`` is 'category: detail'; ``retry`` whether to try again."""

    def __init__(self, category: str, detail: str, retry: bool = False):
        super().__init__(f"{category}: {detail}")
        self.category, self.detail, self.retry = category, detail, retry


class _Log:
    """yt-dlp's logger: nothing on the terminal (our progress bar is), warnings to logging."""

    def debug(self, msg):
        pass

    info = debug

    def warning(self, msg):
        log.info("yt-dlp: %s", msg)

    def error(self, msg):
        log.info("yt-dlp: %s", msg)


def _message(exc: BaseException) -> str:
    msg = str(getattr(exc, "msg", None) or exc)
    return msg.removeprefix("ERROR: ").strip()


def classify(exc: BaseException) -> Failure:
    """A yt-dlp exception (or its cause) as a categorised Failure."""
    from yt_dlp.utils import GeoRestrictedError, UnsupportedError

    chain, e = [], exc
    while e is not None and e not in chain:   # DownloadError -> ExtractorError -> HTTPError
        chain.append(e)
        e = (getattr(e, "exc_info", None) or (None, None))[1] or getattr(e, "cause", None) \
            or e.__cause__
    msg = _message(exc)
    if any(isinstance(c, GeoRestrictedError) for c in chain):
        return Failure("geo-blocked", msg)
    if any(isinstance(c, UnsupportedError) for c in chain):
        return Failure("unsupported link", msg)
    status = next((c.status for c in chain if isinstance(getattr(c, "status", None), int)), None)
    if status in (404, 410):
        return Failure("removed", msg)
    if status in (401, 403):
        return Failure("private", msg)
    if status is not None and (status >= 500 or status == 429):
        return Failure("network error", msg, retry=True)
    text = " ".join(_message(c) for c in chain).lower()
    for category, words, retry in CATEGORIES:
        if any(w in text for w in words):
            return Failure(category, msg, retry)
    return Failure("extractor error", msg)


def options(stage: Path | None, *, max_comments: int, timeout: float, rate: float) -> dict:
    """YoutubeDL parameters: quiet, bounded waits, paced requests; with ``stage`` a folder,
    the video and its thumbnail are downloaded there as ``media.<ext>``."""
    pause = 1 / rate if rate > 0 else 0
    opts = {"quiet": True, "no_warnings": True, "noprogress": True, "logger": _Log(),
            "socket_timeout": timeout, "retries": 0, "extractor_retries": 0,
            "fragment_retries": 0, "sleep_interval_requests": pause, "sleep_interval": pause,
            "noplaylist": True,
            "getcomments": max_comments > 0, "format": VIDEO_FORMAT, "skip_download": stage is None}
    if stage is not None:
        opts.update({"outtmpl": {"default": str(stage / "media.%(ext)s")}, "writethumbnail": True,
                     "paths": {"home": str(stage), "temp": str(stage)}, "overwrites": True})
    return opts


def _staged(stage: Path, info: dict) -> tuple[Path, Path]:
    """(video, cover) files yt-dlp wrote to ``stage``; Failure when one is missing or bad."""
    videos = [Path(d["filepath"]) for d in info.get("requested_downloads") or []
              if d.get("filepath") and Path(d["filepath"]).is_file()]
    covers = [Path(t["filepath"]) for t in info.get("thumbnails") or []
              if t.get("filepath") and Path(t["filepath"]).is_file()]
    if not videos:
        raise Failure("no media", "yt-dlp found no video file to download")
    if not covers:
        raise Failure("no media", "the video has no cover (thumbnail) to download")
    for kind, path in (("video", videos[0]), ("cover", covers[0])):
        with open(path, "rb") as f:
            problem = content_problem(kind, f.read(16))
        if problem:
            raise Failure("corrupt file", problem)
    return videos[0], covers[0]


def _once(url: str, video_id: str, media: Path | None, opts: dict) -> tuple[dict, dict]:
    import yt_dlp

    stage = media / ".collect" / video_id if media is not None else None
    if stage is not None:
        shutil.rmtree(stage, ignore_errors=True)   # left by a killed run
        stage.mkdir(parents=True)
    try:
        with yt_dlp.YoutubeDL(options(stage, **opts)) as ydl:
            info = ydl.sanitize_info(ydl.extract_info(url, download=stage is not None))
        if not isinstance(info, dict):
            raise Failure("extractor error", "yt-dlp returned no information")
        files = {}
        if stage is not None:
            video, cover = _staged(stage, info)
            files = {"video": media / "videos" / f"{video_id}.mp4",
                     "cover": media / "covers" / f"{video_id}.jpg"}
            for src, dest in ((video, files["video"]), (cover, files["cover"])):
                dest.parent.mkdir(parents=True, exist_ok=True)
                src.replace(dest)
        return info, files
    except Failure:
        raise
    except Exception as e:  # noqa: BLE001 - every yt-dlp error becomes a recorded reason
        raise classify(e) from None
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
            try:
                stage.parent.rmdir()   # the staging root, when no other fetch uses it
            except OSError:
                pass


def fetch(url: str, video_id: str, *, media: Path | None = None, max_comments: int = 0,
          timeout: float = 20.0, rate: float = 1.0, retries: int = 2,
          backoff: float = 2.0) -> tuple[dict, dict]:
    """(yt-dlp's info dict, {"video": path, "cover": path} when ``media`` is given) for one
    link, retrying timeouts and network errors; raises :class:`Failure`."""
    opts = {"max_comments": max_comments, "timeout": timeout, "rate": rate}
    for attempt in range(retries + 1):
        try:
            return _once(url, video_id, media, opts)
        except Failure as f:
            if not f.retry or attempt == retries:
                if attempt:
                    raise Failure(f.category, f"{f.detail} (after {attempt + 1} attempts)")
                raise
            time.sleep(backoff * 2 ** attempt * (1 + 0.25 * random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
