"""``anionscreen featurize``: descriptors of formulas given inline or in a CSV/Parquet file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import atomic_output
from anionscreen.datasets.textfiles import read_csv_table
from anionscreen.descriptors.composite import PRESETS, featurize
from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.outputs import check_output

_SUFFIXES = (".csv", ".parquet")


def _check_suffix(path: Path, option: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise AnionscreenError(f"{option} must end in .csv or .parquet; got {path.name!r}")
    return suffix


def _read_column(path: Path, column: str) -> pd.Series:
    suffix = _check_suffix(path, "--in")
    if not path.is_file():
        raise AnionscreenError(f"--in file {str(path)!r} does not exist")
    if suffix == ".csv":
        table = read_csv_table(path, "--in file").frame
    else:
        try:
            table = pd.read_parquet(path)
        except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
            raise AnionscreenError(
                f"--in file {path} is not a readable Parquet file: {err}"
            ) from None
    if column not in table.columns:
        raise AnionscreenError(
            f"{path.name} has no column {column!r}; its columns are {list(table.columns)}"
        )
    series: pd.Series = table[column]
    return series


def _write(table: pd.DataFrame, path: Path) -> None:
    """Write atomically: no half-written output, and no temporary file, is ever left."""
    suffix = _check_suffix(path, "--out")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)


def _listing(out: Path) -> Path:
    """Where the rows ``--on-error skip`` left out are listed, beside the output."""
    return out.with_name(out.stem + ".failures.csv")


def featurize_command(
    ctx: typer.Context,
    formulas: Annotated[
        list[str] | None, typer.Argument(help="Formulas, e.g. Li2TaS0.4O0.6Cl5 LiCl.")
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--in", help="CSV or Parquet file with a column of formulas."),
    ] = None,
    column: Annotated[str, typer.Option("--column", help="Formula column of --in.")] = "formula",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output .csv or .parquet (required with --in; default: stdout CSV)."
        ),
    ] = None,
    preset: Annotated[
        str, typer.Option("--preset", help=f"Descriptor preset: {', '.join(PRESETS)}.")
    ] = "full",
    on_error: Annotated[
        str,
        typer.Option(
            "--on-error",
            help="raise: stop at a bad formula; skip: leave it out and list it in "
            "<out>.failures.csv (or on stderr).",
        ),
    ] = "raise",
) -> None:
    """Compute descriptors: one row per formula, column ``row`` = input position."""
    if formulas and input_file is not None:
        raise AnionscreenError("give formulas as arguments or --in FILE, not both")
    if not formulas and input_file is None:
        raise AnionscreenError("give formulas as arguments or --in FILE")
    if input_file is not None and out is None:
        raise AnionscreenError("--in needs --out FILE (.csv or .parquet)")
    if out is not None:
        _check_suffix(out, "--out")
        inputs = [] if input_file is None else [input_file]
        settings = current_settings(ctx)
        check_output(out, settings, option="--out", inputs=inputs)
        check_output(_listing(out), settings, option="the failure listing of --out", inputs=inputs)
    data = _read_column(input_file, column) if input_file is not None else pd.Series(formulas)
    try:
        result = featurize(data.tolist(), preset=preset, on_error=on_error)
    except AnionscreenError as err:
        if on_error != "raise":
            raise
        raise AnionscreenError(
            f"{err}\nTo featurize the other rows and list the failing ones, rerun with "
            "--on-error skip"
        ) from None
    table = result.features.rename_axis("row").reset_index()
    n_in = len(data)
    failures_path = None
    if out is None:
        table.to_csv(sys.stdout, index=False)
    else:
        _write(table, out)
        listing = _listing(out)
        if result.n_failed:
            failures_path = listing
            _write(result.failures, failures_path)
        else:
            # A listing left by an earlier run would describe rows this output does not have.
            listing.unlink(missing_ok=True)
    summary = f"featurized {len(table)} of {n_in} row(s), {table.shape[1] - 2} features"
    if result.n_failed:
        where = f"listed in {failures_path}" if failures_path else "listed below"
        summary += f"; skipped {result.n_failed} ({where})"
    if out is not None:
        summary += f" -> {out}"
    typer.echo(summary, err=True)
    if result.n_failed and failures_path is None:
        for row, text, reason in result.failures.itertuples(index=False):
            typer.echo(f"  row {row} ({text!r}): {reason}", err=True)
