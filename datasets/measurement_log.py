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

The log is written so that it reads back as written, and that is checked on every add:

* cells holding a comma, a quote or a line break (a carriage return included, which Python's
  CSV writer leaves unquoted when lines end in ``\n``) are quoted;
* the old log must parse cleanly (every row with every column), and the new rows are parsed
  back before the new log replaces it and must give exactly the cells written; otherwise the
  add is refused and the log untouched;
* a log whose last byte is not a newline (cut short, or edited by hand) is refused, not
  repaired: a new row would be glued onto its last line;
* a file whose sha256 is already in the log is refused (its rows would count twice) unless
  ``allow_same_file`` is set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from filelock import FileLock

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import atomic_write_bytes, sha256_of_bytes, writable_folder
from anionscreen.datasets.schema import (
    MEASUREMENT_COLUMNS,
    NUMERIC_COLUMNS,
    empty_measurements,
    validate_measurements,
)
from anionscreen.datasets.settings import Settings, writable_workspace
from anionscreen.datasets.textfiles import CsvTable, decode_text, parse_csv_text, read_bytes

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
    data = read_bytes(path, "measurement file")
    table = parse_csv_text(decode_text(data, str(path), "a UTF-8 CSV file"), str(path))
    rows = validate_measurements(table.frame, str(path))
    return rows, path.name, sha256_of_bytes(data)


def append_measurements(
    settings: Settings, source: pd.DataFrame | str | Path, *, allow_same_file: bool = False
) -> pd.DataFrame:
    """Validate rows from a CSV file (or a table) and append them to the log atomically.

    Parameters
    ----------
    settings : Settings
        Gives the workspace that holds the log.
    source : DataFrame or path
        A CSV file with measurement columns (``composition`` required; see
        :func:`~anionscreen.datasets.schema.validate_measurements`) or an equivalent table.
    allow_same_file : bool, default=False
        Add the rows even if a file with the same sha256 was added before.

    Returns
    -------
    DataFrame
        The rows appended, with the provenance columns.

    Raises
    ------
    DataValidationError
        If any row is bad (every problem listed); the log is not touched.
    AnionscreenError
        If the same file was added before, the log is damaged (no final newline, foreign
        header) or the workspace cannot be written; the log is not touched.
    """
    rows, name, digest = _read_input(source)
    if rows.empty:
        raise AnionscreenError(f"{name} has no data rows; nothing to add")
    rows["source"] = "log"
    rows["added_file"] = name
    rows["added_sha256"] = digest
    rows["added_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path = log_path(settings)
    writable_workspace(settings)
    writable_folder(path.parent, "measurement log folder")
    with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT_S):
        # Holding the lock, any temporary file left is from a writer that crashed.
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        old = path.read_bytes() if path.exists() else b""
        if old and not old.endswith(b"\n"):
            last = old.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
            raise AnionscreenError(
                f"{path} does not end with a newline: its last line (ending {last[-60:]!r}) may be "
                "incomplete (cut short, or edited by hand), and a new row would be glued onto "
                "it. Nothing was written. Check that line: if it is complete, end the file with "
                f"a newline (echo >> {path}); if not, restore the log from a backup"
            )
        if old.startswith(_header(LEGACY_LOG_COLUMNS)):
            old = _current_layout(old, path)
        if old and not old.startswith(_header(LOG_COLUMNS)):
            raise AnionscreenError(
                f"{path} does not start with the measurement-log header; not appending to it"
            )
        try:
            before = _parse_log(old, path) if old else None
        except AnionscreenError as err:
            # Repair nothing silently: which line is damaged is for the user to judge.
            raise AnionscreenError(
                f"the measurement log cannot be read, so nothing was appended to it: {err}. "
                "Repair that line (or restore the log from a backup), then add again"
            ) from None
        if before is not None and not allow_same_file:
            _refuse_same_file(before, digest, name, path)
        cells = _cells(rows)
        appended = "".join(map(_csv_line, cells)).encode()
        _verify(appended, path, cells)
        atomic_write_bytes(path, (old or _header(LOG_COLUMNS)) + appended)
    return rows.reset_index(drop=True)


def _header(columns: tuple[str, ...]) -> bytes:
    return ",".join(columns).encode() + b"\n"


def _csv_cell(text: str) -> str:
    """One CSV cell: quoted when it holds a delimiter, a quote or any line break."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(cells: list[str]) -> str:
    return ",".join(_csv_cell(c) for c in cells) + "\n"


def _cells(rows: pd.DataFrame) -> list[list[str]]:
    """The rows as the text the log holds: numbers in Python's shortest repr, NaN empty."""
    columns = []
    for col in LOG_COLUMNS:
        values = rows[col].tolist()
        if col in NUMERIC_COLUMNS:
            columns.append(["" if v != v else repr(float(v)) for v in values])
        else:
            columns.append([str(v) for v in values])
    return [list(row) for row in zip(*columns, strict=True)]


def _parse_log(data: bytes, path: Path) -> CsvTable:
    """The log's cells; every row must have every column (a short row is damage, not style)."""
    text = decode_text(data, str(path), "the measurement log (UTF-8 CSV)")
    return parse_csv_text(text, str(path), pad_short_rows=False)


def _refuse_same_file(before: CsvTable, digest: str, name: str, path: Path) -> None:
    if "added_sha256" not in before.frame.columns:
        return
    same = before.frame.index[before.frame["added_sha256"] == digest]
    if len(same):
        first = before.frame.loc[same[0]]
        raise AnionscreenError(
            f"{name} (sha256 {digest}) was already added to {path}: {len(same)} row(s) from "
            f"{first['added_file']!r} at {first['added_at']}. Adding it again would count its "
            "rows twice; nothing was written. To add it anyway, use --allow-same-file "
            "(allow_same_file=True)"
        )


def _verify(appended: bytes, path: Path, cells: list[list[str]]) -> None:
    """The appended rows must read back as exactly ``cells``.

    The old log parsed cleanly and ends with a newline, so a reader is at the start of a row
    where the new bytes begin: reading the header and the new rows alone gives what reading
    the whole new log would give for them.
    """
    try:
        after = _parse_log(_header(LOG_COLUMNS) + appended, path).frame
    except AnionscreenError as err:
        raise AnionscreenError(
            f"the new rows would make {path} unreadable ({err}); nothing was written"
        ) from None
    if after.to_numpy(dtype=object).tolist() != cells:
        raise AnionscreenError(
            f"the {len(cells)} new row(s) do not read back as written; nothing was written "
            f"to {path}"
        )


def _current_layout(old: bytes, path: Path) -> bytes:
    """A first-layout log in the current layout: the added columns empty, nothing else changed."""
    raw = _parse_log(old, path).frame
    for col in ADDED_COLUMNS:
        raw[col] = ""
    lines = raw.loc[:, list(LOG_COLUMNS)].to_numpy(dtype=object).tolist()
    return _header(LOG_COLUMNS) + "".join(map(_csv_line, lines)).encode()


def read_log(settings: Settings) -> pd.DataFrame:
    """All logged rows (schema columns, then provenance), re-validated; empty if no log yet."""
    path = log_path(settings)
    if not path.exists():
        empty = empty_measurements()
        for col in PROVENANCE_COLUMNS:
            empty[col] = pd.Series([], dtype=object)
        return empty
    raw = _parse_log(read_bytes(path, "measurement log"), path).frame
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
