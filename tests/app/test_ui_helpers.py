"""ui helpers: untrusted text is escaped, media paths and ids are checked, sources resolve."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.config import Config
from core.text import Normaliser
from ui.data import initial_source
from ui.display import TermMatcher, _media_file, escape_md, highlight

HOSTILE = ('<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) '
           '**bold** :red[red] $x^2$ `code` # heading | a | b | ~~strike~~ :smile: \\ & &amp;')


def unescaped_specials(md: str) -> list[str]:
    """Markdown-special characters in ``md`` that are not backslash-escaped."""
    out, i = [], 0
    while i < len(md):
        if md[i] == "\\":
            i += 2
            continue
        if md[i] in "<>[]()*_`$~:#|!&":
            out.append(md[i])
        i += 1
    return out


def test_escape_md_escapes_every_markdown_special_character():
    out = escape_md(HOSTILE)
    assert unescaped_specials(out) == []
    assert escape_md("a\n\nb   c") == "a b c"


def test_hostile_text_renders_literally_in_streamlit():
    def page(text):
        import streamlit as st

        from ui.display import escape_md
        st.markdown(escape_md(text))

    at = AppTest.from_function(page, args=(HOSTILE,)).run()
    assert not at.exception
    assert unescaped_specials(at.markdown[0].value) == []


def test_highlight_marks_matching_words_only():
    norm = Normaliser("default")
    words = TermMatcher(norm, Config.parse("word.basic.noattr.bpx"), "Garlic pasta!")
    out = highlight("5 minute garlic *pasta* [x](y)", words)
    assert ":orange-background[garlic]" in out
    assert ":orange-background[\\*pasta\\*]" in out
    assert "minute" in out and ":orange-background[minute]" not in out
    grams = TermMatcher(norm, Config.parse("4gram.basic.noattr.bpx"), "pasta")
    assert grams("Pastas") and not grams("minute")
    assert highlight("anything", None) == "anything"


def test_media_files_must_exist_and_be_named_after_the_id(tmp_path):
    video = tmp_path / "123.mp4"
    video.write_bytes(b"\0")
    other = tmp_path / "999.mp4"
    other.write_bytes(b"\0")
    assert _media_file(str(video), "123", {".mp4"}) == video
    assert _media_file(str(other), "123", {".mp4"}) is None       # someone else's file
    assert _media_file("/etc/passwd", "123", {".mp4"}) is None
    assert _media_file(str(tmp_path / "123.exe"), "123", {".mp4"}) is None
    assert _media_file("123.mp4", "123", {".mp4"}, base_dirs=[tmp_path]) == tmp_path / "123.mp4"
    assert _media_file(None, "123", {".mp4"}) is None


def test_media_panel_plays_a_downloaded_video(tiny_db, tmp_path):
    video = tmp_path / "1001.mp4"
    video.write_bytes(b"\0\0\0\x18ftypmp42")

    def page(path):
        from ui.display import media_panel
        media_panel({"id": "1001", "video_path": path, "description": "x"}, embed=False)
        media_panel({"id": "../../etc", "description": "bad id"}, embed=True)
        media_panel({"id": "1002", "description": "not downloaded"}, embed=True)

    at = AppTest.from_function(page, args=(str(video),)).run()
    assert not at.exception
    assert len(at.get("video")) == 1
    assert "no valid TikTok id" in at.warning[0].value
    assert len(at.get("iframe")) == 1


def test_initial_source_from_arguments_and_environment(monkeypatch, tmp_path):
    s = initial_source(["--db", "x/tiktoks.db"])
    assert s.db == Path("x/tiktoks.db") and s.results == Path("x/results.db")
    s = initial_source(["--db", "a.db", "--results", "b.db"])
    assert (s.db, s.results) == (Path("a.db"), Path("b.db"))
    monkeypatch.setenv("TRL_DB", str(tmp_path / "c.db"))
    monkeypatch.delenv("TRL_RESULTS", raising=False)
    assert initial_source([]).results == tmp_path / "results.db"
    monkeypatch.delenv("TRL_DB")
    monkeypatch.setenv("TRL_DATA", str(tmp_path))
    assert initial_source([]).db == tmp_path / "tiktoks.db"
