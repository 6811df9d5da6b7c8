"""Worker processes that die with their parent.

``ProcessPoolExecutor`` workers block reading their task queue; when the parent is killed
with ``kill -9`` nothing tells them, and they live on holding hundreds of MB each (issue 11,
defect 6). :func:`worker_pool` gives each worker the Linux parent-death signal
(``prctl(PR_SET_PDEATHSIG, SIGKILL)``), so the kernel kills it when the parent goes, however
the parent ends. Elsewhere the pool is a plain one.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: ask for SIGKILL when the parent dies (and exit now if
    it already has, since the request only covers a parent that is still alive)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def worker_pool(max_workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=max_workers, initializer=die_with_parent,
                               initargs=(os.getpid(),))
