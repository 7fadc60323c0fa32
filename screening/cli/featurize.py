"""``anionscreen featurize``: descriptors of formulas given inline or in a CSV/Parquet file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import CSV_FLOAT_FORMAT
from anionscreen.descriptors.composite import PRESETS, featurize
from anionscreen.descriptors.names import NAME_STYLES, feature_names
from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.outputs import check_output
from anionscreen.screening.cli.tables import check_out, read_column, write_table


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
        raise AnionscreenError("--in needs --out FILE (.csv or .parquet)")
    if out is not None:
        check_out(out)
        inputs = [] if input_file is None else [input_file]
        settings = current_settings(ctx)
        check_output(out, settings, option="--out", inputs=inputs)
        check_output(_listing(out), settings, option="the failure listing of --out", inputs=inputs)
    if names not in NAME_STYLES:
        raise AnionscreenError(f"--names must be one of {', '.join(NAME_STYLES)}; got {names!r}")
    data = read_column(input_file, column) if input_file is not None else pd.Series(formulas)
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
    table.columns = ["row", "formula", *feature_names(list(table.columns[2:]), names)]
    n_in = len(data)
    failures_path = None
    if out is None:
        table.to_csv(sys.stdout, index=False, float_format=CSV_FLOAT_FORMAT)
    else:
        write_table(table, out)
        listing = _listing(out)
        if result.n_failed:
            failures_path = listing
            write_table(result.failures, failures_path)
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
