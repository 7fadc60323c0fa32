"""``anionscreen screen``, ``runs``, ``query`` and ``report``: campaigns from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.campaign.config import (
    DEFAULT_CAMPAIGN_TOML,
    campaign_from_toml,
    load_campaign,
)
from anionscreen.screening.cli.app import current_settings
from anionscreen.screening.results.query import query_run
from anionscreen.screening.results.report import write_report
from anionscreen.screening.run.execute import ExecutorSpec, Progress, check_reachable
from anionscreen.screening.run.runner import (
    CampaignInterruptedError,
    check_same_mp_data,
    execute_run,
    frozen_campaign,
    resume_campaign,
    run_summary,
    start_run,
)
from anionscreen.screening.run.store import Run, list_runs, open_run

_SHOW = ["rank", "formula", "sigma_S_per_cm", "ea_eV", "modulus_GPa", "score", "in_domain"]
# What a terminal table of candidates shows; csv and json give every column.
_TABLE = (
    "rank", "batch_rank", "formula", "score", "score_std", "pareto_rank", "acquisition",
    "sigma_S_per_cm", "ea_eV", "modulus_GPa", "in_domain", "nearest_known", "space", "M",
    "X", "X_sym", "x", "y", "ox_M", "feasible", "infeasible_reason",
)  # fmt: skip


def _rich_progress(enabled: bool) -> Progress:
    if not enabled:
        return Progress()
    bar = RichProgress(
        TextColumn("[bold]screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    state: dict[str, int] = {}

    def start(total: int, done: int) -> None:
        bar.start()
        state["task"] = bar.add_task("screen", total=total, completed=done, rate="")
        state["done0"] = done

    def advance(rows: int) -> None:
        task_id = state["task"]
        bar.advance(task_id, rows)  # type: ignore[arg-type]
        speed = bar.tasks[0].speed
        bar.update(task_id, rate=f"{speed:,.0f} cand/s" if speed else "")  # type: ignore[arg-type]

    return Progress(start=start, advance=advance, stop=bar.stop)


def _table(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(json.loads(frame.to_json(orient="records")), indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return buffer.getvalue().rstrip("\n")
    if frame.empty:
        return "(no rows)"
    with pd.option_context("display.width", 200, "display.max_columns", 12):
        return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def _print_top(run: Run, top: int) -> None:
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    cols = [c for c in _SHOW if c in ranked.columns]
    typer.echo(f"top {min(top, len(ranked))} candidates:")
    typer.echo(_table(ranked[cols].head(top), "table"))


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
    """Run a screening campaign: generate, featurize, predict, score and rank candidates."""
    from anionscreen.screening.run.pipeline import build_scorer, build_source, dataset_hashes

    if example:
        typer.echo(DEFAULT_CAMPAIGN_TOML, nl=False)
        return
    settings = current_settings(ctx)
    executor = ExecutorSpec(workers=workers, scheduler=scheduler)
    check_reachable(executor)  # before models are trained or a run folder is made
    if resume is not None:
        if campaign_file is not None or chunk_size is not None or name is not None:
            raise AnionscreenError(
                "--resume continues a run with its frozen campaign; "
                "do not give a campaign file, --chunk-size or --name with it"
            )
        run = open_run(settings.workspace, resume)
        campaign = resume_campaign(run)
        scorer, _, notes = build_scorer(campaign, settings)
        check_same_mp_data(run, notes)
        source = build_source(campaign, f"{run.run_id}/run.json")
        typer.echo(f"resuming run {run.run_id}: {len(run.completed_chunks())} chunks already done")
    else:
        if campaign_file is None:
            text, where = DEFAULT_CAMPAIGN_TOML, "<default campaign>"
            campaign = campaign_from_toml(text, where)
        else:
            campaign = load_campaign(campaign_file)
            text, where = campaign_file.read_text(encoding="utf-8"), str(campaign_file)
        if chunk_size is not None:
            if chunk_size < 1:
                raise AnionscreenError(f"--chunk-size must be at least 1; got {chunk_size}")
            execution = campaign.execution.model_copy(update={"chunk_size": chunk_size})
            campaign = campaign.model_copy(update={"execution": execution})
        source = build_source(campaign, where)
        scorer, campaign, notes = build_scorer(campaign, settings)
        run = start_run(
            settings.workspace,
            campaign,
            campaign_text=text,
            scorer=scorer,
            total=source.total,
            executor=executor,
            run_id=name,
            notes=notes,
            dataset_hashes=dataset_hashes(settings, dict(scorer.predictor.versions)),
        )
        typer.echo(f"run {run.run_id}: {source.total} candidates in {run.path}")
    for note in notes:  # what was trained or left out: stderr, so stdout stays the results
        typer.echo(note, err=True)
    try:
        execute_run(run, campaign, source, scorer, executor, _rich_progress(progress))
    except CampaignInterruptedError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=130) from None
    except KeyboardInterrupt:  # during finalisation: the checkpoints are all there
        typer.echo(str(CampaignInterruptedError(run)), err=True)
        raise typer.Exit(code=130) from None
    counts = run.info.get("counts", {})
    typer.echo(
        f"finished: {counts.get('generated')} generated, {counts.get('kept')} kept, "
        f"{counts.get('failed')} failed {counts.get('failed_reasons') or ''}".rstrip()
    )
    typer.echo(f"run folder: {run.path}")
    typer.echo(f"report: {run.path / 'report' / 'index.html'}")
    _print_top(run, top)


def runs_list(ctx: typer.Context) -> None:
    """List the runs of the workspace, oldest first."""
    rows = []
    for run in list_runs(current_settings(ctx).workspace):
        info = run.info
        rows.append(
            {
                "run": run.run_id,
                "status": info.get("status"),
                "created_utc": info.get("created_utc"),
                "candidates": info.get("total_candidates"),
                "kept": info.get("counts", {}).get("kept"),
            }
        )
    typer.echo(_table(pd.DataFrame(rows), "table") if rows else "(no runs)")


def runs_show(
    ctx: typer.Context, run: Annotated[str, typer.Argument(help="Run id, path or 'latest'.")]
) -> None:
    """Show a run's record: counts, timings, model versions, where it is."""
    found = open_run(current_settings(ctx).workspace, run)
    summary = run_summary(found)
    summary["campaign"] = frozen_campaign(found).model_dump(mode="json")
    typer.echo(json.dumps(summary, indent=2, sort_keys=True, default=str))


def query(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, path or 'latest'.")],
    top: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    where: Annotated[
        str | None, typer.Option(help="SQL condition, e.g. \"x >= 0.5 AND M = 'Nb'\".")
    ] = None,
    contains: Annotated[
        str | None, typer.Option(help="Comma-separated elements every formula must contain.")
    ] = None,
    sort: Annotated[
        str | None, typer.Option(help="Sort column (ascending; '-column' for descending).")
    ] = None,
    sql: Annotated[
        str | None,
        typer.Option(help="A SELECT over candidates, ranked, pareto, next_batch."),
    ] = None,
    include_infeasible: Annotated[
        bool, typer.Option("--all", help="Include candidates failing the constraints.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Query a run's candidates (columns of `predict` plus score, pareto_rank, parameters)."""
    if fmt not in ("table", "csv", "json"):
        raise AnionscreenError(f"--format must be table, csv or json; got {fmt!r}")
    found = open_run(current_settings(ctx).workspace, run)
    elements = [e for e in contains.split(",") if e.strip()] if contains else None
    frame = query_run(
        found,
        top=top,
        where=where,
        contains=elements,
        sort=sort,
        sql=sql,
        include_infeasible=include_infeasible,
    )
    if fmt == "table" and sql is None and not frame.empty and len(frame.columns) > len(_TABLE):
        shown = [c for c in _TABLE if c in frame.columns]
        hidden = len(frame.columns) - len(shown)
        typer.echo(_table(frame[shown], fmt))
        typer.echo(f"({hidden} more columns: --format csv or --format json shows them)")
        return
    typer.echo(_table(frame, fmt))


def report(
    ctx: typer.Context,
    run: Annotated[str, typer.Argument(help="Run id, path or 'latest'.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: <workspace>/reports/<run-id>)."),
    ] = None,
) -> None:
    """Write a self-contained HTML report with plots (PNGs beside it) for a run."""
    settings = current_settings(ctx)
    found = open_run(settings.workspace, run)
    path = write_report(found, out or settings.workspace / "reports" / found.run_id)
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the campaign commands to the root app."""
    app.command("screen")(screen)
    runs = typer.Typer(help="List and inspect campaign runs.", no_args_is_help=True)
    runs.command("list")(runs_list)
    runs.command("show")(runs_show)
    app.add_typer(runs, name="runs")
    app.command("query")(query)
    app.command("report")(report)
