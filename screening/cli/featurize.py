"""``anionscreen featurize``: descriptors of formulas given inline or in a CSV/Parquet file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.csv as pa_csv
import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import CSV_FLOAT_FORMAT
from anionscreen.descriptors.composite import PRESETS, featurize
from anionscreen.descriptors.names import NAME_STYLES, feature_names
from anionscreen.descriptors.stream import write_features
from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.outputs import check_output
from anionscreen.screening.cli.tables import check_out, read_column, write_table

#: Outputs written chunk by chunk by the descriptors' stream writer (anionscreen names).
_STREAMED = (".csv", ".parquet")


def _listing(out: Path) -> Path:
    """Where the rows ``--on-error skip`` left out are listed, beside the output."""
    return out.with_name(out.stem + ".failures.csv")


def _read_formulas(path: Path, column: str) -> list[object]:
    """The ``column`` of an ``--in`` CSV or Parquet file.

    A CSV is read by Arrow's reader first (every cell as text, no NA guessing; four times
    faster than the strict reader at 10^5 formulas); anything Arrow refuses (bad UTF-8, a row
    with too many cells, a byte-order mark it keeps in a name) goes to the strict reader, whose
    message names the file, line and problem.
    """
    if path.suffix.lower() == ".csv" and path.is_file():
        try:
            names = pa_csv.open_csv(path).schema.names
            if column in names:
                options = pa_csv.ConvertOptions(
                    include_columns=[column],
                    column_types={column: pa.string()},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                )
                table = pa_csv.read_csv(path, convert_options=options)
                values: list[object] = table[column].to_pylist()
                return values
        except pa.ArrowInvalid:
            pass
    return list(read_column(path, column).tolist())


def featurize_command(
    ctx: typer.Context,
    formulas: Annotated[
        list[str] | None, typer.Argument(help="Formulas, e.g. Li2TaS0.4O0.6Cl5 LiCl.")
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--in", help="CSV or Parquet file with a column of formulas."),
    ] = None,
    column: Annotated[
        str, typer.Option("--column", help="Column of formulas in the --in file.")
    ] = "formula",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the table to this file; the format follows the suffix: .csv, .parquet "
            "or .json (required with --in; default: CSV on stdout).",
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
            "OUT.failures.csv (or on stderr).",
        ),
    ] = "raise",
    names: Annotated[
        str,
        typer.Option(
            "--names",
            help="Column names: anionscreen ('magpie mean Number') or matminer ('MagpieData "
            "mean Number', for the sets matminer has).",
        ),
    ] = "anionscreen",
) -> None:
    """Compute descriptors: one row per formula, column 'row' = input position.

    Example: anionscreen featurize --in candidates.csv --column formula --out features.parquet
    """
    if formulas and input_file is not None:
        raise AnionscreenError("give formulas as arguments or --in FILE, not both")
    if not formulas and input_file is None:
        raise AnionscreenError("give formulas as arguments or --in FILE")
    if input_file is not None and out is None:
        raise AnionscreenError("--in needs --out FILE (.csv, .parquet or .json)")
    if names not in NAME_STYLES:
        raise AnionscreenError(f"--names must be one of {', '.join(NAME_STYLES)}; got {names!r}")
    if out is not None:
        check_out(out)
        inputs = [] if input_file is None else [input_file]
        settings = current_settings(ctx)
        check_output(out, settings, option="--out", inputs=inputs)
        check_output(_listing(out), settings, option="the failure listing of --out", inputs=inputs)
    data = _read_formulas(input_file, column) if input_file is not None else list(formulas or [])
    try:
        if out is not None and out.suffix.lower() in _STREAMED and names == "anionscreen":
            # Chunk by chunk straight into the file (plain formulas take the fast text path).
            written = write_features(data, out, preset=preset, on_error=on_error)
            n_written, n_features, failures = (
                written.n_written,
                written.n_features,
                written.failures,
            )
        else:
            result = featurize(data, preset=preset, on_error=on_error)
            table = result.features.rename_axis("row").reset_index()
            table.columns = ["row", "formula", *feature_names(list(table.columns[2:]), names)]
            if out is None:
                table.to_csv(sys.stdout, index=False, float_format=CSV_FLOAT_FORMAT)
            else:
                write_table(table, out)
            n_written, n_features, failures = len(table), table.shape[1] - 2, result.failures
    except AnionscreenError as err:
        if on_error != "raise":
            raise
        raise AnionscreenError(
            f"{err}\nTo featurize the other rows and list the failing ones, rerun with "
            "--on-error skip"
        ) from None
    n_in = len(data)
    failures_path = None
    if out is not None:
        listing = _listing(out)
        if len(failures):
            failures_path = listing
            write_table(failures, failures_path)
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
