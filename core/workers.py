"""Worker processes that die with their parent.

``ProcessPoolExecutor`` workers block reading their task queue; when the parent is killed
with ``kill -9`` nothing tells them, and they live on holding hundreds of MB each (issue 11,
defect 6). :func:`worker_pool` gives each worker the Linux parent-death signal
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``), so the kernel kills it when the parent goes, however
the parent ends. Elsewhere the pool is a plain one.

Workers fork on Linux (they start at once and share the parent's loaded data; named, since
Python 3.14's default there is forkserver, whose workers are not this process's children),
except for work that uses a runtime whose threads do not survive a fork (`FORK_UNSAFE`) once
this process has started those threads (:func:`threads_started`): a child forked after
CTranslate2 built a Whisper model hangs when it transcribes, e.g. in a notebook that read a
clip and then runs `pipeline.transcribe` (importing CTranslate2 alone is harmless). Such
workers are spawned as fresh interpreters, each importing the stage anew (about 1 s; on the
demo's `pipeline.ocr --all`, a 20 s stage, no difference beyond noise: `bench/workers.py`).
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1
FORK_UNSAFE = ("ctranslate2",)   # runtimes whose threads a forked child cannot use
_STARTED: set[str] = set()       # those whose threads this process has started


def die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: ask for SIGKILL when the parent dies (and exit now if
    it already has, since the request only covers a parent that is still alive)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def threads_started(runtime: str) -> None:
    """Say that this process has started `runtime`'s threads (one of FORK_UNSAFE)."""
    _STARTED.add(runtime)


def worker_pool(max_workers: int, runtimes: tuple[str, ...] = ()) -> ProcessPoolExecutor:
    """A pool of processes that die with this one; spawned instead of forked when the work
    uses one of the `runtimes` (e.g. FORK_UNSAFE) and this process has started its threads.
    Either way a worker's parent is this process, as `die_with_parent` checks."""
    return ProcessPoolExecutor(max_workers=max_workers,
                               mp_context=multiprocessing.get_context(start_method(runtimes)),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def start_method(runtimes: tuple[str, ...] = ()) -> str | None:
    """How :func:`worker_pool` starts workers for work that uses `runtimes`: "spawn" after
    :func:`threads_started` for one of them, else "fork" on Linux, named rather than left to
    the default: Python 3.14 makes "forkserver" the default there, whose workers are the
    server's children, and `die_with_parent` would end every one. Elsewhere (None) the
    platform's default."""
    if not _STARTED.isdisjoint(runtimes):
        return "spawn"
    return "fork" if sys.platform.startswith("linux") else None
