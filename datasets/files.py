"""File helpers every layer shares: sha256 digests, atomic writes, writable folders, versions.

An atomic write goes to a temporary file ``.NAME.RANDOM.tmp`` in the target's folder, is
flushed to disk, and is moved over the target with :func:`os.replace`; a crash at any moment
leaves either the old file or the new one, never a half-written file. The temporary file is
removed on any failure, KeyboardInterrupt included, so it can never be mistaken for data; only
a process killed outright (kill -9) leaves one behind. :func:`atomic_output` is the one
implementation: writers that need a file name (Parquet, streamed CSV, copies) write to the
path it yields, and :func:`atomic_write_bytes` writes bytes through it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from anionscreen.datasets.errors import AnionscreenError

#: How a temporary file of :func:`atomic_output` is named: ``.NAME.RANDOM.tmp``.
TEMPORARY_SUFFIX = ".tmp"
#: Floats in the CSV tables anionscreen computes (predictions, scores, descriptors): 7
#: significant digits, far below any model's error and free of float noise such as
#: ``2.965921901316432e-14``; Parquet keeps full precision. Measurement data is written as
#: recorded.
CSV_FLOAT_FORMAT = "%.7g"


def sha256_of_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _new_temporary(path: Path) -> Path:
    # Created here (O_EXCL), with the mode a plain open() gives (0o666 less the umask), so the
    # finished file is as readable as any other the user writes.
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; it replaces ``path`` when the block ends.

    The file is made durable (fsynced, then the rename too) before the block returns; if the
    block raises, KeyboardInterrupt included, the temporary file is removed and ``path`` is
    untouched.

    Examples
    --------
    >>> with atomic_output(target) as tmp:  # doctest: +SKIP
    ...     table.to_parquet(tmp)
    """
    tmp = _new_temporary(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably (see :func:`atomic_output`)."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def writable_folder(path: Path, what: str) -> Path:
    """``path`` as a folder this process can write in, created if missing; else one clear error.

    A workspace that is a regular file or ``/dev/null``, a read-only one, or one on a full or
    read-only disk fails here, before any work, with ``what`` and the path named, rather than
    as a ``NotADirectoryError`` or ``PermissionError`` from deep inside a command.

    Raises
    ------
    AnionscreenError
        If ``path`` (or a parent) is not a folder, or no file can be created in it.
    """
    for existing in (path, *path.parents):
        if existing.exists():
            if existing == path and not existing.is_dir():
                raise AnionscreenError(
                    f"{what} {path} is {_kind(path)}, not a folder; give a folder"
                )
            if not existing.is_dir():
                raise AnionscreenError(
                    f"{what} {path} cannot be made: {existing} is {_kind(existing)}, not a folder"
                )
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
        # Permissions, a read-only mount or a full disk show only when a file is made.
        probe = _new_temporary(path / "write-check")
        probe.unlink()
    except OSError as err:
        # A parent that is a file gives ENOTDIR; the message names the path either way.
        raise AnionscreenError(
            f"{what} {path} is not writable ({err.strerror or err}); give a folder you can write in"
        ) from None
    return path


def _kind(path: Path) -> str:
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a folder"


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Installed version of each distribution (``"not installed"`` where absent)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
