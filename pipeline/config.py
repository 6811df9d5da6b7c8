"""One place for the options and paths every pipeline stage shares.

Stages build their parser with `stage_parser(description)` so `--db`, `--results`,
`--pipeline-db`, `--media`, `--workers` mean the same everywhere; defaults can be moved
with environment variables (TRL_DATA) so tests and the demo can point at a temp dir.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import unicodedata
from pathlib import Path

DATA = Path(os.environ.get("TRL_DATA", "data"))


def defaults() -> dict:
    return {
        "db": DATA / "tiktoks.db",          # the corpus (study schema)
        "results": DATA / "results.db",     # experiment results (study schema)
        "pipeline_db": DATA / "pipeline.db",  # per-item stage state (raw, downloads, ocr, ...)
        "media": DATA / "media",            # downloaded videos/ covers/ and extracted audio/
    }


def checked_number(kind, test, what: str):
    """An argparse type: ``kind(text)``, refused with a message unless ``test(value)``."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or not test(value):   # NaN fails every test
            raise argparse.ArgumentTypeError(f"{text!r}: must be {what}")
        return value
    parse.__name__ = what   # argparse names the type in its own messages
    return parse


positive_int = checked_number(int, lambda v: v > 0, "a whole number of 1 or more")
count = checked_number(int, lambda v: v >= 0, "a whole number of 0 or more")
positive_float = checked_number(float, lambda v: 0 < v < float("inf"), "a number above 0")
non_negative_float = checked_number(float, lambda v: 0 <= v < float("inf"), "a number of 0 or more")
fraction = checked_number(float, lambda v: 0 <= v <= 1, "between 0 and 1")
percentage = checked_number(float, lambda v: 0 <= v <= 100, "a percentage from 0 to 100")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Each option's default in --help, except where its help already says it, or where there
    is none worth saying (a flag, None): no "(default: all) (default: None)"."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("(default" in text or action.default is None
                or isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))):
            return text
        return super()._get_help_string(action)


def stage_parser(description: str, *, db=True, results=False, pipeline_db=False, media=False,
                 workers=False) -> argparse.ArgumentParser:
    """An argparse parser with the shared options this stage uses."""
    d = defaults()
    p = argparse.ArgumentParser(description=description,
                                formatter_class=HelpFormatter)
    if db:
        p.add_argument("--db", type=Path, default=d["db"], help="corpus database (tiktoks.db)")
    if results:
        p.add_argument("--results", type=Path, default=d["results"], help="results database")
    if pipeline_db:
        p.add_argument("--pipeline-db", type=Path, default=d["pipeline_db"],
                       help="pipeline state database (raw records and per-item stage results)")
    if media:
        p.add_argument("--media", type=Path, default=d["media"],
                       help="media directory (videos/, covers/, audio/)")
    if workers:
        p.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                       help="parallel worker processes for per-item work")
    return p


def add_embed_cache(p: argparse.ArgumentParser) -> None:
    """``--embed-cache``: where the shared embedding cache is (core/dense/cache.py)."""
    p.add_argument("--embed-cache", type=Path, default=None,
                   help="embedding cache file (default: $TRL_EMBED_CACHE, else $TRL_DATA/embeddings.sqlite, "
                        "else data/embeddings.sqlite in the checkout)")


def use_embed_cache(args) -> None:
    if getattr(args, "embed_cache", None):
        os.environ["TRL_EMBED_CACHE"] = str(args.embed_cache)


def printable(text: str, width: int = 120) -> str:
    """Corpus or query text fit for a terminal: control and format characters (escape
    sequences, NUL, right-to-left overrides) shown as U+FFFD, whitespace collapsed, at most
    ``width`` long."""
    shown = "".join("\ufffd" if unicodedata.category(c)[0] == "C" and not c.isspace() else c
                    for c in str(text))
    shown = " ".join(shown.split())
    return shown if len(shown) <= width else shown[:width - 1] + "…"


def run_cli(main) -> None:
    """A stage's ``__main__``: exit with ``main()``'s code. A file or database problem it did
    not foresee (a path that is a directory or not writable, a database another process
    locks) becomes one line naming the file, with exit code 2 (3: busy; 130: Ctrl-C), not a
    traceback."""
    from core.locks import Busy, is_locked
    from core.store import NotADatabase

    name = Path(sys.argv[0]).stem if Path(sys.argv[0]).stem != "__main__" else Path(sys.argv[0]).parent.name
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None:   # usage and argparse errors name `python -m pipeline.ocr`, not ocr.py
        sys.argv[0] = f"python -m {spec.name.removesuffix('.__main__')}"
    try:
        code = main()
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted (finished work is kept; run again to go on)",
              file=sys.stderr)
        code = 130
    except Busy as e:
        print(f"{name}: {e}", file=sys.stderr)
        code = 3
    except NotADatabase as e:
        print(f"{name}: {e}", file=sys.stderr)
        code = 2
    except sqlite3.DatabaseError as e:
        busy = is_locked(e)
        print(f"{name}: {'another process holds the database: ' if busy else 'database error: '}{e}"
              f"{'; run again when it is free' if busy else ''}", file=sys.stderr)
        code = 3 if busy else 2
    except OSError as e:
        where = " → ".join(str(f) for f in (e.filename, e.filename2) if f)
        print(f"{name}: {e.strerror or e}{f': {where}' if where else ''}", file=sys.stderr)
        code = 2
    sys.exit(code)
