"""One content-addressed store of embeddings, shared by every corpus, copy and query set.

Kept apart because it is the only part that must survive crashes and concurrency: an
embedding is keyed by the model (name and a checksum of its files) and the SHA-256 of the
exact text embedded (a passage or a window: the window is part of the text), so a copy of a
database at another path, a re-import or a new query set never embeds the same text twice,
and a changed document is re-embedded alone.

It is one SQLite file in WAL mode (``$TRL_EMBED_CACHE``, else ``$TRL_DATA/embeddings.sqlite``,
else ``data/embeddings.sqlite`` in the checkout): each batch of new vectors is one
transaction, so a killed run leaves every batch it finished and nothing torn, and two
processes filling it at once wait on each other's writes (``INSERT OR IGNORE``: the same text
gives the same vector). It also remembers each model's measured texts per second, which
budgets a run before it starts.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np

from ..store import check_kind

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (model_key TEXT NOT NULL, text_sha BLOB NOT NULL, vector BLOB NOT NULL,
                                    PRIMARY KEY (model_key, text_sha)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_sha (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha TEXT);
CREATE TABLE IF NOT EXISTS rates (model_key TEXT PRIMARY KEY, texts_per_s REAL);
"""
_CHUNK = 500   # SQLite's default limit on host parameters is 999 (older builds)
_SKIP = {"README.md", ".gitattributes"}   # files in a model directory that do not change vectors
_MODEL_KEYS: dict = {}


def default_path() -> Path:
    if os.environ.get("TRL_EMBED_CACHE"):
        return Path(os.environ["TRL_EMBED_CACHE"])
    if os.environ.get("TRL_DATA"):
        return Path(os.environ["TRL_DATA"]) / "embeddings.sqlite"
    return Path(__file__).resolve().parents[2] / "data" / "embeddings.sqlite"


def text_sha(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """Unit vectors by (model key, text SHA-256) in one SQLite file. Every call opens its own
    connection, so one cache object serves any thread."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_path()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_kind(self.path, "embedding cache", growing=True)   # a mistyped path: refused
        con = sqlite3.connect(self.path, timeout=120)
        con.execute("PRAGMA busy_timeout = 120000")
        if not self._ready:
            con.execute("PRAGMA journal_mode = WAL")
            con.executescript(_SCHEMA)
            self._ready = True
        con.execute("PRAGMA synchronous = NORMAL")   # WAL: a crash loses at most the last commits
        return con

    def get(self, model_key: str, shas: list[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``shas`` (others absent from the answer)."""
        out: dict[bytes, np.ndarray] = {}
        with closing(self._connect()) as con:
            for i in range(0, len(shas), _CHUNK):
                part = shas[i:i + _CHUNK]
                rows = con.execute(f"SELECT text_sha, vector FROM vectors WHERE model_key = ? AND text_sha IN "
                                   f"({','.join('?' * len(part))})", [model_key, *part])
                out.update((s, np.frombuffer(v, dtype="<f4")) for s, v in rows)
        return out

    def missing(self, model_key: str, shas: list[bytes]) -> list[bytes]:
        """The distinct ``shas`` not cached, in first-seen order (reads no vector)."""
        shas = list(dict.fromkeys(shas))
        found: set[bytes] = set()
        with closing(self._connect()) as con:
            for i in range(0, len(shas), _CHUNK):
                part = shas[i:i + _CHUNK]
                found.update(s for (s,) in con.execute(
                    f"SELECT text_sha FROM vectors WHERE model_key = ? AND text_sha IN "
                    f"({','.join('?' * len(part))})", [model_key, *part]))
        return [s for s in shas if s not in found]

    def put(self, model_key: str, shas: list[bytes], vectors: np.ndarray) -> None:
        """Store vectors in one transaction (all or none)."""
        rows = [(model_key, s, np.asarray(v, dtype="<f4").tobytes()) for s, v in zip(shas, vectors)]
        with closing(self._connect()) as con, con:
            con.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)

    def rate(self, model_key: str) -> float | None:
        """Texts per second measured the last time this model embedded a batch run here."""
        with closing(self._connect()) as con:
            row = con.execute("SELECT texts_per_s FROM rates WHERE model_key = ?", (model_key,)).fetchone()
        return row[0] if row else None

    def set_rate(self, model_key: str, texts_per_s: float) -> None:
        with closing(self._connect()) as con, con:
            con.execute("INSERT OR REPLACE INTO rates VALUES (?, ?)", (model_key, texts_per_s))

    def model_key(self, model_name: str, directory: Path) -> str:
        """``<model name>@<checksum>``: the checksum covers every file of the model's directory
        that affects its vectors (weights, tokenizer, pooling), so new weights under the same
        name never reuse old vectors. Large files are hashed once per (path, size, mtime) and
        remembered here, so asking costs milliseconds."""
        files = sorted(p for p in Path(directory).rglob("*") if p.is_file() and p.name not in _SKIP)
        stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        if (model_name, stamp) not in _MODEL_KEYS:
            h = hashlib.sha256()
            for p, (_, size, mtime) in zip(files, stamp):
                h.update(f"{p.relative_to(directory).as_posix()}\x00{self._file_sha(p, size, mtime)}\x00".encode())
            _MODEL_KEYS[model_name, stamp] = f"{model_name}@{h.hexdigest()[:16]}"
        return _MODEL_KEYS[model_name, stamp]

    def _file_sha(self, path: Path, size: int, mtime_ns: int) -> str:
        if size < 1 << 20:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        with closing(self._connect()) as con:
            row = con.execute("SELECT sha FROM file_sha WHERE path = ? AND size = ? AND mtime_ns = ?",
                              (str(path), size, mtime_ns)).fetchone()
        if row:
            return row[0]
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        with closing(self._connect()) as con, con:
            con.execute("INSERT OR REPLACE INTO file_sha VALUES (?, ?, ?, ?)",
                        (str(path), size, mtime_ns, h.hexdigest()))
        return h.hexdigest()
