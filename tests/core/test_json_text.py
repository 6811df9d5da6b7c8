"""Untrusted JSON: malformed, not UTF-8 and too deeply nested input are one kind of error."""
import pytest

from core.json_text import BadJSON, parse_json


def test_good_json_parses():
    assert parse_json('[{"a": 1}]') == [{"a": 1}] and parse_json(b"[]") == []


@pytest.mark.parametrize("text, message", [
    ('[\n {"a" 1}]', r"f.json: malformed JSON at line 2 column 7: Expecting ':' delimiter"),
    (b"[\"\xff\"]", r"f.json: not UTF-8 text \(invalid start byte at byte 2\)"),
    ("[" * 100_000 + "]" * 100_000, "f.json: JSON nested too deeply to read"),
])
def test_bad_json_names_the_source_and_the_reason(text, message):
    with pytest.raises(BadJSON, match=message):
        parse_json(text, "f.json")
