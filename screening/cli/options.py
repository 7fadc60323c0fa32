"""Options several commands share, spelled one way everywhere.

* ``--out FILE``: where a table goes; the format follows the suffix (.csv, .parquet, .json).
* ``--sources a,b``: measurement sources as a comma list; the option repeated
  (``-s a -s b``) and the singular ``--source`` work too.
* ``--in FILE`` with ``--column NAME``: the column of formulas in a CSV or Parquet file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from anionscreen.datasets.errors import AnionscreenError

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write the table to this file; the format follows the suffix: .csv, .parquet "
        "or .json (default: print it).",
    ),
]
ColumnOption = Annotated[
    str | None,
    typer.Option("--column", help="Column of formulas in the --in file (default: formula)."),
]


def sources_option(default: str) -> Any:
    """The ``--sources`` option, with ``default`` saying what is read when it is not given."""
    return typer.Option(
        "--sources",
        "--source",
        "-s",
        help=f"Measurement sources, comma-separated (or the option repeated), e.g. "
        f"bundled,log,obelix; `anionscreen data list` shows them all. Default: {default}.",
    )


def parse_sources(values: list[str] | None) -> tuple[str, ...] | None:
    """``["a,b", "c"]`` -> ``("a", "b", "c")`` (first occurrence kept); None when not given."""
    if not values:
        return None
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    if not names:
        raise AnionscreenError(
            f"--sources needs source names, e.g. bundled,log; got {','.join(values)!r}"
        )
    return tuple(dict.fromkeys(names))
