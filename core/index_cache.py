"""Tokenised corpora kept on disk, so a fresh process answers its first query in milliseconds.

Normalising and tokenising a corpus is most of a cold start (about 2.5 s for the 4-gram
fields of the 2022 corpus, on every start of the dashboard or of ``pipeline.evaluate``). What
it produces for one tokeniser — the vocabulary and one doc × term count matrix per field —
is saved once as a ``.npz`` file (no pickles) named by a content key:

    SHA-256(format, the source of core/text.py and core/index.py, mode, Unidecode.jl table,
            every field's text, tokeniser)

so a copy of a database, a re-import or a corpus view with some text removed is looked up by
what it contains, and a change to the normaliser or tokenisers misses instead of returning
stale tokens. Files are written to a temporary name and renamed (a killed run leaves no torn
file; two processes writing the same key write the same bytes). An unreadable file is a miss.

Directory: ``$TRL_INDEX_CACHE``, else ``$TRL_DATA/index-cache``, else ``data/index-cache`` in
the checkout.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

FORMAT = "1"
_CODE = ("text.py", "index.py")


def default_dir() -> Path:
    if os.environ.get("TRL_INDEX_CACHE"):
        return Path(os.environ["TRL_INDEX_CACHE"])
    if os.environ.get("TRL_DATA"):
        return Path(os.environ["TRL_DATA"]) / "index-cache"
    return Path(__file__).resolve().parents[1] / "data" / "index-cache"


def content_key(mode: str, jl_map: dict | None, fields: dict[str, list]) -> str:
    """What a tokenisation depends on, as one hex digest (the tokeniser is added per file)."""
    h = hashlib.sha256(FORMAT.encode())
    for name in _CODE:
        h.update((Path(__file__).parent / name).read_bytes())
    h.update(mode.encode())
    h.update(json.dumps(jl_map or {}, sort_keys=True).encode())
    for name in sorted(fields):
        h.update(b"\x00field\x00" + name.encode())
        for text in fields[name]:
            h.update(b"\x01" if not isinstance(text, str) else
                     b"\x02" + text.encode("utf-8", "surrogatepass") + b"\x03")
    return h.hexdigest()


class IndexCache:
    """Vocabulary and per-field counts of one tokeniser, by content key."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.dir = Path(directory) if directory else default_dir()

    def _path(self, key: str, tokens: str) -> Path:
        name = hashlib.sha256(f"{key}\x00{tokens}".encode()).hexdigest()
        return self.dir / f"{name}.npz"

    def load(self, key: str, tokens: str, n_docs: int) -> tuple[list[str], dict[str, sp.csr_matrix]] | None:
        """(terms in column order, field → counts) or None when absent or unreadable."""
        path = self._path(key, tokens)
        try:
            with np.load(path, allow_pickle=False) as z:
                blob, ends = z["terms"].tobytes(), z["term_ends"]
                terms = blob.decode("utf-8", "surrogatepass").split("\x00")[:-1] if len(ends) else []
                fields = [str(f) for f in z["fields"]]
                width = len(terms)
                counts = {f: sp.csr_matrix((z[f"{f}.data"].astype(np.float64), z[f"{f}.indices"],
                                            z[f"{f}.indptr"]), shape=(n_docs, width)) for f in fields}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, UnicodeDecodeError):
            return None
        if len(terms) != len(ends) or any(m.indptr.shape != (n_docs + 1,) for m in counts.values()):
            return None
        return terms, counts

    def save(self, key: str, tokens: str, terms: list[str], counts: dict[str, sp.csr_matrix]) -> None:
        """Write atomically; a cache that cannot be written (read-only disk) is skipped."""
        arrays = {"terms": np.frombuffer("".join(t + "\x00" for t in terms).encode("utf-8", "surrogatepass"),
                                         dtype=np.uint8),
                  "term_ends": np.cumsum([len(t) + 1 for t in terms], dtype=np.int64),
                  "fields": np.array(sorted(counts), dtype=str)}
        for f, m in counts.items():
            arrays[f"{f}.data"] = m.data.astype(np.uint32)
            arrays[f"{f}.indices"] = m.indices.astype(np.int32)
            arrays[f"{f}.indptr"] = m.indptr.astype(np.int64)
        path = self._path(key, tokens)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    np.savez(out, **arrays)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass
