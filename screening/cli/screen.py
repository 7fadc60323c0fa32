"""``anionscreen screen``: a campaign from the command line, a thin layer over ``run_campaign``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli.context import current_settings, grid_points_limit

_SHOW = [
    "rank", "formula", "sigma_mS_per_cm", "sigma_S_per_cm_lo", "sigma_S_per_cm_hi", "ea_eV",
    "modulus_GPa", "score", "in_domain",
]  # fmt: skip


def screen(
    ctx: typer.Context,
    campaign_file: Annotated[
        Path | None, typer.Argument(help="Campaign TOML (default: the built-in campaign).")
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Print the default campaign, commented, and exit.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes on this machine (joblib).")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://127.0.0.1:8786.")
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue an interrupted run (id, path or 'latest').")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option(help="Candidates per chunk (overrides the campaign).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Run id to use (default: UTC time + campaign name).")
    ] = None,
    max_grid_points: Annotated[
        float | None,
        typer.Option(
            help="Screen spaces up to this many grid points (symbol choices x numeric grid; "
            "overrides the campaign's execution.max_grid_points, default 100,000,000)."
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="How many top candidates to print (0: none).")] = 10,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Run a screening campaign: generate, featurize, predict, score and rank candidates.

    A campaign file without objective tables ranks by the default objectives (sigma, modulus and supply risk, as in --example) and says so.

    Example: anionscreen screen --example > my.toml && anionscreen screen my.toml --workers 2

    Example: anionscreen screen --resume latest
    """
    from anionscreen.screening.campaign.config import load_campaign
    from anionscreen.screening.campaign.default import DEFAULT_CAMPAIGN_TOML, default_campaign

    if example:
        typer.echo(DEFAULT_CAMPAIGN_TOML, nl=False)
        return
    # Options are checked before anything runs: a refused command leaves no run folder.
    if top < 0:
        raise AnionscreenError(f"--top must be 0 or more (rows to print); got {top}")
    limit = None if max_grid_points is None else grid_points_limit(max_grid_points)
    workspace = current_settings(ctx).workspace
    campaign = None
    if resume is None:
        # Read and size the campaign before the models and the rest are imported, so a
        # mistake or a space too large to screen is refused at once.
        if campaign_file is not None:
            campaign = load_campaign(campaign_file, max_grid_points=limit)
        else:
            campaign = default_campaign()
    from anionscreen.screening.api import resume_campaign, run_campaign
    from anionscreen.screening.cli.progress import screen_progress
    from anionscreen.screening.cli.tables import format_table

    if resume is not None:
        if (
            campaign_file is not None
            or chunk_size is not None
            or name is not None
            or max_grid_points is not None
        ):
            raise AnionscreenError(
                "--resume continues a run with its frozen campaign; do not give a campaign "
                "file, --chunk-size, --name or --max-grid-points with it"
            )
        run = resume_campaign(
            resume,
            workspace=workspace,
            workers=workers,
            scheduler=scheduler,
            progress=screen_progress(progress),
        )
    else:
        assert campaign is not None
        run = run_campaign(
            campaign,
            workspace=workspace,
            workers=workers,
            scheduler=scheduler,
            progress=screen_progress(progress),
            run_id=name,
            chunk_size=chunk_size,
            # a campaign file was read with it; the built-in campaign is checked here
            max_grid_points=limit if campaign_file is None else None,
        )
    counts = run.info.counts
    assert counts is not None  # a finished run has them
    typer.echo(
        f"finished: {counts.generated} generated, {counts.kept} kept, "
        f"{counts.failed} failed {counts.failed_reasons or ''}".rstrip()
    )
    typer.echo(f"run folder: {run.path}")
    typer.echo(f"report: {run.report()}")
    ranked = run.ranked
    if top > 0:
        typer.echo(f"top {min(top, len(ranked))} candidates:")
        shown = ranked[[c for c in _SHOW if c in ranked.columns]].head(top)
        typer.echo(format_table(shown, "table"))
