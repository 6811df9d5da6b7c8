"""What to collect: TikTok links from a text file, or a user's own TikTok data export.

TikTok's "Download your data" gives either ``user_data_tiktok.json`` (older: ``user_data.json``)
or, in the TXT form, one text file per list (``Watch History.txt`` / ``Browsing History.txt``,
``Like List.txt``, ``Favorite Videos.txt``) of ``Date: …`` / ``Link: …`` blocks; either may come
zipped. Three lists are read, each entry a link with its date:

* ``history``: "Watch History" (older: "Video Browsing History") ``VideoList``;
* ``likes``: "Like List" ``ItemFavoriteList`` (lower-case ``date``/``link`` in newer exports);
* ``favourites``: "Favorite Videos" ``FavoriteVideoList``.

Section and key names are matched ignoring case and spaces, wherever they are in the JSON
(exports moved them from "Activity" to "Your Activity"); a missing section or a ``null`` list
is an empty list, unknown fields are ignored. An entry whose link has no video id is skipped
and a malformed date is kept as "no date"; both are reported as problems, never fatal.
:func:`merge` makes one :class:`Video` per id: the lists it is in and its latest date.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from core.json_text import BadJSON, parse_json

LISTS = ("history", "likes", "favourites")
LINKS = "links"   # the source of an entry read from a links file
# normalised section name (lower case, no spaces) -> list
SECTIONS = {"watchhistory": "history", "videobrowsinghistory": "history",
            "browsinghistory": "history", "likelist": "likes", "likedvideos": "likes",
            "favoritevideos": "favourites", "favouritevideos": "favourites"}
_ID_IN_LINK = re.compile(r"/(?:video|v|embed(?:/v2)?|photo)/(\d{1,30})(?:\D|$)|[?&]item_id=(\d{1,30})")
_SHORT_LINK = re.compile(r"^(?:https?://)?(?:vm|vt)\.tiktok\.com/|tiktok\.com/t/", re.I)


class ExportError(ValueError):
    """A whole input cannot be read (not JSON, not a TikTok export, unreadable)."""


@dataclass(frozen=True)
class Entry:
    """One line of a list: a video id, the list it came from and when (None: unknown)."""

    id: str
    source: str
    at: datetime | None = None


@dataclass(frozen=True)
class Video:
    """A video to collect: its id, its latest date (UTC ISO 8601 or None) and its lists."""

    id: str
    watched_at: str | None
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        return ",".join(self.sources)


@dataclass
class Read:
    """Entries read from one input, and what was skipped or doubtful, one line each."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sections: set[str] = field(default_factory=set)


def video_id(link) -> str:
    """The video id in a TikTok link (or a bare id), or ValueError saying why there is none."""
    s = str(link or "").strip()
    if re.fullmatch(r"\d{1,30}", s):
        return s
    m = _ID_IN_LINK.search(s)
    if m:
        return m.group(1) or m.group(2)
    if _SHORT_LINK.search(s):
        raise ValueError(f"short link {s[:80]!r} has no video id: open it in a browser and "
                         "use the full link")
    raise ValueError(f"no TikTok video id in {s[:80]!r}")


def parse_date(text) -> datetime:
    """An export date ('2024-05-01 12:34:56', ISO 8601 or a bare date) as UTC (TikTok writes
    UTC without saying so); ValueError when it is none of these."""
    s = str(text or "").strip()
    try:
        d = datetime.fromisoformat(s.replace(" UTC", "").replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"malformed date {s[:40]!r}") from None
    return d.replace(tzinfo=timezone.utc) if d.tzinfo is None else d.astimezone(timezone.utc)


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


def _get(item: dict, *names: str):
    """A field of an entry whatever its case ("Date" or "date")."""
    wanted = {_norm(n) for n in names}
    return next((v for k, v in item.items() if _norm(k) in wanted), None)


def _entry(source: str, link, when, where: str, out: Read) -> None:
    try:
        vid = video_id(link)
    except ValueError as e:
        out.problems.append(f"{where}: skipped: {e}")
        return
    at = None
    if when not in (None, ""):
        try:
            at = parse_date(when)
        except ValueError as e:
            out.problems.append(f"{where}: {e}, kept without a date")
    out.entries.append(Entry(vid, source, at))


def _section_items(value) -> list:
    """The entries of a section: the section itself when a list, else its first list value."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return next((v for v in value.values() if isinstance(v, list)), [])
    return []


def read_json_export(data, name: str = "export") -> Read:
    """Entries of every known section anywhere in a parsed ``user_data_tiktok.json``."""
    if not isinstance(data, dict):
        raise ExportError(f"{name}: expected a JSON object (user_data_tiktok.json), "
                          f"found {type(data).__name__}")
    out = Read()
    stack = [data]
    while stack:
        node = stack.pop()
        for key, value in node.items():
            source = SECTIONS.get(_norm(key))
            if source is None:
                if isinstance(value, dict):
                    stack.append(value)
                continue
            out.sections.add(source)
            for i, item in enumerate(_section_items(value)):
                where = f"{name}: {key} entry {i}"
                if not isinstance(item, dict):
                    out.problems.append(f"{where}: skipped: not an object")
                    continue
                _entry(source, _get(item, "Link", "VideoLink"), _get(item, "Date"), where, out)
    return out


def list_of_file(name: str) -> str | None:
    """The list a TXT export file holds, from its name ('Like List.txt' -> 'likes')."""
    return SECTIONS.get(_norm(Path(name).stem))


def read_txt_export(text: str, source: str, name: str = "export") -> Read:
    """Entries of one TXT export list: blocks of 'Date: …' and 'Link: …' lines."""
    out = Read(sections={source})
    block: dict = {}
    blocks = []
    for line in text.splitlines() + [""]:
        key, sep, value = line.partition(":")
        key = _norm(key)
        if not line.strip() or (sep and key in block):
            if block:
                blocks.append(block)
            block = {}
        if sep and key in ("date", "link", "videolink") and line.strip():
            block[key] = value.strip()
    for i, b in enumerate(blocks):
        where = f"{name} entry {i}"
        if "link" not in b and "videolink" not in b:
            out.problems.append(f"{where}: skipped: no Link line")
            continue
        _entry(source, b.get("link") or b.get("videolink"), b.get("date"), where, out)
    return out


def _read_member(name: str, data: bytes, out: Read) -> None:
    """Add one file of an export (a zip member or a file on disk) to ``out``."""
    text = data.decode("utf-8-sig", errors="replace")
    if name.lower().endswith(".json"):
        try:
            parsed = parse_json(text, name)
        except BadJSON as e:
            raise ExportError(str(e)) from None
        got = read_json_export(parsed, Path(name).name)
    elif name.lower().endswith(".txt") and list_of_file(name):
        got = read_txt_export(text, list_of_file(name), Path(name).name)
    else:
        return
    out.entries += got.entries
    out.problems += got.problems
    out.sections |= got.sections


def read_export(path) -> Read:
    """Entries of a TikTok data export: the JSON file, a TXT list, a folder or a zip of them."""
    path = Path(path)
    out = Read()
    try:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file():
                    _read_member(str(p), p.read_bytes(), out)
        elif not path.exists():
            raise ExportError(f"{path}: no such file or folder")
        elif path.suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
            raise ExportError(f"{path}: not a readable zip file (cut off while downloading?); "
                              "download the export again")
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    _read_member(info.filename, z.read(info), out)
        elif path.suffix.lower() == ".txt" and not list_of_file(path.name):
            raise ExportError(f"{path}: a TXT export file is named after its list (Watch "
                              "History.txt, Like List.txt, Favorite Videos.txt)")
        else:
            _read_member(str(path), path.read_bytes(), out)
    except (OSError, zipfile.BadZipFile) as e:
        raise ExportError(f"{path}: cannot read: {e}") from None
    if not out.sections:
        raise ExportError(f"{path}: no watch history, like list or favourite videos found: "
                          "is it a TikTok data export?")
    return out


def read_links(path) -> Read:
    """Entries of a text file of TikTok links (or ids), one a line; '#' starts a comment."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as e:
        raise ExportError(f"{path}: cannot read: {e}") from None
    out = Read(sections={LINKS})
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if line:
            _entry(LINKS, line, None, f"{Path(path).name} line {n}", out)
    return out


def merge(entries, lists=LISTS + (LINKS,), since: date | None = None) -> list[Video]:
    """One Video per id from the entries of the chosen ``lists``, newest first (undated last).

    ``since`` keeps dated entries from that day on (UTC) and drops undated export entries;
    links carry no date and are always kept.
    """
    chosen = set(lists) | {LINKS}
    by_id: dict[str, list[Entry]] = {}
    for e in entries:
        if e.source not in chosen:
            continue
        if since is not None and e.source != LINKS and (e.at is None or e.at.date() < since):
            continue
        by_id.setdefault(e.id, []).append(e)
    videos = []
    for vid, es in by_id.items():
        dates = [e.at for e in es if e.at is not None]
        sources = tuple(s for s in LISTS + (LINKS,) if any(e.source == s for e in es))
        latest = max(dates).isoformat(timespec="seconds") if dates else None
        videos.append(Video(vid, latest, sources))
    # UTC ISO strings sort as times; undated ("") last
    return sorted(videos, key=lambda v: (v.watched_at or "", v.id), reverse=True)

