"""Reading the files users hand us: strict UTF-8 text and CSV, errors naming the file and line.

Left to themselves, the readers underneath fail on odd input without naming the file or the
fix: a Parquet or Latin-1 file passed as CSV raises ``UnicodeDecodeError``; ``tomllib`` reads
a byte-order mark as "Invalid statement (line 1, column 1)"; pandas cuts a cell at a NUL byte
without a word, and a first data row with one cell too many makes it take the first column as
the index, so every value lands in the wrong column. Every user file (measurement CSVs, the
``--in`` of ``predict`` and ``featurize``, campaign and space TOML) is read here first:

* :func:`decode_text` takes UTF-8 with or without a byte-order mark (stripped) and refuses
  anything else with the file, the offset and line of the first bad byte, and what the file
  looks like (Parquet, binary);
* :func:`parse_csv_text` reads CSV with the standard :mod:`csv` module in strict mode and
  returns every cell as text: a row with more cells than the header has columns is refused
  with its row and line number; a row with fewer is padded with empty cells (spreadsheets
  drop trailing empty cells); blank lines (nothing but spaces) are skipped and listed in
  :attr:`CsvTable.blank_lines`, so a command can say which lines it skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from anionscreen.datasets.errors import AnionscreenError

_PARQUET_MAGIC = b"PAR1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class CsvTable:
    """A CSV file as text cells.

    Attributes
    ----------
    frame : DataFrame
        One column per header name, every cell a ``str`` ('' when empty or missing).
    lines : tuple of int
        The line of the file each row starts on (the header is line 1).
    blank_lines : tuple of int
        Lines skipped because they were empty.
    """

    frame: pd.DataFrame
    lines: tuple[int, ...]
    blank_lines: tuple[int, ...]


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a user file; a missing file, a folder or an unreadable one raise clearly."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise AnionscreenError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise AnionscreenError(f"{what} {path} is a folder; expected a file") from None
    except OSError as err:
        raise AnionscreenError(f"cannot read {what} {path}: {err.strerror}") from None


def _looks_like(data: bytes, otherwise: str) -> str:
    if data.startswith(_ZIP_MAGIC):
        return " (it is a zip archive, e.g. an .xlsx workbook)"
    return otherwise


def decode_text(data: bytes, source: str, expected: str = "a UTF-8 text file") -> str:
    """UTF-8 text of ``data`` with any byte-order mark removed.

    Raises
    ------
    AnionscreenError
        If the bytes are not UTF-8 or hold a NUL byte (which text never contains; pandas
        would silently cut the cell there), naming ``source``, the line and what was expected.
    """
    if data.startswith(_PARQUET_MAGIC):
        raise AnionscreenError(f"{source} is a Parquet file; expected {expected}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise AnionscreenError(
            f"{source} is not UTF-8 text: byte 0x{data[err.start]:02x} at offset {err.start} "
            f"(line {line}) cannot be decoded"
            f"{_looks_like(data, ' (a binary file, or text in another encoding?)')}; "
            f"expected {expected} (save it with UTF-8 encoding)"
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise AnionscreenError(
            f"{source} holds a NUL byte (U+0000) on line {line}{_looks_like(data, '')}; text "
            f"cannot contain NUL (other tools cut the text there): remove it; expected {expected}"
        )
    return text


def read_text(path: Path, what: str, expected: str = "a UTF-8 text file") -> str:
    """The text of a user file (see :func:`decode_text`), naming it as ``what`` in errors."""
    return decode_text(read_bytes(path, what), f"{what} {path}", expected)


def parse_csv_text(text: str, source: str, *, pad_short_rows: bool = True) -> CsvTable:
    """Read CSV text into text cells, checking every row against the header.

    Parameters
    ----------
    text : str
        The file's text (already decoded).
    source : str
        How errors name the file.
    pad_short_rows : bool, default=True
        Fill a row with fewer cells than the header with empty cells (as spreadsheets write
        them); when False such a row is refused too (a file anionscreen wrote itself is never
        short, so a short row there means damage).

    Raises
    ------
    AnionscreenError
        For an empty file, an empty or repeated column name, malformed quoting, or a row
        with more cells than the header has columns, or fewer unless ``pad_short_rows`` (its
        data row number and line given).

    Examples
    --------
    >>> table = parse_csv_text('formula,note\\nLiCl,"a, b"\\n\\nLiBr\\n', "in.csv")
    >>> table.frame.to_dict(orient="list"), table.lines, table.blank_lines
    ({'formula': ['LiCl', 'LiBr'], 'note': ['a, b', '']}, (2, 4), (3,))
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise AnionscreenError(f"{source} is empty; expected a header line of column names")
        _check_header(header, source)
        width = len(header)
        rows: list[list[str]] = []
        lines: list[int] = []
        blank: list[int] = []
        last = reader.line_num
        for cells in reader:
            first, last = last + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                blank.append(first)
                continue
            if len(cells) > width or (len(cells) < width and not pad_short_rows):
                hint = ""
                if len(cells) > width:
                    hint = '. A comma inside a value must be quoted, e.g. "a, b"'
                raise AnionscreenError(
                    f"{source}: row {len(rows) + 1} (line {first}) has {len(cells)} cells; "
                    f"the header has {width} column(s) ({', '.join(header)}){hint}"
                )
            rows.append(cells + [""] * (width - len(cells)))
            lines.append(first)
    except csv.Error as err:
        raise AnionscreenError(
            f"{source}: line {reader.line_num} is not valid CSV ({err})"
        ) from None
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    return CsvTable(frame=frame, lines=tuple(lines), blank_lines=tuple(blank))


def _check_header(header: list[str], source: str) -> None:
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name.strip():
            raise AnionscreenError(
                f"{source}: column {number} of the header has no name; every column needs one"
            )
        if name in seen:
            raise AnionscreenError(f"{source}: column {name!r} appears twice in the header")
        seen.add(name)


def read_csv_table(path: Path, what: str) -> CsvTable:
    """A user's CSV file as text cells (see :func:`decode_text` and :func:`parse_csv_text`)."""
    source = f"{what} {path}"
    return parse_csv_text(decode_text(read_bytes(path, what), source, "a UTF-8 CSV file"), source)


def describe_lines(lines: tuple[int, ...] | list[int], limit: int = 10) -> str:
    """``"3, 5 and 9"``-style list of line numbers, the first ``limit`` of them."""
    shown = [str(n) for n in lines[:limit]]
    more = len(lines) - len(shown)
    if more:
        return f"{', '.join(shown)} and {more} more"
    if len(shown) > 1:
        return f"{', '.join(shown[:-1])} and {shown[-1]}"
    return "".join(shown)
