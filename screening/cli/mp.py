"""``anionscreen mp``: fill and inspect the Materials Project cache.

``mp fetch CHEMSYS ...`` needs ``MP_API_KEY`` and a network; ``mp status`` and
``mp window FORMULA ...`` work offline from the cache.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import parse_formula
from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.mp_cache import (
    find_covering,
    list_cached,
    mp_cache_dir,
    normalize_chemsys,
)
from anionscreen.datasets.mp_client import DEFAULT_THERMO_TYPE, api_key_configured
from anionscreen.descriptors.chunk import chunk_from_compositions
from anionscreen.descriptors.mp_columns import MPColumnProvider
from anionscreen.screening.cli.context import current_settings

mp_app = typer.Typer(
    name="mp",
    help="Materials Project data (known phases, stability window, elastic moduli): fetch "
    "chemical systems into the on-disk cache once (needs MP_API_KEY and a network), then "
    "everything runs offline from the cache.",
    no_args_is_help=True,
    add_completion=False,
)


@mp_app.command("fetch")
def fetch(
    ctx: typer.Context,
    chemsys: Annotated[
        list[str],
        typer.Argument(help="Chemical systems such as Li-Ta-S-O-Cl (subsystems are included)."),
    ],
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask again even if this database version is cached.")
    ] = False,
    thermo_type: Annotated[
        str, typer.Option("--thermo-type", help="Materials Project thermo type of the entries.")
    ] = DEFAULT_THERMO_TYPE,
) -> None:
    """Fetch computed entries, known phases and elastic data of chemical systems into the cache."""
    settings = current_settings(ctx)
    names = [normalize_chemsys(c) for c in chemsys]  # reject typos before any request
    for name in names:
        if not api_key_configured() and not refresh:
            # Offline and already cached: nothing to do, and nothing to ask without a key.
            have = find_covering(name, settings)
            if have is not None and have.payload.get("thermo_type") != thermo_type:
                raise AnionscreenError(
                    f"{name} is cached (as {have.chemsys}) with thermo type "
                    f"{have.payload.get('thermo_type')!r}, not {thermo_type!r}; fetching "
                    "another needs MP_API_KEY and a network"
                )
            if have is not None:
                typer.echo(
                    f"{name}: cached as {have.chemsys} (database {have.db_version}) in "
                    f"{have.path}; no API key configured, so not checked for a newer version"
                )
                continue
        cached = fetch_chemsys(name, settings, refresh=refresh, thermo_type=thermo_type)
        counts = cached.counts()
        typer.echo(
            f"{name}: {counts['entries']} entries, {counts['summary']} known phases, "
            f"{counts['elasticity']} elastic records (database {cached.db_version}) "
            f"in {cached.path}"
        )


@mp_app.command("status")
def status(ctx: typer.Context) -> None:
    """Show cached chemical systems, their database version and counts, and whether a key is set."""
    settings = current_settings(ctx)
    systems = list_cached(settings)
    console = Console(width=120)
    key = "configured" if api_key_configured() else "not configured (set MP_API_KEY to fetch)"
    console.print(f"Materials Project cache: {mp_cache_dir(settings)}")
    console.print(f"API key: {key}")
    if not systems:
        console.print("No cached systems. Fill the cache with: anionscreen mp fetch Li-Ta-S-O-Cl")
        return
    table = Table("chemsys", "database", "thermo type", "entries", "phases", "elastic", "fetched")
    for system in systems:
        counts = system.counts()
        table.add_row(
            system.chemsys,
            system.db_version,
            str(system.payload.get("thermo_type", "")),
            str(counts["entries"]),
            str(counts["summary"]),
            str(counts["elasticity"]),
            str(system.payload.get("fetched_utc", "")),
        )
    console.print(table)


@mp_app.command("window")
def window(
    ctx: typer.Context,
    formulas: Annotated[list[str], typer.Argument(help="Formulas, e.g. Li2TaS0.4O0.6Cl5.")],
) -> None:
    """Stability window (V vs Li/Li+), products at the limits and MP novelty, from the cache."""
    settings = current_settings(ctx)
    chunk = chunk_from_compositions([parse_formula(f) for f in formulas])
    table = MPColumnProvider(settings).columns(chunk)
    out = Table("formula", "reduction V", "oxidation V", "reduced to", "oxidised to", "known MP")
    for i, formula in enumerate(formulas):  # as the user wrote them
        mp_id = str(table["known_mp_id"].iloc[i])
        e_hull = float(table["e_above_hull_eV"].iloc[i])
        out.add_row(
            str(formula),
            f"{float(table['reduction_limit_V'].iloc[i]):.2f}",
            f"{float(table['oxidation_limit_V'].iloc[i]):.2f}",
            str(table["reduction_products"].iloc[i]) or "(stable vs Li)",
            str(table["oxidation_products"].iloc[i]) or "-",
            f"{mp_id} ({e_hull:.3f} eV/atom)" if mp_id else "",
        )
    Console(width=160).print(out)
