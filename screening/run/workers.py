"""joblib's worker processes: they live as long as the run, and die with its process.

loky, joblib's process backend, keeps one reusable executor per process: its workers (a few
hundred MB each, the models loaded) stay for loky's idle timeout after a call so that the
next one starts faster, and a kill -9 of the process that started them tells them nothing,
so they (and loky's resource trackers, which exit once the workers have) stayed for
minutes. A campaign is one long call: :func:`release_workers` shuts the executor down when
its chunks are scored, and :func:`exit_with_parent`, the workers' initializer, ends each
worker within a second of its parent's death. :func:`start_workers` starts the pool while the
models load, so that the workers' imports do not wait for them.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time

import joblib


def worker_pool(workers: int) -> joblib.Parallel:
    """The joblib pool a run's chunks are scored on.

    Always built with the same settings, so that loky gives every call of a process the same
    worker processes (a pool started early by :func:`start_workers` is the one that scores).
    """
    return joblib.Parallel(
        n_jobs=workers,
        return_as="generator_unordered",
        pre_dispatch="2*n_jobs",
        initializer=exit_with_parent,  # loky's workers; see exit_with_parent
        initargs=(os.getpid(),),
    )


_starting: threading.Thread | None = None


def start_workers(workers: int) -> None:
    """Start the worker processes of a run now, on a background thread.

    A fresh worker spends 2-3 s importing scikit-learn, SciPy, pandas and anionscreen before
    it can score a chunk; started while this process loads or trains the models, those
    seconds overlap. :func:`wait_for_workers` is called before the chunks are sent.
    """
    global _starting
    wait_for_workers()

    def start() -> None:
        # A pool that fails to start here fails again, with its error, when chunks are sent.
        with contextlib.suppress(Exception):
            list(
                worker_pool(workers)(
                    joblib.delayed(_import_worker_modules)() for _ in range(workers)
                )
            )

    _starting = threading.Thread(target=start, name="anionscreen-start-workers", daemon=True)
    _starting.start()


def wait_for_workers() -> None:
    """Return once the workers started by :func:`start_workers` (if any) are ready."""
    global _starting
    if _starting is not None:
        _starting.join()
        _starting = None


def _import_worker_modules() -> None:
    for module in ("anionscreen.screening.run.execute", "sklearn.ensemble"):
        importlib.import_module(module)


def exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker process as soon as ``parent`` is gone.

    A daemon thread polls the worker's parent id, which changes when the parent dies (the
    orphan is adopted by another process), and exits the worker within a second.
    """
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent,), name="anionscreen-parent-watch", daemon=True
    ).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)  # no cleanup to wait for: the results had nowhere to go


def release_workers(*, wait: bool) -> None:
    """Shut down loky's reusable executor once a run's chunks are scored (or have failed).

    ``wait=False`` (after an error or Ctrl-C) kills the workers instead of letting them end
    their chunks. An executor left to interpreter exit would also keep loky's manager and
    queue-feeder threads running while Python finalises, where native libraries have been
    seen to abort (SIGABRT).
    """
    module = importlib.import_module("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)  # loky's one executor, if it made one
    if executor is not None:
        executor.shutdown(wait=wait, kill_workers=not wait)
