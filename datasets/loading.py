"""What every external loader does after mapping its columns: validate, skip, record, label.

Loaders follow the project's error policy: ``on_error="raise"`` stops at the first file with
bad rows and lists every problem; ``on_error="skip"`` (the loaders' default, because public
datasets contain rows no parser can read) drops those rows but records each problem in
``df.attrs["failures"]`` (a list of dicts: file, row, column, value, expected) and the number of
skipped rows in ``df.attrs["skipped_rows"]``. Never silently.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from anionscreen.datasets.errors import AnionscreenError, DataValidationError, RowProblem
from anionscreen.datasets.schema import MEASUREMENT_COLUMNS, validate_rows
from anionscreen.datasets.temperature import bring_to_room_temperature

OnError = Literal["raise", "skip"]

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/|doi:\s*)", re.IGNORECASE)


def clean_doi(text: str) -> tuple[str, str]:
    """Split a source cell into (DOI, note).

    ``https://doi.org/10.x/y``, ``doi.org/...`` and ``doi:...`` become the bare DOI; several
    DOIs joined by ``|`` are kept; anything else is not a DOI and goes to the note
    (``"reference (no DOI): ..."``); an empty cell gives ``("", "no DOI in source")``.
    """
    text = text.strip()
    if not text:
        return "", "no DOI in source"
    parts = [_DOI_PREFIX.sub("", part.strip()) for part in text.split("|")]
    if all(_DOI.fullmatch(part) for part in parts):
        return "|".join(parts), ""
    return "", f"reference (no DOI): {text}"


def join_notes(*notes: str) -> str:
    """Non-empty notes joined with '; '."""
    return "; ".join(n for n in notes if n)


def read_text_csv(data: bytes, file: str) -> pd.DataFrame:
    """Every cell as text (no NA guessing), byte-order mark and CRLF handled."""
    try:
        return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as err:
        raise AnionscreenError(f"cannot read {file} as CSV: {err}") from err


def check_on_error(on_error: str) -> None:
    """Reject an unknown ``on_error`` value with the accepted ones."""
    if on_error not in ("raise", "skip"):
        raise AnionscreenError(f"on_error must be 'raise' or 'skip'; got {on_error!r}")


def finish(
    raw: pd.DataFrame,
    name: str,
    file: str,
    *,
    on_error: OnError,
    rejected: Iterable[RowProblem] = (),
    room_temperature: bool = True,
) -> pd.DataFrame:
    """Validate mapped rows, apply the error policy, and label them with ``source = name``.

    Parameters
    ----------
    raw : DataFrame
        One row per data row of ``file`` (row ``i`` of ``raw`` is file row ``i + 1``), columns
        named as in the schema, cells as text.
    rejected : iterable of RowProblem
        Rows the loader itself refuses (with the reason); they are not validated.
    room_temperature : bool
        Apply :func:`~anionscreen.datasets.temperature.bring_to_room_temperature`.
    """
    check_on_error(on_error)
    refused = list(rejected)
    dropped = {p.row for p in refused}
    numbers = [i + 1 for i in range(len(raw)) if i + 1 not in dropped]
    kept = raw.iloc[[n - 1 for n in numbers]]
    good, problems = validate_rows(kept, file, row_numbers=numbers)
    problems = sorted([*refused, *problems], key=lambda p: p.row)
    if problems and on_error == "raise":
        raise DataValidationError(problems)
    good["source"] = name
    if room_temperature:
        good = bring_to_room_temperature(good)
    good = good.loc[:, list(MEASUREMENT_COLUMNS)].reset_index(drop=True)
    good.attrs["failures"] = [
        {"file": p.file, "row": p.row, "column": p.column, "value": p.value, "expected": p.expected}
        for p in problems
    ]
    good.attrs["skipped_rows"] = len({p.row for p in problems})
    return good


def failures_table(df: pd.DataFrame) -> pd.DataFrame:
    """The problems a loader recorded for the rows it skipped, as a table."""
    columns = ["file", "row", "column", "value", "expected"]
    return pd.DataFrame(df.attrs.get("failures", []), columns=columns)
