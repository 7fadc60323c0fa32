"""Getting external files: mirror, cache, or the public URL (via pooch), always checksummed.

Order of places a file is looked for:

1. the mirror directory ``settings.data_mirror`` (``ANIONSCREEN_DATA_MIRROR``), read in place;
2. the cache ``settings.cache / "datasets"`` (same layout as the mirror);
3. for the openly licensed sets, the copy shipped in the package (:func:`read_dataset`);
4. only in :func:`fetch`: the public URL, downloaded with pooch into the cache.

Every read hashes the very bytes that will be parsed, so a file changed after fetching is
caught; a mismatch raises :class:`~anionscreen.datasets.errors.ChecksumError` naming the file
and both checksums. It is never a warning.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from anionscreen.datasets.errors import AnionscreenError, ChecksumError
from anionscreen.datasets.external import ExternalDataset, ExternalFile
from anionscreen.datasets.files import atomic_output, sha256_of_bytes, sha256_of_file
from anionscreen.datasets.packaged import packaged_file, read_packaged
from anionscreen.datasets.settings import MIRROR_ENV, Settings


def cache_path(entry: ExternalFile, settings: Settings) -> Path:
    """Where ``entry`` lives in the cache."""
    return settings.cache / "datasets" / entry.path


def locate(entry: ExternalFile, settings: Settings) -> Path | None:
    """The mirror or cache copy of ``entry`` if one exists (not yet verified), else None."""
    if settings.data_mirror is not None:
        mirrored = settings.data_mirror / entry.path
        if mirrored.is_file():
            return mirrored
    cached = cache_path(entry, settings)
    return cached if cached.is_file() else None


def _how_to_get(dataset: ExternalDataset) -> str:
    return (
        f"set {MIRROR_ENV} to a folder that holds {dataset.file.path}, or run "
        f"`anionscreen datasets fetch {dataset.name}` (downloads {dataset.file.url})"
    )


def read_verified(dataset: ExternalDataset, settings: Settings) -> bytes:
    """The bytes of the dataset's file from the mirror or cache, after checking the sha256.

    Raises
    ------
    AnionscreenError
        If no copy exists; the message says how to get one.
    ChecksumError
        If the bytes are not the published ones.
    """
    path = locate(dataset.file, settings)
    if path is None:
        where = f"mirror {settings.data_mirror} or " if settings.data_mirror else ""
        raise AnionscreenError(
            f"external dataset {dataset.name!r} is not available: {dataset.file.path} is not in "
            f"the {where}cache {settings.cache / 'datasets'}; {_how_to_get(dataset)}"
        )
    data = path.read_bytes()
    actual = sha256_of_bytes(data)
    if actual != dataset.file.sha256:
        raise ChecksumError(str(path), dataset.file.sha256, actual)
    return data


def read_dataset(dataset: ExternalDataset, settings: Settings) -> tuple[bytes, bool]:
    """The dataset's bytes and whether they are the packaged copy.

    The original file when the mirror or the cache holds it (:func:`read_verified`), else the
    copy shipped in the package (:func:`~anionscreen.datasets.packaged.read_packaged`), else
    the error of :func:`read_verified` saying how to get it. Both are checksummed.
    """
    if locate(dataset.file, settings) is None and packaged_file(dataset.name) is not None:
        return read_packaged(dataset.name), True
    return read_verified(dataset, settings), False


def available_offline(dataset: ExternalDataset, settings: Settings) -> bool:
    """Whether the dataset can be read without a download (no checksum check here)."""
    return packaged_file(dataset.name) is not None or locate(dataset.file, settings) is not None


def _install(source: Path, target: Path, sha256: str, origin: str) -> None:
    """Copy ``source`` to ``target`` atomically; the copy's own bytes are checked, so what
    lands in the cache is what was checked (a mismatch caches nothing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as copy:
        shutil.copyfile(source, copy)
        actual = sha256_of_file(copy)
        if actual != sha256:
            raise ChecksumError(origin, sha256, actual)


def _download(entry: ExternalFile, target: Path) -> None:
    import pooch  # imported here: only downloads need it

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        try:
            # pooch checks the hash itself; our own check below names file and both sums.
            got = Path(pooch.retrieve(entry.url, known_hash=None, fname="download", path=tmp))
        except Exception as err:
            raise AnionscreenError(
                f"could not download {entry.url}: {err}. Without network, set {MIRROR_ENV} "
                "to a folder laid out like shared/data"
            ) from err
        _install(got, target, entry.sha256, entry.url)


def fetch(dataset: ExternalDataset, settings: Settings) -> Path:
    """Put a verified copy of the dataset's file into the cache and return its path.

    Copies from the mirror when one is set and holds the file, otherwise downloads from the
    public URL. An existing verified cache copy is kept.

    Raises
    ------
    ChecksumError
        If the mirror copy or the download has the wrong sha256 (nothing is cached then).
    """
    entry = dataset.file
    target = cache_path(entry, settings)
    if target.is_file() and sha256_of_file(target) == entry.sha256:
        return target
    source = settings.data_mirror / entry.path if settings.data_mirror is not None else None
    if source is not None and source.is_file():
        _install(source, target, entry.sha256, str(source))
        return target
    _download(entry, target)
    return target
