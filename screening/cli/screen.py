"""``anionscreen screen``: a campaign from the command line, a thin layer over ``run_campaign``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli.context import current_settings

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
    top: Annotated[int, typer.Option(help="How many top candidates to print.")] = 10,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Run a screening campaign: generate, featurize, predict, score and rank candidates.

    A campaign file without objective tables ranks by the default objectives (sigma, modulus and supply risk, as in --example) and says so.

    Example: anionscreen screen --example > my.toml && anionscreen screen my.toml --workers 2

    Example: anionscreen screen --resume latest
    """
    from anionscreen.screening.api import resume_campaign, run_campaign
    from anionscreen.screening.campaign.default import DEFAULT_CAMPAIGN_TOML, default_campaign
    from anionscreen.screening.cli.progress import screen_progress
    from anionscreen.screening.cli.tables import format_table

    if example:
        typer.echo(DEFAULT_CAMPAIGN_TOML, nl=False)
        return
    workspace = current_settings(ctx).workspace
    if resume is not None:
        if campaign_file is not None or chunk_size is not None or name is not None:
            raise AnionscreenError(
                "--resume continues a run with its frozen campaign; "
                "do not give a campaign file, --chunk-size or --name with it"
            )
        run = resume_campaign(
            resume,
            workspace=workspace,
            workers=workers,
            scheduler=scheduler,
            progress=screen_progress(progress),
        )
    else:
        run = run_campaign(
            campaign_file if campaign_file is not None else default_campaign(),
            workspace=workspace,
            workers=workers,
            scheduler=scheduler,
            progress=screen_progress(progress),
            run_id=name,
            chunk_size=chunk_size,
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
    typer.echo(f"top {min(top, len(ranked))} candidates:")
    typer.echo(format_table(ranked[[c for c in _SHOW if c in ranked.columns]].head(top), "table"))
