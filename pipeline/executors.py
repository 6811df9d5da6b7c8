"""Where a per-item stage's work runs: a local process pool (the default) or Ray.

The stage functions are the same either way (pure, top-level ``item → row``), and either
way the driver writes each finished row to SQLite as it arrives (:mod:`pipeline.items`), so
a killed worker or a killed driver loses only the items in flight and a rerun resumes.

``--executor ray`` starts a local Ray with ``--workers`` CPUs (or joins the cluster named by
``RAY_ADDRESS``); ``--executor ray://HOST:PORT`` or ``--ray-address ADDRESS`` joins a running
cluster (its workers need this checkout and the media paths: shared storage). Each item is
one Ray task; a worker process that dies mid-item is retried by Ray (``max_retries``), and
one still lost is counted as lost, as with the pool. At most ``window`` tasks are in flight,
so a million items never sit in the object store at once. Ray is optional
(requirements-scale.txt).
"""
from __future__ import annotations

import argparse
import os
from typing import Callable, Iterable, Iterator

PROCESS, RAY = "process", "ray"


class WorkerLost(RuntimeError):
    """A Ray worker died on an item (after Ray's retries): no row, the rerun retries it."""


def executor_type(value: str) -> str:
    """argparse type of ``--executor``: ``process``, ``ray`` or ``ray://HOST:PORT``."""
    if value in (PROCESS, RAY) or value.startswith("ray://"):
        return value
    raise argparse.ArgumentTypeError(f"unknown executor {value!r}: use process, ray or ray://HOST:PORT")


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--executor", type=executor_type, default=PROCESS,
                   help="where items run: process (a local pool of --workers processes), ray (a "
                        "local Ray with --workers CPUs, or $RAY_ADDRESS) or ray://HOST:PORT (a Ray cluster)")
    p.add_argument("--ray-address", default=None,
                   help="address of a running Ray cluster (implies --executor ray), e.g. auto or ray://head:10001")


def resolve(args) -> str:
    """The executor of parsed options: ``process``, ``ray`` or a Ray address."""
    address = getattr(args, "ray_address", None)
    executor = getattr(args, "executor", PROCESS)
    if address:
        return address
    return executor


def is_ray(executor: str | None) -> bool:
    return bool(executor) and executor != PROCESS


def unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why a cluster's ``[ray://]HOST:PORT`` cannot be reached, or None (also for ``auto``):
    Ray itself retries an address nobody answers at for minutes."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return None
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        return f"nothing answers at {host}:{port} ({e.strerror or e})"
    return None


def join(ray, address: str) -> None:
    """ray.init on a running cluster, or SystemExit with one line saying why not."""
    why = unreachable(address)
    if why is None:
        try:
            ray.init(address=address, log_to_driver=False)
            return
        except (ValueError, ConnectionError, RuntimeError) as e:   # e.g. ray:// without ray[client]
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
    raise SystemExit(f"cannot join the Ray cluster at {address}: {why}")


def ray_results(fn: Callable[[dict], dict], items: Iterable[dict], executor: str, workers: int,
                *, max_retries: int = 3, window: int | None = None) -> Iterator[tuple[dict, dict | None, BaseException | None]]:
    """(item, row, None) or (item, None, exception) for each item, as Ray tasks finish.

    An exception raised by ``fn`` comes back as itself (the stage records it as a failure
    row); a worker lost after ``max_retries`` comes back as :class:`WorkerLost`.
    """
    try:
        import ray
    except ImportError:
        raise SystemExit("--executor ray needs Ray: pip install -r requirements-scale.txt") from None
    started = False
    if not ray.is_initialized():
        address = None if executor == RAY else executor
        if address is None and not os.environ.get("RAY_ADDRESS"):
            ray.init(num_cpus=max(1, workers), include_dashboard=False, log_to_driver=False)
        else:
            join(ray, address or os.environ["RAY_ADDRESS"])
        started = True
    task = ray.remote(max_retries=max_retries)(fn)
    window = window or max(8, 4 * max(1, workers))
    todo = iter(items)
    flight: dict = {}
    try:
        while True:
            while len(flight) < window:
                item = next(todo, None)
                if item is None:
                    break
                flight[task.remote(item)] = item
            if not flight:
                return
            done, _ = ray.wait(list(flight), num_returns=1)
            for ref in done:
                item = flight.pop(ref)
                try:
                    yield item, ray.get(ref), None
                except ray.exceptions.RayTaskError as e:
                    yield item, None, e.cause if isinstance(e.cause, BaseException) else e
                except ray.exceptions.RayError as e:   # the worker died (retries spent)
                    yield item, None, WorkerLost(f"{type(e).__name__}: {e}")
    finally:
        for ref in flight:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def ray_spread(executor: str, workers: int):
    """A ``spread`` for :func:`core.grid.run_grid`: each task a Ray task (retried when its
    worker dies), its result back to the driver, which writes results.db as without Ray."""
    def spread(fn, tasks):
        for task, result, error in ray_results(fn, tasks, executor, workers):
            if error is not None:
                raise error
            yield task, result
    return spread
