"""JSON from untrusted files (batches, queries): one parser with one kind of error.

``json.loads`` raises three different things on bad input: ``JSONDecodeError`` (malformed),
``UnicodeDecodeError`` (bytes that are not UTF-8) and ``RecursionError`` (nesting deeper than
the interpreter's stack, e.g. ``[[[[…]]]]`` 100,000 deep, which otherwise kills the whole
stage). :func:`parse_json` turns each into a :class:`BadJSON` naming the source, so a stage
can skip that one file with a reason and load the rest.
"""
from __future__ import annotations

import json


class BadJSON(ValueError):
    """Input that is not usable JSON (the message names where and why)."""


def parse_json(text: str | bytes, source: str = "input"):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise BadJSON(f"{source}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except UnicodeDecodeError as e:
        raise BadJSON(f"{source}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except RecursionError:
        raise BadJSON(f"{source}: JSON nested too deeply to read") from None
