"""``anionscreen generate`` and ``anionscreen check-formula``: thin layers over the generators."""

from __future__ import annotations

import itertools
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import CSV_FLOAT_FORMAT, atomic_output
from anionscreen.datasets.formula import formula_amounts
from anionscreen.datasets.textfiles import read_text
from anionscreen.descriptors.charge import charge_balance
from anionscreen.descriptors.chunk import formula_keys
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.campaign.config import Campaign, load_campaign
from anionscreen.screening.cli.context import current_settings, grid_points_limit
from anionscreen.screening.cli.options import OutOption
from anionscreen.screening.cli.outputs import check_output
from anionscreen.screening.cli.tables import check_out, json_records
from anionscreen.screening.spaces.chunking import Generator
from anionscreen.screening.spaces.fields import DEFAULT_MAX_GRID_POINTS
from anionscreen.screening.spaces.generators import make_generator
from anionscreen.screening.spaces.size import check_size
from anionscreen.screening.spaces.specs import SpaceSpec, load_spaces

_STRING_COLUMNS = {"formula", "formula_key", "space", "cations", "anions"}


def _frames(
    generators: list[Generator], limit: int | None, fractions: bool, columns: list[str]
) -> Iterator[pd.DataFrame]:
    """Candidate tables chunk by chunk, every one with the same columns."""
    left = limit
    elements = sorted(
        {el for g in generators for el in g.elements}, key=lambda el: element_index()[el]
    )
    for gen in generators:
        for chunk in gen.generate():
            n = len(chunk) if left is None else min(len(chunk), left)
            frame = chunk.params.iloc[:n].reset_index(drop=True).copy()
            frame.insert(0, "formula", chunk.formulas[:n])
            frame.insert(1, "formula_key", formula_keys(chunk)[:n])
            if fractions:
                for el in elements:
                    frame[f"frac_{el}"] = chunk.fractions[:n, element_index()[el]]
            yield frame.reindex(columns=columns)
            if left is not None:
                left -= n
                if left <= 0:
                    return


def _columns(generators: list[Generator], fractions: bool) -> list[str]:
    names = dict.fromkeys(["formula", "formula_key"])
    for gen in generators:
        names.update(dict.fromkeys(gen.param_columns))
    if fractions:
        elements = sorted(
            {el for g in generators for el in g.elements}, key=lambda el: element_index()[el]
        )
        names.update(dict.fromkeys(f"frac_{el}" for el in elements))
    return list(names)


def _write(frames: Iterator[pd.DataFrame], out: Path, columns: list[str], strings: set[str]) -> int:
    """Stream frames to Parquet or CSV; returns the number of rows written."""
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # An error or Ctrl-C leaves neither a partial file nor a half-written one under the name.
    with atomic_output(out) as tmp:
        return _write_to(tmp, frames, out.suffix.lower(), columns, strings)


def _check_out(out: Path) -> None:
    check_out(out)


def load_space_file(path: Path, *, max_grid_points: int | None = None) -> list[SpaceSpec]:
    """The ``[[space]]`` tables of a space file, or of a campaign file (validated as one)."""
    try:
        data = tomllib.loads(read_text(path, "space file", "a UTF-8 TOML file"))
    except (AnionscreenError, tomllib.TOMLDecodeError):
        return load_spaces(path, max_grid_points=max_grid_points)  # names the file and problem
    campaign_keys = set(Campaign.model_fields) - {"space"}
    if (set(data) - {"space"}) & campaign_keys:
        return list(load_campaign(path, max_grid_points=max_grid_points).spaces)
    return load_spaces(path, max_grid_points=max_grid_points)


def _write_to(
    tmp: Path, frames: Iterator[pd.DataFrame], suffix: str, columns: list[str], strings: set[str]
) -> int:
    rows = 0
    if suffix == ".csv":
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            handle.write(",".join(columns) + "\n")
            for frame in frames:
                frame.to_csv(handle, header=False, index=False, float_format=CSV_FLOAT_FORMAT)
                rows += len(frame)
    elif suffix == ".json":
        # A list of rows, written chunk by chunk: the whole space is never in memory.
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write("[")
            for frame in frames:
                for record in json_records(frame):
                    handle.write(",\n  " if rows else "\n  ")
                    handle.write(json.dumps(record))
                    rows += 1
            handle.write("\n]\n" if rows else "]\n")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        def kind(column: str) -> pa.DataType:
            if column in strings:
                return pa.string()
            return pa.int64() if column.startswith("ox_") else pa.float64()

        schema = pa.schema([pa.field(c, kind(c)) for c in columns])
        with pq.ParquetWriter(tmp, schema) as writer:
            for frame in frames:
                writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
                rows += len(frame)
            if rows == 0:
                writer.write_table(schema.empty_table())
    return rows


def generate(
    ctx: typer.Context,
    space_file: Annotated[
        Path,
        typer.Argument(
            help="TOML file of search spaces (one space table each): a space file, or a "
            "campaign file, whose spaces are read."
        ),
    ],
    count: Annotated[
        bool, typer.Option("--count", help="Only count the candidates per space.")
    ] = False,
    out: OutOption = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Write at most N candidates.")
    ] = None,
    fractions: Annotated[
        bool, typer.Option("--fractions", help="Also write element fractions (frac_Li, ...).")
    ] = False,
    max_grid_points: Annotated[
        float,
        typer.Option(
            "--max-grid-points",
            help="Refuse spaces above this many grid points (symbol choices x numeric grid).",
        ),
    ] = DEFAULT_MAX_GRID_POINTS,
) -> None:
    """Enumerate the search spaces of SPACE_FILE: counts per space, candidates to --out.

    Example: anionscreen generate my.toml --count

    Example: anionscreen generate spaces.toml --out candidates.parquet --fractions
    """
    if out is not None:
        _check_out(out)  # before enumerating, not after printing the counts
        check_output(out, current_settings(ctx), option="--out", inputs=[space_file])
    most = grid_points_limit(max_grid_points)
    # Sizes by arithmetic first: a space above the limit is refused with its size at once.
    specs = load_space_file(space_file, max_grid_points=most)
    check_size(specs, most, str(space_file))
    generators = [make_generator(spec) for spec in specs]
    table = Table(title=f"Search spaces in {space_file.name}")
    for name in ("space", "kind", "grid points", "candidates"):
        table.add_column(name, justify="left" if name in ("space", "kind") else "right")
    total = points = 0
    for spec, gen in zip(specs, generators, strict=True):
        n = gen.count()
        total += n
        points += gen.grid_points()
        table.add_row(spec.name, spec.kind, f"{gen.grid_points():,}", f"{n:,}")
    table.add_row("total", "", f"{points:,}", f"{total:,}")
    console = Console()
    console.print(table)
    if count:
        return
    columns = _columns(generators, fractions)
    if out is not None:
        strings = _STRING_COLUMNS | {p for spec in specs for p in spec.symbols}
        frames = _frames(generators, limit, fractions, columns)
        rows = _write(frames, out, columns, strings)
        console.print(f"wrote {rows:,} candidates to {out}")
        return
    preview = list(itertools.islice(_frames(generators, 20, False, columns), 20))
    if not preview:
        console.print("no candidates")
        return
    shown = pd.concat(preview).drop(columns=["formula_key"])  # a key for joins, not for reading
    console.print(shown.to_string(index=False, na_rep=""))
    if total > len(shown):
        console.print(f"... first {len(shown)} of {total:,}; use --out FILE to write all")


def check_formula(
    formula: Annotated[str, typer.Argument(help="Formula, e.g. Li2TaS0.4O0.6Cl5.")],
    oxidation_states: Annotated[
        list[str] | None,
        typer.Option(
            "--oxidation-states",
            help="Allowed states of an element, e.g. W=4,5,6 (repeatable).",
        ),
    ] = None,
) -> None:
    """Say whether FORMULA can be charge neutral (exit 0) or not and by how much (exit 1).

    Example: anionscreen check-formula Li2TaS0.4O0.5Cl5 --oxidation-states Ta=4,5
    """
    allowed: dict[str, list[int]] = {}
    for item in oxidation_states or []:
        symbol, _, states = item.partition("=")
        try:
            allowed[symbol.strip()] = [int(s) for s in states.split(",") if s.strip()]
        except ValueError as err:
            raise AnionscreenError(
                f"--oxidation-states expects El=a,b,... with integers; got {item!r}"
            ) from err
        if symbol.strip() not in element_index() or not allowed[symbol.strip()]:
            raise AnionscreenError(
                f"--oxidation-states expects El=a,b,... with an element symbol; got {item!r}"
            )
    result = charge_balance(formula_amounts(formula), allowed)
    typer.echo(result.reason)
    if result.n_neutral > 1:
        typer.echo(f"({result.n_neutral} neutral assignments; the first is shown)")
    if not result.neutral:
        raise typer.Exit(code=1)
