"""Where a command may write a text file: never over one of its inputs, another of its
outputs, a SQLite database or a directory.

A mistyped output option (``--run-out tiktoks.db``, ``--qrels-out`` naming the queries file,
``--out`` and ``--held-aside-out`` the same) would otherwise replace the corpus, the queries
it read or its own other output without a word.
"""
from __future__ import annotations

import os
from pathlib import Path

from .store import SQLITE_HEADER


def _same(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _is_database(p: Path) -> bool:
    if not p.is_file():
        return False
    with open(p, "rb") as f:
        return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def check_outputs(outputs: dict, inputs: dict) -> None:
    """Raise ValueError unless every output path (``{option: path or None}``) may be written;
    ``inputs`` are the paths the command reads (``{option: path or None}``)."""
    outs = [(k, Path(v)) for k, v in outputs.items() if v is not None]
    ins = [(k, Path(v)) for k, v in inputs.items() if v is not None]
    for i, (opt, path) in enumerate(outs):
        if path.is_dir():
            raise ValueError(f"{opt} {path} is a directory: give a file name")
        if _is_database(path):
            raise ValueError(f"{opt} {path} is a SQLite database: refusing to overwrite it with "
                             "text; check the path")
        for other, p in ins + outs[:i]:
            if _same(path, p):
                raise ValueError(f"{opt} {path} is the same file as {other}: it would be "
                                 "overwritten; give another path")
