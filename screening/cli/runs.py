"""``anionscreen runs``, ``query`` and ``report``: finished (or interrupted) runs, read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.options import OutOption

# What a terminal table of candidates shows; --out, csv and json give every column.
_TABLE = (
    "rank", "batch_rank", "formula", "score", "score_std", "pareto_rank", "acquisition",
    "sigma_mS_per_cm", "sigma_S_per_cm_lo", "sigma_S_per_cm_hi", "ea_eV", "modulus_GPa",
    "in_domain", "nearest_known", "space", "M", "X", "x", "y", "ox_M", "feasible",
    "infeasible_reason",
)  # fmt: skip

RunArgument = Annotated[str, typer.Argument(help="Run id, path or 'latest'.")]

runs_app = typer.Typer(
    name="runs",
    help="List and inspect campaign runs.\n\nExample: anionscreen runs list",
    no_args_is_help=True,
    add_completion=False,
)


@runs_app.command("list")
def runs_list(ctx: typer.Context) -> None:
    """List the runs of the workspace, oldest first.

    Example: anionscreen runs list
    """
    import pandas as pd

    from anionscreen.screening.api import list_runs
    from anionscreen.screening.cli.tables import format_table

    rows: list[dict[str, object]] = []
    damaged = []
    for run in list_runs(workspace=current_settings(ctx).workspace):
        state = run.folder.state
        if state == "damaged":
            damaged.append(run.run_id)
            blank = dict.fromkeys(("candidates", "kept"), None)
            rows.append({"run": run.run_id, "status": state, "created_utc": "", **blank})
            continue
        info = run.info
        rows.append(
            {
                "run": run.run_id,
                "status": state,  # "interrupted": says running, but no process holds it
                "created_utc": info.created_utc,
                "candidates": info.start.total_candidates,
                "kept": None if info.counts is None else info.counts.kept,
            }
        )
    if not rows:
        typer.echo("(no runs)")
        return
    table = pd.DataFrame(rows)
    # Counts are integers; a run still going has no "kept" yet (shown as <NA>, not 2.401e+05).
    counts = table[["candidates", "kept"]].astype("Int64").astype(object)
    # A damaged run has no record at all: its cells stay blank rather than <NA>.
    counts[table["status"] == "damaged"] = ""
    table[["candidates", "kept"]] = counts
    typer.echo(format_table(table, "table"))
    for run_id in damaged:
        typer.echo(
            f"({run_id}: run.json cannot be read; `anionscreen runs show {run_id}` says why)"
        )


@runs_app.command("show")
def runs_show(ctx: typer.Context, run: RunArgument) -> None:
    """Show a run's record: counts, timings, model versions, where it is.

    Example: anionscreen runs show latest
    """
    from anionscreen.screening.api import open_run

    found = open_run(run, workspace=current_settings(ctx).workspace)
    record = found.summary().to_json() | {"campaign": found.campaign.model_dump(mode="json")}
    typer.echo(json.dumps(record, indent=2, sort_keys=True, default=str))


def query(
    ctx: typer.Context,
    run: RunArgument,
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
    out: OutOption = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="What to print: table (default), csv or json."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option(help="Stop the query after this many seconds.")
    ] = 60.0,
    memory_limit: Annotated[
        str, typer.Option(help="Stop a query that needs more memory than this, e.g. 500MB.")
    ] = "2GB",
) -> None:
    """Query a run's candidates (columns of `predict` plus score, pareto_rank, parameters).

    Column names are those of the run's tables (ranked.csv). SQL ignores the case of names, so where a template has both a symbol and a number of one letter (X and x), SQL text (--where, --sql) names the symbol X_sym; results show it as X again.

    Example: anionscreen query latest --top 20 --where "M = 'Nb' AND x >= 0.5" --out nb.csv

    Example: anionscreen query latest --sql "SELECT M, max(score) AS best FROM candidates GROUP BY M"
    """
    from anionscreen.screening.api import open_run
    from anionscreen.screening.cli.tables import check_format, format_table, write_table

    fmt = check_format(fmt, out)
    found = open_run(run, workspace=current_settings(ctx).workspace)
    frame = found.query(
        sql,
        top=top,
        where=where,
        contains=[e for e in contains.split(",") if e.strip()] if contains else None,
        sort=sort,
        include_infeasible=include_infeasible,
        time_limit_s=time_limit,
        memory_limit=memory_limit,
    )
    if out is not None:
        write_table(frame, out)
        typer.echo(f"wrote {len(frame)} row(s) to {out}", err=True)
        return
    if fmt == "table" and sql is None and not frame.empty and len(frame.columns) > len(_TABLE):
        shown = [c for c in _TABLE if c in frame.columns]
        hidden = len(frame.columns) - len(shown)
        typer.echo(format_table(frame[shown], fmt))
        typer.echo(f"({hidden} more columns: --out FILE, --format csv or json show them)")
        return
    typer.echo(format_table(frame, fmt))


def report(
    ctx: typer.Context,
    run: RunArgument,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write a fresh report into this folder instead (e.g. of an older run, drawn "
            "by this anionscreen); it may not lie inside a finished run.",
        ),
    ] = None,
) -> None:
    """Print where a run's HTML report is (written as the run finished), or write one to --out.

    The report is one self-contained page (index.html, no network needed): sigma against each objective with 90 % intervals and Pareto ranks, family curves, the next batch, the models' validation, a legend of every column and the citations.

    Example: anionscreen report latest
    """
    from anionscreen.screening.api import open_run
    from anionscreen.screening.cli.outputs import check_output

    settings = current_settings(ctx)
    if out is not None:
        # A report may go into a run that is still going; write_report refuses finished ones.
        check_output(out, settings, option="--out", exclude=("runs",))
    found = open_run(run, workspace=settings.workspace)
    typer.echo(str(found.report(out)))
