"""ui/display: untrusted text is escaped, matching words highlighted, media paths and ids checked,
result cards and document details drawn from escaped text only."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.config import Config
from core.text import Normaliser
from ui.display import TermMatcher, _media_file, clip, creator_line, escape_md, highlight, matched_fields

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


def test_clip_cuts_at_a_word_boundary():
    assert clip("one two three four", 9) == "one two …" and clip("  a\n b ", 10) == "a b"
    assert clip(None) == "" and clip("x" * 20, 10) == "x" * 10 + " …"


def test_creator_line_and_matched_fields():
    norm = Normaliser("default")
    words = TermMatcher(norm, Config.parse("word.sr+ocr+c.noattr.bpx"), "maria pasta")
    assert creator_line({"creator_username": "chefmaria", "creator_nickname": "Maria *Cooks*"}) == \
        "@chefmaria · Maria \\*Cooks\\*"
    assert creator_line({"creator_nickname": "Maria"}, words) == ":orange-background[Maria]"
    assert creator_line({}) == "unknown creator"
    doc = {"description": "garlic pasta", "speech_to_text": "we make pasta", "coverphoto_ocr": "HACK",
           "creator_nickname": "Maria Cooks", "creator_username": "maria", "comment_text": None}
    fields = ["description", "speech_to_text", "coverphoto_ocr", "creator_nickname", "creator_username", "comment_text"]
    assert matched_fields(doc, words, fields) == ["description", "speech", "creator"]   # the creator once


def test_a_result_card_and_the_documents_details():
    def page():
        import streamlit as st

        from core.config import Config
        from core.text import Normaliser
        from ui.display import TermMatcher, document_details, result_card
        words = TermMatcher(Normaliser("default"), Config.parse("word.sr+ocr+c.noattr.bpx"), "garlic")
        doc = {"id": "1001", "creator_username": "@chefmaria", "creator_nickname": "Maria",
               "description": "garlic <b>pasta</b>", "music_title": "original sound", "speech_to_text": "garlic butter",
               "comment_text": "   "}
        result_card(doc, rank=1, score=2.5, matcher=words, fields=["description", "speech_to_text"],
                    on_open=lambda vid: st.session_state.update(opened=vid), key="r")
        document_details(doc, words)
        st.text(st.session_state.get("opened", "none"))

    at = AppTest.from_function(page).run()
    assert not at.exception
    md = [m.value for m in at.markdown]
    assert md[0] == "**1.** **@chefmaria · Maria** · score `2.500`"
    assert md[1] == ":orange-background[garlic] \\<b\\>pasta\\</b\\>"
    assert at.caption[0].value == ":material/music_note: original sound  ·  matches in description, speech"
    assert [m for m in md if m.startswith("**Speech-to-text:**")] == ["**Speech-to-text:** :orange-background[garlic] butter"]
    assert not [m for m in md if m.startswith("**Comments:**")]   # blank fields are left out
    assert at.button(key="open_r1001").label == "Watch" and at.text[0].value == "none"
    at.button(key="open_r1001").click().run()
    assert at.text[0].value == "1001"


def test_bidi_controls_are_dropped_from_displayed_text():
    """Issue 11: a right-to-left override in a description flipped the text shown after it."""
    assert escape_md("abc\u202edef\u2066x\u2069") == "abcdefx"
    assert "\u202e" not in highlight("watch \u202etxet", None)
