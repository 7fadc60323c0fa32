"""The lock of a run: held by the process executing it, asked about by everyone else.

The lock file sits beside the run folder (``campaigns/.<run-id>.lock``), so the folder stays
as the run wrote it. It is an OS file lock (``flock`` through :mod:`filelock`): the OS drops
it when its process dies, kill -9 included, so whether a process holds it now is what tells
a run that is going from one that was killed while it said "running".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


class LockHeldError(Exception):
    """The lock is held by another process (the caller turns it into its own error)."""


@contextmanager
def hold(path: Path) -> Iterator[None]:
    """Hold the lock at ``path`` for this process; :class:`LockHeldError` if another does."""
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise LockHeldError(str(path)) from None
    try:
        yield
    finally:
        lock.release()


if sys.platform == "win32":

    def is_held(path: Path) -> bool:
        """Whether a process holds the lock at ``path`` now."""
        if not path.exists():
            return False
        try:
            with hold(path):
                return False
        except LockHeldError:
            return True

else:
    import fcntl

    def is_held(path: Path) -> bool:
        """Whether a process holds the lock at ``path`` now.

        Only asks: the file is opened read-only and nothing is created or written, so it
        works in a read-only workspace and leaves every store as it was.
        """
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return False  # no lock file: no process holds it (a holder creates it first)
        try:
            # A shared lock is refused while the executing process holds its exclusive one.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)  # releases the shared lock too, if it was taken
        return False
