"""``anionscreen mp``: fill and inspect the Materials Project cache.

``mp fetch CHEMSYS ...`` needs ``MP_API_KEY`` and a network; ``mp status`` and
``mp window FORMULA ...`` work offline from the cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import parse_formula
from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.mp_cache import (
    fetch_command,
    find_covering,
    list_cached,
    missing_systems,
    mp_cache_dir,
    normalize_chemsys,
)
from anionscreen.datasets.mp_client import DEFAULT_THERMO_TYPE, api_key_configured
from anionscreen.descriptors.chunk import chunk_from_compositions
from anionscreen.descriptors.mp_columns import MPColumnProvider
from anionscreen.screening.cli.context import current_settings

CampaignOption = Annotated[
    str | None,
    typer.Option(
        "--campaign",
        metavar="FILE",
        help="A campaign file, or 'default' for the built-in campaign: the chemical systems "
        "its spaces can produce.",
    ),
]


def _campaign_systems(campaign: str) -> list[frozenset[str]]:
    """The element sets a campaign's spaces can produce (``default``: the built-in one)."""
    from anionscreen.screening.campaign.config import load_campaign
    from anionscreen.screening.campaign.default import default_campaign
    from anionscreen.screening.run.mp_data import space_element_sets

    found = default_campaign() if campaign == "default" else load_campaign(Path(campaign))
    return space_element_sets(found.spaces)


mp_app = typer.Typer(
    name="mp",
    help="Materials Project data (known phases, stability window, elastic moduli): fetch "
    "chemical systems into the on-disk cache once (needs MP_API_KEY and a network), then "
    "everything runs offline from the cache.\n\n"
    "Example: anionscreen mp status --campaign my.toml",
    no_args_is_help=True,
    add_completion=False,
)


@mp_app.command("fetch")
def fetch(
    ctx: typer.Context,
    chemsys: Annotated[
        list[str] | None,
        typer.Argument(help="Chemical systems such as Li-Ta-S-O-Cl (subsystems are included)."),
    ] = None,
    campaign: CampaignOption = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask again even if this database version is cached.")
    ] = False,
    thermo_type: Annotated[
        str, typer.Option("--thermo-type", help="Materials Project thermo type of the entries.")
    ] = DEFAULT_THERMO_TYPE,
) -> None:
    """Fetch computed entries, known phases and elastic data of chemical systems into the cache.

    Example: anionscreen mp fetch Li-Ta-S-O-Cl

    Example: anionscreen mp fetch --campaign my.toml
    """
    settings = current_settings(ctx)
    names = [normalize_chemsys(c) for c in chemsys or []]  # reject typos before any request
    if campaign is not None:
        wanted = missing_systems(_campaign_systems(campaign), settings)
        typer.echo(f"campaign {campaign}: {len(wanted)} chemical system(s) not cached yet")
        names += [name for name in wanted if name not in names]
    elif not names:
        raise AnionscreenError("give chemical systems (e.g. Li-Ta-S-O-Cl) or --campaign FILE")
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
def status(ctx: typer.Context, campaign: CampaignOption = None) -> None:
    """Show cached chemical systems, their database version and counts, and whether a key is set.

    With --campaign, also the campaign's chemical systems that are not cached, and the command that fetches them.

    Example: anionscreen mp status --campaign default
    """
    settings = current_settings(ctx)
    systems = list_cached(settings)
    console = Console(width=120)
    key = "configured" if api_key_configured() else "not configured (set MP_API_KEY to fetch)"
    console.print(f"Materials Project cache: {mp_cache_dir(settings)}")
    console.print(f"API key: {key}")
    if campaign is not None:
        missing = missing_systems(_campaign_systems(campaign), settings)
        if missing:
            console.print(
                f"Campaign {campaign}: {len(missing)} chemical system(s) not cached: "
                f"{', '.join(missing)}",
                soft_wrap=True,
            )
            console.print(
                f"Fetch them with: anionscreen mp fetch --campaign {campaign}  (or: "
                f"{fetch_command(missing)})",
                soft_wrap=True,
            )
        else:
            console.print(f"Campaign {campaign}: every chemical system is cached", soft_wrap=True)
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
    """Stability window (V vs Li/Li+), products at the limits and MP novelty, from the cache.

    Example: anionscreen mp window Li2TaS0.4O0.6Cl5 Li3InCl6
    """
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
