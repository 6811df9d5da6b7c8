"""Safe display of corpus documents: escaped text, highlighted terms, result cards, media.

Corpus text is untrusted. Nothing from it is ever rendered as raw HTML: every string goes
through :func:`escape_md` (every Markdown-special character backslash-escaped) before it
is wrapped in Streamlit's own Markdown directives (``:orange-background[...]``). Ids are
checked with :func:`core.store.valid_id` before they go into a path or a URL, and media
paths from the database are only used when the file is named after the video's id.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Mapping

import streamlit as st

from core.config import Config
from core.fields import COLUMN_FIELD
from core.store import valid_id
from core.text import squash, tokeniser
from core.watched import watched_date

EMBED_URL = "https://www.tiktok.com/player/v1/{id}"
VIDEO_SUFFIXES = {".mp4", ".webm", ".mov", ".m4v"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
EMBED_KEY = "player"  # sidebar toggle bound to the URL: embed TikTok's player or not

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:^=&\"'])")
_WHITESPACE = re.compile(r"\s+")
# bidirectional controls (embeddings, overrides, isolates): a description could flip the text
# shown after it, so displayed corpus text drops them
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# what Markdown turns into a link by itself (GFM autolinks): a zero-width space after the
# scheme, the "www" or the "@" of an address keeps the text the same to read, but inert
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www|mailto)(?=:|\.)|(?<=[\w.+-])@(?=[\w-]+\.)")
_CHUNK = re.compile(r"(\s+)")


def escape_md(text) -> str:
    """Text with every Markdown-special character escaped and whitespace collapsed.

    The result renders as the literal text in ``st.markdown`` (no links, HTML, emphasis,
    LaTeX, emoji shortcodes or directives can be smuggled in by the corpus; bare URLs and
    addresses are not linked; bidi controls are dropped).
    """
    if text is None:
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", _BIDI.sub("", str(text)))
    return _MD_SPECIAL.sub(r"\\\1", _WHITESPACE.sub(" ", text).strip())


def clip(text, limit: int = 280) -> str:
    """Text cut to ``limit`` characters at a word boundary, with an ellipsis."""
    text = _WHITESPACE.sub(" ", str(text or "")).strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


class TermMatcher:
    """Which words of a displayed text match a query under a configuration.

    A word matches when, normalised like the index, it shares a term with the query: for
    word tokenisation the word itself, for character n-grams any n-gram of the word
    (with the spaces around it, as the index sees them).
    """

    def __init__(self, normalise: Callable[[str], str], config: Config, query: str):
        self.normalise = normalise
        # lexical tokenisers only: query options do not change what a word is, dense has no terms
        self.tokens = tuple(dict.fromkeys(c.tokeniser for c in config.lexical))
        q = normalise(query or "")
        self.terms = {t: set(tokeniser(t)(q)) for t in self.tokens}

    def __call__(self, word: str) -> bool:
        norm = self.normalise(word)
        for t, terms in self.terms.items():
            if not terms:
                continue
            if t == "word":
                grams = tokeniser(t)(norm)
            else:
                body = squash(norm).strip()
                grams = tokeniser(t)(f" {body} ") if body else []
            if any(g in terms for g in grams):
                return True
        return False


def highlight(text, matcher: Callable[[str], bool] | None, limit: int | None = None) -> str:
    """Escaped Markdown of ``text`` with matching words on an orange background."""
    text = clip(text, limit) if limit else _WHITESPACE.sub(" ", str(text or "")).strip()
    if not matcher:
        return escape_md(text)
    out = []
    for chunk in _CHUNK.split(text):
        if not chunk or chunk.isspace():
            out.append(" " if chunk else "")
        elif chunk != "…" and matcher(chunk):
            out.append(f":orange-background[{escape_md(chunk)}]")
        else:
            out.append(escape_md(chunk))
    return "".join(out)


FIELD_NAMES = {column: f.display for column, f in COLUMN_FIELD.items()}   # column -> short name


def matched_fields(doc: Mapping, matcher: TermMatcher, fields) -> list[str]:
    """Readable names of the document's fields that contain a matching word."""
    out = []
    for f in fields:
        text = doc.get(f)
        if isinstance(text, str) and text and any(matcher(w) for w in text.split()):
            name = FIELD_NAMES.get(f, f)
            if name not in out:
                out.append(name)
    return out


def creator_line(doc: Mapping, matcher: Callable[[str], bool] | None = None) -> str:
    """``@username · nickname``, escaped (matching words highlighted when a matcher is given)."""
    user = str(doc.get("creator_username") or "").strip()
    nick = str(doc.get("creator_nickname") or "").strip()
    if user and not user.startswith("@"):
        user = "@" + user
    parts = [p for p in (user, nick) if p]
    return " · ".join(highlight(p, matcher) for p in parts) or "unknown creator"


def plain_error(message: str, detail) -> None:
    """An error box with our own ``message`` (Markdown) and ``detail`` shown as plain text:
    for error messages that quote text from a URL or a paste box, which must not render."""
    st.error(message, icon=":material/error:")
    st.code(str(detail), language=None, wrap_lines=True)


def result_card(doc: Mapping, *, rank: int | None = None, score: float | None = None,
                matcher: TermMatcher | None = None, fields=(), on_open: Callable | None = None,
                selected: bool = False, key: str = "", badge: str = "", narrow: bool = False) -> None:
    """One search result as a bordered card: rank, creator, highlighted description, music,
    fields that matched, when the user watched it (a corpus from their data export), score, and a "Watch" button (calls ``on_open(id)``). ``badge``: our
    own Markdown after the creator (e.g. a "target" badge), never corpus text; ``narrow``
    (a card in one of several columns): the button goes under the text."""
    vid = str(doc.get("id"))
    with st.container(border=True):
        head, btn = (st.container(), None) if narrow else \
            st.columns([3, 1], vertical_alignment="center")
        number = f"**{rank}.** " if rank is not None else ""
        score_txt = f" · score `{score:.3f}`" if score is not None else ""
        head.markdown(f"{number}**{creator_line(doc, matcher)}**{score_txt}"
                      + (f" {badge}" if badge else ""))
        desc = doc.get("description")
        st.markdown(highlight(desc, matcher, 300) if desc else "_no description_")
        music = doc.get("music_title")
        bits = []
        if music:
            bits.append(f":material/music_note: {highlight(music, matcher, 80)}")
        if matcher is not None and fields:
            found = matched_fields(doc, matcher, fields)
            if found:
                bits.append("matches in " + ", ".join(found))
        watched = watched_date(doc.get("watched_at"))
        if watched:   # from the user's TikTok data export (core.watched)
            bits.append(f":material/history: watched {escape_md(watched)}")
        if bits:
            st.caption("  ·  ".join(bits))
        if on_open is not None:
            (st if btn is None else btn).button(
                "Watching" if selected else "Watch", key=f"open_{key}{vid}", on_click=on_open,
                args=(vid,), type="primary" if selected else "secondary",
                icon=":material/play_circle:", width="content" if narrow else "stretch")


def _media_file(path, vid: str, suffixes: set[str], base_dirs=()) -> Path | None:
    """A media file for a video id, only if it exists and is named ``{id}.<known suffix>``."""
    if not isinstance(path, str) or not path.strip():
        return None
    p = Path(path)
    if p.stem != vid or p.suffix.lower() not in suffixes:
        return None
    for cand in [p] + [Path(b) / p for b in base_dirs if not p.is_absolute()]:
        if cand.is_file():
            return cand
    return None


def embed_enabled() -> bool:
    """Whether the user wants TikTok's online player: the sidebar toggle, else on unless
    the environment says ``TRL_OFFLINE=1``."""
    return bool(st.session_state.get(EMBED_KEY, os.environ.get("TRL_OFFLINE", "") != "1"))


def media_panel(doc: Mapping, *, base_dirs=(), embed: bool | None = None, height: int = 580,
                autoplay: bool = False) -> str:
    """Show a video: the downloaded file with st.video, else TikTok's Embed Player in an
    iframe (when embedding is on), else the cover photo, else a text card.

    ``base_dirs``: directories a relative media path may be relative to (the database's);
    ``autoplay``: a downloaded video starts playing (the presenter view).
    Returns what was shown: ``"video"``, ``"embed"``, ``"cover"`` or ``"text"``.
    """
    try:
        vid = valid_id(doc.get("id"))
    except ValueError:
        st.warning("This document has no valid TikTok id, so its video cannot be shown.")
        return "text"
    embed = embed_enabled() if embed is None else embed
    video = _media_file(doc.get("video_path"), vid, VIDEO_SUFFIXES, base_dirs)
    cover = _media_file(doc.get("cover_path"), vid, IMAGE_SUFFIXES, base_dirs)
    shown = "text"
    if video is not None:
        st.video(str(video), autoplay=autoplay)
        shown = "video"
    elif embed:
        frame = getattr(st, "iframe", None)
        url = EMBED_URL.format(id=vid)
        if frame is not None:
            frame(url, height=height)
        else:  # Streamlit < 1.52
            import streamlit.components.v1 as components
            components.iframe(url, height=height)
        shown = "embed"
    elif cover is not None:
        st.image(str(cover), caption="Cover photo (offline: the video is not downloaded)",
                 width="stretch")
        shown = "cover"
    if shown == "text":
        with st.container(border=True):
            st.markdown(f"**{creator_line(doc)}**")
            st.markdown(escape_md(clip(doc.get("description"), 400)) or "_no description_")
            if doc.get("music_title"):
                st.caption(f":material/music_note: {escape_md(clip(doc.get('music_title'), 100))}")
            st.caption("No downloaded video or cover photo; turn on **Embed TikTok player** in "
                       "the sidebar to watch it online.")
    st.caption(f"TikTok id `{vid}` · [open on TikTok](https://www.tiktok.com/@/video/{vid})")
    return shown


def document_details(doc: Mapping, matcher: TermMatcher | None = None) -> None:
    """The document's indexed fields (highlighted) in an expander."""
    with st.expander("Indexed text of this video"):
        for col, label in (("description", "Description"), ("music_title", "Music"),
                           ("speech_to_text", "Speech-to-text"), ("coverphoto_ocr", "Cover OCR"),
                           ("onscreen_text", "On-screen text"), ("comment_text", "Comments")):
            text = doc.get(col)
            if isinstance(text, str) and text.strip():
                st.markdown(f"**{label}:** {highlight(text, matcher, 600)}")
