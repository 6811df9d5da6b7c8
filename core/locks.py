"""Advisory file locks beside a database, so a rebuild never loses a researcher's write.

A corpus database is rebuilt by writing a new file and renaming it over the old one
(:func:`core.store.atomic_database`). Two locks make that safe:

* the **rebuild lock** (``<db>.rebuild.lock``), held for a whole rebuild: a second rebuild of
  the same database refuses at once with :class:`Busy`, naming the holder's pid, instead of
  both writing one temporary file;
* the **write lock** (``<db>.lock``), held briefly by every small write (a collected query, a
  viewer's view: ``core.history.open_db(path, write=True)``) and by the rebuild while it copies
  those rows into the new file and renames it. A write therefore happens either before the
  copy (and is carried over) or after the rename (into the new file), never into a file about
  to be replaced.

``flock`` locks are released by the kernel when their process dies, so a killed run never
leaves a stale lock; the lock files themselves stay (empty but for the last pid).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path


class Busy(RuntimeError):
    """Another process holds the lock."""


def is_locked(error: Exception) -> bool:
    """Is a sqlite3 error another process holding the database ("database is locked/busy")?"""
    return "locked" in str(error) or "busy" in str(error)


def _lock_path(path, suffix: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + suffix)


@contextlib.contextmanager
def _locked(lock: Path, wait: bool, busy: str):
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise Busy(busy.format(pid=holder)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)   # releases the lock


def rebuild_lock(path):
    """Held for a whole rebuild of ``path``; raises :class:`Busy` if another process holds it."""
    return _locked(_lock_path(path, ".rebuild.lock"), wait=False,
                   busy=f"{path} is being rebuilt by another process (pid {{pid}}); wait for it "
                        "to finish, or stop it, then run again")


def write_lock(path):
    """Held around one small write to ``path`` and around a rebuild's final copy and rename
    (waits for the holder: each of these takes milliseconds)."""
    return _locked(_lock_path(path, ".lock"), wait=True, busy="")
