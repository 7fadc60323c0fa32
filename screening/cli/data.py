"""``anionscreen data`` and ``anionscreen datasets``: see, export and extend the measurements.

A thin layer over :mod:`anionscreen.datasets.sources`, :mod:`anionscreen.datasets.combined`,
:mod:`anionscreen.datasets.measurement_log` and :mod:`anionscreen.datasets.fetch`. Project
errors (bad rows, missing or tampered datasets) reach the root handler, which prints them and
exits with code 1.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from anionscreen.datasets.combined import combine
from anionscreen.datasets.external import EXTERNAL_DATASETS, external_dataset
from anionscreen.datasets.fetch import fetch as fetch_dataset
from anionscreen.datasets.files import atomic_write_bytes, sha256_of_file
from anionscreen.datasets.measurement_log import append_measurements, log_path
from anionscreen.datasets.settings import Settings
from anionscreen.datasets.sources import SOURCE_NAMES, list_sources, load_measurements
from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.outputs import check_output

DEFAULT_EXPORT_SOURCES = ("bundled", "log")

data_app = typer.Typer(
    name="data",
    help="The measurements the models learn from: list the sources, export rows in the "
    "measurement schema, show the combined (deduplicated) view, and add your own "
    "measurements to the workspace's append-only log.",
    no_args_is_help=True,
    add_completion=False,
)
datasets_app = typer.Typer(
    name="datasets",
    help="External datasets (OBELiX, Liverpool, Laskowski, McHaffie, DFT elastic moduli): "
    "fetch them into the cache with checksum verification. Without network, point "
    "ANIONSCREEN_DATA_MIRROR at a folder laid out like shared/data instead.",
    no_args_is_help=True,
    add_completion=False,
)


class ExportFormat(StrEnum):
    """Output formats of ``data export``."""

    csv = "csv"
    json = "json"


SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        "-s",
        help=f"Source to include (repeat for several): {', '.join(SOURCE_NAMES)}. "
        f"Default: {' and '.join(DEFAULT_EXPORT_SOURCES)}.",
    ),
]


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    # NaN is not JSON; absent values become null.
    return [
        {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in df.to_dict(orient="records")
    ]


def _report_skipped(df: pd.DataFrame) -> None:
    for name, count in df.attrs.get("skipped_by_source", {}).items():
        if count:
            typer.echo(
                f"note: {name}: {count} unreadable row(s) skipped "
                "(`anionscreen data skipped --source NAME` lists them)",
                err=True,
            )


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        atomic_write_bytes(output, text.encode("utf-8"))


def _settings_for(ctx: typer.Context, output: Path | None) -> Settings:
    """The command's settings, after refusing an ``-o`` inside the workspace's stores."""
    settings = current_settings(ctx)
    if output is not None:
        check_output(output, settings, option="--output")
    return settings


@data_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """List measurement sources with kind, availability, row counts, licence and citation.

    External sources count as available when they are in the mirror (ANIONSCREEN_DATA_MIRROR) or the cache; available ones are loaded and checksummed to count their rows.
    """
    table = list_sources(current_settings(ctx))
    columns = (
        "name", "available", "rows", "sigma_rows", "ea_rows", "modulus_rows", "skipped", "licence",
    )  # fmt: skip
    view = Table(title="measurement sources")
    for col in columns:
        view.add_column(col)
    for row in table.to_dict(orient="records"):
        view.add_row(*(_cell(row[c]) for c in columns))
    console = Console(width=140)
    console.print(view)
    console.print(
        "bundled = anionscreen's compilation; obelix, mchaffie and the two elastic sets ship "
        "inside the package (licences and attribution: anionscreen/datasets/data/LICENSES.md); "
        "liverpool and laskowski state no licence and are fetched (`anionscreen datasets fetch`)."
    )
    console.print("How to cite:")
    for citation in dict.fromkeys(c for c in table["citation"] if c and "/" not in c[:1]):
        console.print(f"  - {citation}")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


@data_app.command("export")
def export_command(
    ctx: typer.Context,
    source: SourceOption = None,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv (default) or json (a list of rows).")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print measurement rows in the schema (composition, formula, sigma_S_per_cm, ...).

    Example: anionscreen data export --source bundled --format json
    """
    settings = _settings_for(ctx, output)
    df = load_measurements(list(source or DEFAULT_EXPORT_SOURCES), settings)
    _report_skipped(df)
    if output_format is ExportFormat.json:
        _write(json.dumps(_records(df), indent=2) + "\n", output)
    else:
        _write(df.to_csv(index=False, lineterminator="\n"), output)


@data_app.command("combined")
def combined_command(
    ctx: typer.Context,
    source: SourceOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the CSV to this file.")
    ] = None,
) -> None:
    """Show the combined view: one row per composition and target, keeping the spread.

    Formulas of one composition at different scales (Li7P3S11, the glass 70Li2S-30P2S5) form one group, shown under the shortest of them. Targets are log10_sigma, ea_eV and log10_modulus (one per modulus kind); each row gives count, median, min and max across the chosen sources. Censored and non-room-temperature conductivities are counted (n_censored, n_not_rt), not averaged.
    """
    settings = _settings_for(ctx, output)
    df = load_measurements(list(source or DEFAULT_EXPORT_SOURCES), settings)
    _report_skipped(df)
    view = combine(df)
    if view.attrs["dropped_no_formula"]:
        typer.echo(
            f"note: {view.attrs['dropped_no_formula']} row(s) without a formula left out", err=True
        )
    _write(view.to_csv(index=False, lineterminator="\n"), output)


@data_app.command("skipped")
def skipped_command(ctx: typer.Context, source: SourceOption = None) -> None:
    """List the rows a source's loader could not read, with row number, column, value and reason."""
    df = load_measurements(list(source or DEFAULT_EXPORT_SOURCES), current_settings(ctx))
    failures = pd.DataFrame(
        df.attrs["failures"], columns=["file", "row", "column", "value", "expected"]
    )
    typer.echo(failures.to_csv(index=False, lineterminator="\n"), nl=False)


@data_app.command("add")
def add_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header: composition (required), sigma_S_per_cm or "
            "sigma_mS_per_cm, sigma_censored, temperature_C, ea_eV, modulus_GPa, "
            "modulus_kind, hardness_GPa, density_g_per_cm3, amorphous, family, doi, note."
        ),
    ],
    allow_same_file: Annotated[
        bool,
        typer.Option(
            "--allow-same-file",
            help="Add FILE even if a file with the same sha256 was added before (its rows "
            "then count twice).",
        ),
    ] = False,
) -> None:
    """Validate every row of FILE and append them to the workspace's measurement log.

    On any bad row, each problem is printed (row, column, value, what was expected), the command exits with code 1, and the log is left byte-identical. On success the rows are appended atomically with their provenance (file name, sha256, time); concurrent adds queue on a file lock. A file already added (same sha256) is refused unless --allow-same-file is given; a log that does not end with a newline is refused, not repaired.
    """
    settings = current_settings(ctx)
    added = append_measurements(settings, file, allow_same_file=allow_same_file)
    typer.echo(
        f"added {len(added)} row(s) from {file.name} (sha256 {added['added_sha256'].iat[0]}) "
        f"to {log_path(settings)}"
    )


@datasets_app.command("fetch")
def fetch_command(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(help=f"Datasets to fetch ({', '.join(EXTERNAL_DATASETS)}) or 'all'."),
    ],
) -> None:
    """Put verified copies of external datasets into the cache.

    Copies from ANIONSCREEN_DATA_MIRROR when it is set, otherwise downloads from the dataset's public, commit-pinned address. A sha256 mismatch is an error naming the file and both checksums, and nothing is cached.
    """
    settings = current_settings(ctx)
    wanted = list(EXTERNAL_DATASETS) if names == ["all"] else names
    datasets = [external_dataset(name) for name in wanted]  # reject typos before any work
    for dataset in datasets:
        path = fetch_dataset(dataset, settings)
        typer.echo(f"{dataset.name}: {path} (sha256 {sha256_of_file(path)} verified)")
