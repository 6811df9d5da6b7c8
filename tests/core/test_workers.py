"""Worker processes die with their parent (issue 11, defect 6: after `kill -9` of
`pipeline.experiments --workers 2` the workers lived on, 190-310 MB each)."""
import os
import signal
import subprocess
import sys
import textwrap
import time

PARENT = textwrap.dedent("""
    import sys, time
    from core.workers import worker_pool
    pool = worker_pool(2)
    futures = [pool.submit(time.sleep, 60) for _ in range(2)]
    time.sleep(1.0)
    print(" ".join(str(p) for p in pool._processes), flush=True)   # the workers' pids
    time.sleep(60)
""")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:   # a zombie waiting for its reaper is gone too
        return f.read().split()[2] != "Z"


def test_workers_die_when_the_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              cwd=os.getcwd())
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(alive(p) for p in workers)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [p for p in workers if alive(p)]
    for p in survivors:   # don't leave them behind when the test fails
        os.kill(p, signal.SIGKILL)
    assert not survivors


def test_the_pool_runs_work():
    from core.workers import worker_pool
    with worker_pool(2) as pool:
        assert list(pool.map(abs, [-1, -2, 3])) == [1, 2, 3]


START = textwrap.dedent("""
    import os, sys
    from core.workers import FORK_UNSAFE, threads_started, worker_pool
    import ctranslate2   # imported: harmless
    if sys.argv[1] == "started":   # what pipeline.whisper says once it has built a model
        threads_started("ctranslate2")
    with worker_pool(1, FORK_UNSAFE if sys.argv[2] == "unsafe" else ()) as pool:
        pid = pool.submit(os.getpid).result()
        cmdline = [open(f"/proc/{p}/cmdline", "rb").read() for p in (pid, os.getpid())]
        spawned = cmdline[0] != cmdline[1]   # a forked child has its parent's command line
        print(spawned, pool.submit(os.getppid).result() == os.getpid())
""")


def test_workers_are_spawned_for_work_that_uses_threads_this_process_started():
    """Forked workers start at once; after CTranslate2 has started its threads a forked
    child hangs when it uses it, so workers for such work are then fresh interpreters, still
    our children. Work that does not use it still forks, and so does all work while
    CTranslate2 is only imported."""
    def start(state, work):
        return subprocess.run([sys.executable, "-c", START, state, work], capture_output=True,
                              text=True, timeout=120, check=True, cwd=os.getcwd()).stdout.split()
    assert start("imported", "unsafe") == ["False", "True"]
    assert start("started", "unsafe") == ["True", "True"]
    assert start("started", "numpy") == ["False", "True"]


def test_workers_fork_whatever_the_default_start_method():
    """Python 3.14 makes forkserver Linux's default: its workers are the server's children,
    and the parent-death check ended every one (BrokenProcessPool)."""
    script = ("import multiprocessing, os\n"
              "multiprocessing.set_start_method('forkserver')\n"
              "from core.workers import worker_pool\n"
              "with worker_pool(2) as pool:\n"
              "    print(list(pool.map(abs, [-1, -2])),\n"
              "          pool.submit(os.getppid).result() == os.getpid())\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=os.getcwd())
    assert out.returncode == 0 and out.stdout.split() == ["[1,", "2]", "True"], out.stderr[-1000:]
