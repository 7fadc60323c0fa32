"""The append-only measurement log in the workspace: what users add to the training data.

``<workspace>/measurements/measurement_log.csv`` holds every added row in the measurement
schema plus its provenance: ``added_file`` (name of the file it came from), ``added_sha256``
(of that file's bytes) and ``added_at`` (UTC time, ISO 8601). A row added without a
``published`` date is read back with the month it was added as its date (it was known then).

An add validates every row first; any bad row raises
:class:`~anionscreen.datasets.errors.DataValidationError` and nothing is written. Otherwise,
under an exclusive file lock (``filelock``, so concurrent adds from several processes queue
up), the whole new log (old bytes + new rows) is written to a temporary file in the same folder,
flushed to disk, and moved over the log with ``os.replace``, which is atomic: a crash at any
moment leaves either the old log, byte for byte, or the complete new one. Rows are never
rewritten or removed.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from filelock import FileLock

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import atomic_write_bytes, sha256_of_bytes
from anionscreen.datasets.schema import (
    MEASUREMENT_COLUMNS,
    empty_measurements,
    validate_measurements,
)
from anionscreen.datasets.settings import Settings

LOG_FILE = "measurement_log.csv"
PROVENANCE_COLUMNS: tuple[str, ...] = ("added_file", "added_sha256", "added_at")
LOG_COLUMNS: tuple[str, ...] = (*MEASUREMENT_COLUMNS, *PROVENANCE_COLUMNS)
#: Schema columns added since the first log layout; a log written before them is read with
#: them empty, and the next add rewrites it in the current layout (old rows unchanged).
ADDED_COLUMNS: tuple[str, ...] = ("modulus_method", "published")
LEGACY_LOG_COLUMNS: tuple[str, ...] = tuple(c for c in LOG_COLUMNS if c not in ADDED_COLUMNS)
LOCK_TIMEOUT_S = 120.0


def log_path(settings: Settings) -> Path:
    """Path of the measurement log (it may not exist yet)."""
    return settings.workspace / "measurements" / LOG_FILE


def _read_input(source: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, str, str]:
    """(validated rows, file name, sha256 of the input bytes)."""
    if isinstance(source, pd.DataFrame):
        rows = validate_measurements(source, "<table>")
        canonical = rows.to_csv(index=False, lineterminator="\n").encode()
        return rows, "<table>", sha256_of_bytes(canonical)
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AnionscreenError(f"cannot read {path}: {err.strerror}") from err
    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as err:
        raise AnionscreenError(f"cannot read {path} as a UTF-8 CSV file: {err}") from err
    rows = validate_measurements(raw, str(path))
    return rows, path.name, sha256_of_bytes(data)


def append_measurements(settings: Settings, source: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Validate rows from a CSV file (or a table) and append them to the log atomically.

    Parameters
    ----------
    settings : Settings
        Gives the workspace that holds the log.
    source : DataFrame or path
        A CSV file with measurement columns (``composition`` required; see
        :func:`~anionscreen.datasets.schema.validate_measurements`) or an equivalent table.

    Returns
    -------
    DataFrame
        The rows appended, with the provenance columns.

    Raises
    ------
    DataValidationError
        If any row is bad (every problem listed); the log is not touched.
    """
    rows, name, digest = _read_input(source)
    if rows.empty:
        raise AnionscreenError(f"{name} has no data rows; nothing to add")
    rows["source"] = "log"
    rows["added_file"] = name
    rows["added_sha256"] = digest
    rows["added_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S):
        # Holding the lock, any temporary file left is from a writer that crashed.
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        old = path.read_bytes() if path.exists() else b""
        if old.startswith(_header(LEGACY_LOG_COLUMNS)):
            old = _current_layout(old, path)
        if old and not old.startswith(_header(LOG_COLUMNS)):
            raise AnionscreenError(
                f"{path} does not start with the measurement-log header; not appending to it"
            )
        new = rows.to_csv(index=False, header=not old, lineterminator="\n").encode()
        atomic_write_bytes(path, old + new)
    return rows.reset_index(drop=True)


def _header(columns: tuple[str, ...]) -> bytes:
    return ",".join(columns).encode() + b"\n"


def _current_layout(old: bytes, path: Path) -> bytes:
    """A first-layout log in the current layout: the added columns empty, nothing else changed."""
    raw = pd.read_csv(io.BytesIO(old), dtype=str, keep_default_na=False)
    for col in ADDED_COLUMNS:
        raw[col] = ""
    return raw.loc[:, list(LOG_COLUMNS)].to_csv(index=False, lineterminator="\n").encode()


def read_log(settings: Settings) -> pd.DataFrame:
    """All logged rows (schema columns, then provenance), re-validated; empty if no log yet."""
    path = log_path(settings)
    if not path.exists():
        empty = empty_measurements()
        for col in PROVENANCE_COLUMNS:
            empty[col] = pd.Series([], dtype=object)
        return empty
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if tuple(raw.columns) == LEGACY_LOG_COLUMNS:
        for col in ADDED_COLUMNS:
            raw[col] = ""
    missing = [c for c in LOG_COLUMNS if c not in raw.columns]
    if missing:
        raise AnionscreenError(f"{path} lacks the log columns {missing}")
    rows = validate_measurements(raw.loc[:, list(MEASUREMENT_COLUMNS)], str(path))
    for col in PROVENANCE_COLUMNS:
        rows[col] = raw[col].to_numpy()
    # A row added without a publication date was known by the time it was added.
    undated = rows["published"] == ""
    rows.loc[undated, "published"] = rows.loc[undated, "added_at"].str[:7]
    rows["source"] = "log"
    return rows
