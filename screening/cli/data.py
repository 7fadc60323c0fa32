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
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from anionscreen.datasets.combined import combine
from anionscreen.datasets.external import EXTERNAL_DATASETS, external_dataset
from anionscreen.datasets.fetch import fetch as fetch_dataset
from anionscreen.datasets.files import atomic_output, atomic_write_bytes, sha256_of_file
from anionscreen.datasets.measurement_log import append_measurements, log_path
from anionscreen.datasets.settings import Settings
from anionscreen.datasets.sources import SOURCE_NAMES, list_sources, load_measurements
from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.options import OutOption, parse_sources, sources_option
from anionscreen.screening.cli.outputs import check_output
from anionscreen.screening.cli.tables import check_out_format, json_records

DEFAULT_EXPORT_SOURCES = ("bundled", "log")

data_app = typer.Typer(
    name="data",
    help="The measurements the models learn from: list the sources, export rows in the "
    "measurement schema, show the combined (deduplicated) view, and add your own "
    "measurements to the workspace's append-only log.\n\n"
    "Example: anionscreen data export --sources bundled --format json",
    no_args_is_help=True,
    add_completion=False,
)
datasets_app = typer.Typer(
    name="datasets",
    help="External datasets (OBELiX, Liverpool, Laskowski, McHaffie, DFT elastic moduli): "
    "fetch them into the cache with checksum verification. Without network, point "
    "ANIONSCREEN_DATA_MIRROR at a folder laid out like shared/data instead.\n\n"
    "Example: anionscreen datasets fetch all",
    no_args_is_help=True,
    add_completion=False,
)


class ExportFormat(StrEnum):
    """What ``data export`` prints without ``--out``."""

    csv = "csv"
    json = "json"


SourcesOption = Annotated[
    list[str] | None,
    sources_option(f"{' and '.join(DEFAULT_EXPORT_SOURCES)}; all: {', '.join(SOURCE_NAMES)}"),
]


def _sources(values: list[str] | None) -> list[str]:
    return list(parse_sources(values) or DEFAULT_EXPORT_SOURCES)


def _report_skipped(df: pd.DataFrame) -> None:
    for name, count in df.attrs.get("skipped_by_source", {}).items():
        if count:
            typer.echo(
                f"note: {name}: {count} unreadable row(s) skipped "
                "(`anionscreen data skipped --source NAME` lists them)",
                err=True,
            )


def _emit(table: pd.DataFrame, out: Path | None, fmt: ExportFormat | None) -> None:
    """To ``--out`` (format from its suffix) or stdout; values as recorded, not rounded."""
    if out is not None:
        suffix = check_out_format(out, None if fmt is None else fmt.value)
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".parquet":
            with atomic_output(out) as tmp:
                table.to_parquet(tmp, index=False)
        else:
            atomic_write_bytes(out, _text(table, suffix.lstrip(".")).encode("utf-8"))
        typer.echo(f"wrote {len(table)} row(s) to {out}", err=True)
        return
    text = _text(table, (fmt or ExportFormat.csv).value)
    typer.echo(text, nl=not text.endswith("\n"))


def _text(table: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(json_records(table), indent=2) + "\n"
    return table.to_csv(index=False, lineterminator="\n")


def _settings_for(ctx: typer.Context, output: Path | None) -> Settings:
    """The command's settings, after refusing an ``-o`` inside the workspace's stores."""
    settings = current_settings(ctx)
    if output is not None:
        check_output(output, settings, option="--out")
    return settings


@data_app.command("list")
def list_command(ctx: typer.Context) -> None:
    """List measurement sources with kind, availability, row counts, licence and citation.

    External sources count as available when they are in the mirror (ANIONSCREEN_DATA_MIRROR) or the cache; available ones are loaded and checksummed to count their rows.

    Example: anionscreen data list
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
    sources: SourcesOption = None,
    output_format: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format", "-f", help="What to print: csv (default) or json (a list of rows)."
        ),
    ] = None,
    out: OutOption = None,
) -> None:
    """Print measurement rows in the schema (composition, formula, sigma_S_per_cm, ...).

    Values are written as recorded (not rounded).

    Example: anionscreen data export --sources bundled,log --out measurements.csv
    """
    df = load_measurements(_sources(sources), _settings_for(ctx, out))
    _report_skipped(df)
    _emit(df, out, output_format)


@data_app.command("combined")
def combined_command(
    ctx: typer.Context,
    sources: SourcesOption = None,
    out: OutOption = None,
) -> None:
    """Show the combined view: one row per composition and target, keeping the spread.

    Formulas of one composition at different scales (Li7P3S11, the glass 70Li2S-30P2S5) form one group, shown under the shortest of them. Targets are log10_sigma, ea_eV and log10_modulus (one per modulus kind); each row gives count, median, min and max across the chosen sources. Censored and non-room-temperature conductivities are counted (n_censored, n_not_rt), not averaged.

    Example: anionscreen data combined --sources bundled,obelix --out combined.csv
    """
    df = load_measurements(_sources(sources), _settings_for(ctx, out))
    _report_skipped(df)
    view = combine(df)
    if view.attrs["dropped_no_formula"]:
        typer.echo(
            f"note: {view.attrs['dropped_no_formula']} row(s) without a formula left out", err=True
        )
    _emit(view, out, None)


@data_app.command("skipped")
def skipped_command(
    ctx: typer.Context, sources: SourcesOption = None, out: OutOption = None
) -> None:
    """List the rows a source's loader could not read, with row number, column, value and reason.

    Example: anionscreen data skipped --sources mchaffie
    """
    df = load_measurements(_sources(sources), current_settings(ctx))
    failures = pd.DataFrame(
        df.attrs["failures"], columns=["file", "row", "column", "value", "expected"]
    )
    _emit(failures, out, None)


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

    Example: anionscreen data add my_measurements.csv
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

    Example: anionscreen datasets fetch obelix liverpool
    """
    settings = current_settings(ctx)
    wanted = list(EXTERNAL_DATASETS) if names == ["all"] else names
    datasets = [external_dataset(name) for name in wanted]  # reject typos before any work
    for dataset in datasets:
        path = fetch_dataset(dataset, settings)
        typer.echo(f"{dataset.name}: {path} (sha256 {sha256_of_file(path)} verified)")
