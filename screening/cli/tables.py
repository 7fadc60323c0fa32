"""How the commands read and write tables: one ``--out FILE`` convention, one ``--in`` reader.

Every command that writes a table takes ``--out FILE`` and writes the format its suffix names
(:data:`OUT_SUFFIXES`): ``.csv`` (floats to :data:`CSV_FLOAT_FORMAT`, 7 significant digits),
``.parquet`` (full precision) or ``.json`` (a list of rows, NaN as null). Without ``--out``
they print aligned text for people, or CSV/JSON with ``--format``. Every command that reads
``--in FILE`` takes ``--column`` for the column of formulas in a CSV or Parquet file.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import CSV_FLOAT_FORMAT, atomic_output
from anionscreen.datasets.textfiles import read_csv_table

FORMATS = ("table", "csv", "json")
#: The table formats ``--out FILE`` writes, by suffix.
OUT_SUFFIXES = (".csv", ".parquet", ".json")


def format_table(frame: pd.DataFrame, fmt: str) -> str:
    """``frame`` as ``table`` (aligned text), ``csv`` or ``json`` (a list of rows)."""
    if fmt == "json":
        return json.dumps(json_records(frame), indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
        return buffer.getvalue().rstrip("\n")
    if frame.empty:
        return "(no rows)"
    with pd.option_context("display.width", 200, "display.max_columns", 12):
        return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts, values unrounded; NaN and missing values become null."""
    return [
        {str(key): _json_value(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | bool | int | float):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        return _json_value(value.item())
    return str(value)


def check_out(path: Path, suffixes: tuple[str, ...] = OUT_SUFFIXES) -> str:
    """The suffix of ``--out FILE`` (lower case); raises unless it is one of ``suffixes``."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise AnionscreenError(
            f"--out must end in {', '.join(suffixes[:-1])} or {suffixes[-1]} (the format "
            f"follows the suffix); got {path.name!r}"
        )
    return suffix


def check_format(fmt: str | None, out: Path | None) -> str:
    """The stdout format; ``--format`` and ``--out`` together must agree."""
    if fmt is not None and fmt not in FORMATS:
        raise AnionscreenError(f"--format must be table, csv or json; got {fmt!r}")
    if out is not None:
        check_out_format(out, fmt)
    return fmt or "table"


def check_out_format(out: Path, fmt: str | None) -> str:
    """The suffix of ``--out``; a ``--format`` given beside it must name the same format."""
    suffix = check_out(out)
    if fmt is not None and f".{fmt}" != suffix:
        raise AnionscreenError(
            f"--format {fmt} and --out {out.name} disagree: --out writes the format of "
            "its suffix; give one of them"
        )
    return suffix


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` in the format of its suffix, atomically.

    No half-written file and no temporary file is ever left under the name; the folder is
    created when missing.
    """
    suffix = check_out(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
        elif suffix == ".json":
            tmp.write_text(json.dumps(json_records(frame), indent=2) + "\n", encoding="utf-8")
        else:
            frame.to_parquet(tmp, index=False)


def read_table(path: Path, option: str = "--in") -> pd.DataFrame:
    """A CSV (every cell as text) or Parquet file given to ``option``."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise AnionscreenError(f"{option} must end in .csv or .parquet; got {path.name!r}")
    if not path.is_file():
        raise AnionscreenError(f"{option} file {str(path)!r} does not exist")
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
            raise AnionscreenError(
                f"{option} file {path} is not a readable Parquet file: {err}"
            ) from None
    # Strict UTF-8 and CSV: a Latin-1 or binary file, or a row with too many cells, is named.
    return read_csv_table(path, f"{option} file").frame


def read_column(path: Path, column: str, option: str = "--in") -> pd.Series:
    """Column ``column`` of a CSV or Parquet file; the error lists the columns there are."""
    table = read_table(path, option)
    if column not in table.columns:
        raise AnionscreenError(
            f"{path.name} has no column {column!r}; its columns are {list(table.columns)}"
        )
    series: pd.Series = table[column]
    return series
