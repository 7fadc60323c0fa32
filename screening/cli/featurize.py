"""``anionscreen featurize``: descriptors of formulas given inline or in a CSV/Parquet file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import atomic_output
from anionscreen.descriptors.composite import PRESETS, featurize
from anionscreen.descriptors.stream import output_suffix, write_features


def _read_column(path: Path, column: str) -> list[object]:
    suffix = output_suffix(path, "--in")
    if not path.is_file():
        raise AnionscreenError(f"--in file {str(path)!r} does not exist")
    if suffix == ".parquet":
        table = pd.read_parquet(path)
        names = list(table.columns)
    else:
        try:
            names = pa_csv.open_csv(path).schema.names
        except pa.ArrowInvalid:
            raise AnionscreenError(
                f"--in file {path.name} is empty; expected a header line"
            ) from None
    if column not in names:
        raise AnionscreenError(f"{path.name} has no column {column!r}; its columns are {names}")
    if suffix == ".parquet":
        return list(table[column].tolist())
    # Every cell as text, no NA guessing (pandas' dtype=str, keep_default_na=False), read by
    # Arrow's CSV reader: four times faster, which matters at 10^5 formulas.
    options = pa_csv.ConvertOptions(
        include_columns=[column],
        column_types={column: pa.string()},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )
    values: list[object] = pa_csv.read_csv(path, convert_options=options)[column].to_pylist()
    return values


def _write(table: pd.DataFrame, path: Path) -> None:
    """Write atomically: no half-written output, and no temporary file, is ever left."""
    suffix = output_suffix(path, "--out")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        if suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)


def featurize_command(
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
        output_suffix(out, "--out")
    data: list[object] = (
        _read_column(input_file, column) if input_file is not None else list(formulas or [])
    )
    n_in = len(data)
    failures_path = None
    if out is None:
        result = featurize(data, preset=preset, on_error=on_error)
        table = result.features.rename_axis("row").reset_index()
        table.to_csv(sys.stdout, index=False)
        n_written, n_features, failures = len(table), table.shape[1] - 2, result.failures
    else:
        # Chunk by chunk straight into the file (plain formulas take the fast text path).
        written = write_features(data, out, preset=preset, on_error=on_error)
        n_written, n_features, failures = written.n_written, written.n_features, written.failures
        listing = out.with_name(out.stem + ".failures.csv")
        if len(failures):
            failures_path = listing
            _write(failures, failures_path)
        else:
            # A listing left by an earlier run would describe rows this output does not have.
            listing.unlink(missing_ok=True)
    summary = f"featurized {n_written} of {n_in} row(s), {n_features} features"
    if len(failures):
        where = f"listed in {failures_path}" if failures_path else "listed below"
        summary += f"; skipped {len(failures)} ({where})"
    if out is not None:
        summary += f" -> {out}"
    typer.echo(summary, err=True)
    if len(failures) and failures_path is None:
        for row, text, reason in failures.itertuples(index=False):
            typer.echo(f"  row {row} ({text!r}): {reason}", err=True)
