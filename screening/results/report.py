"""A run's report: one self-contained HTML page, interactive, that works offline.

``report/index.html`` in the run folder is written as the run finishes, before the folder is
sealed; it embeds plotly.js once (no CDN, no other file) and holds:

- a header that says what was screened, how it was ranked and with which models;
- predicted sigma against each other objective, with the 90 % intervals of both axes as error
  bars, the Pareto ranks as colours (ranks are computed over all objectives, so no front line
  is drawn on a 2-D projection) and the next batch marked; hover a point for its formula,
  intervals, nearest known compound and measured value;
- per-family curves along the template's real grid parameters with 90 % bands;
- the next batch, the ranked table and the Pareto front as tables;
- one panel per model (training rows per source, grouped-CV metrics against the baselines,
  parity plot with intervals, coverage curve, trust warnings);
- the meaning and unit of every column, and the citations of the data, methods and software.

The page holds bounded data whatever the size of the run (see
:mod:`~anionscreen.screening.results.report_data`), and says what it sampled.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from plotly.offline import get_plotlyjs, get_plotlyjs_version

from anionscreen.datasets.files import atomic_write_bytes, writable_folder
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.results import report_figures as figures
from anionscreen.screening.results.citations import run_bibliography
from anionscreen.screening.results.columns import describe_columns
from anionscreen.screening.results.report_data import (
    CandidatePoints,
    FamilyPlot,
    candidate_points,
    family_plots,
    plot_axes,
)
from anionscreen.screening.results.report_html import STYLE, citations, esc, header, legend, table
from anionscreen.screening.results.report_models import ModelPanel, model_panels
from anionscreen.screening.run import layout
from anionscreen.screening.run.store import RunError, RunFolder

#: The report's page (the whole report: plots and data are inside it).
REPORT_PAGE = "index.html"

_RANKED = ("rank", "formula", "score", "score_std", "pareto_rank", "acquisition",
           "sigma_mS_per_cm", "sigma_S_per_cm_lo", "sigma_S_per_cm_hi", "ea_eV", "modulus_GPa",
           "in_domain", "known", "nearest_known", "space")  # fmt: skip
_BATCH = ("batch_rank", "formula", "acquisition", "score", "score_std", "sigma_mS_per_cm",
          "sigma_S_per_cm_lo", "sigma_S_per_cm_hi", "ea_eV", "modulus_GPa", "in_domain",
          "known", "nearest_known", "selection", "nearest_pick_distance")  # fmt: skip


def _read(run: RunFolder, name: str) -> pd.DataFrame:
    path = run.file(name)
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def _check_out_dir(out_dir: Path) -> None:
    resolved = out_dir.resolve()
    for folder in (resolved, *resolved.parents):
        if (folder / layout.RUN_JSON).is_file() and RunFolder(folder).finished:
            raise RunError(
                f"{str(out_dir)!r} is inside the finished run {folder.name!r}, which is "
                "immutable; write the report somewhere else"
            )


def _objective_section(points: CandidatePoints, campaign: Campaign) -> str:
    depth = campaign.ranking.pareto_depth
    names = ", ".join(o.name for o in campaign.objective)
    shown = min(len(points.ranked), points.ranked_total)
    ranked = f"all {points.ranked_total:,}" if shown == points.ranked_total else (
        f"{shown:,} of the {points.ranked_total:,} (the lowest ranks)"
    )  # fmt: skip
    intro = (
        f"<p>Each point is a candidate; its bars are the 90 % prediction intervals of both axes "
        f"(where the model gives one). Colours are Pareto ranks computed over <b>all "
        f"{len(campaign.objective)} objectives ({esc(names)})</b>: a 2-D plot is a projection, "
        "so a rank-1 candidate may sit below or beside others here because it is better on an "
        "objective not drawn; no front line is drawn for that reason. Red stars are the "
        "proposed next batch. Hover a point for its formula, intervals, nearest known compound "
        "and measured value; click a legend entry to hide or show it.</p>"
        f'<p class="note">Drawn: {ranked} feasible candidates with Pareto rank 1 to {depth}, '
        f"the next batch, and a random sample of {len(points.sample):,} of the "
        f"{points.others_total:,} other feasible candidates ({points.feasible:,} feasible in "
        "all; infeasible candidates are not drawn).</p>"
    )
    plots = [
        figures.figure_html(
            figures.objective_figure(points, axis, depth), f"plot-sigma-{axis.name}"
        )
        for axis in plot_axes(campaign)
    ]
    return intro + "".join(plots)


def _family_section(plots: list[FamilyPlot], temperature_c: float) -> str:
    if not plots:
        return (
            '<p class="note">No family curves: no template space with a grid parameter has '
            "feasible candidates.</p>"
        )
    parts = [
        "<p>A family fixes every symbol of a template (and its oxidation state); the curve runs "
        "along one grid parameter, with the band the 90 % interval. Diamonds are measured "
        "values of compositions in the training data (at 25 C).</p>"
    ]
    for i, plot in enumerate(plots):
        held = (
            f" Other grid parameters ({esc(', '.join(plot.fixed))}) are held at the value of each "
            "family's best candidate, as the legend says; nothing is averaged over them."
            if plot.fixed else ""
        )  # fmt: skip
        averaged = [c.label for c in plot.curves if c.averaged]
        if averaged:
            held += f" Rows sharing every parameter were averaged in: {esc('; '.join(averaged))}."
        parts.append(
            f'<p class="note"><b>{esc(plot.space)}</b>, along {esc(plot.parameter)}: the '
            f"{len(plot.curves)} of {plot.families_total} families with the best scores.{held}</p>"
            + figures.figure_html(figures.family_figure(plot, temperature_c), f"plot-family-{i}")
        )
    return "".join(parts)


def _model_section(panels: list[ModelPanel]) -> str:
    parts = []
    for panel in panels:
        body = [
            f'<h3 id="model-{esc(panel.target)}">{esc(panel.target)}: {esc(panel.version)}</h3>'
        ]
        body += [f'<div class="warn">{esc(p)}</div>' for p in panel.problems]
        if panel.trust is not None:
            body.append(f"<p>{esc(panel.trust.line())}</p>")
            body += [f'<div class="warn">{esc(w)}</div>' for w in panel.trust.warnings()]
        if panel.card is not None:
            report = panel.card.get("data_report", {})
            sources = ", ".join(f"{k} {v:,}" for k, v in report.get("sources", {}).items())
            dropped = ", ".join(f"{k.replace('_', ' ')} {report[k]:,}" for k in
                                ("duplicates_merged", "censored", "far_from_25C") if k in report)  # fmt: skip
            body.append(
                f"<p>Training rows by source: {esc(sources or 'not recorded')}; "
                f"{esc(report.get('rows', 'n/a'))} training formulas from "
                f"{esc(report.get('input_rows', 'n/a'))} measurement rows ({esc(dropped)}).</p>"
            )
            unit = panel.trust.unit if panel.trust is not None else ""
            body.append(f'<p class="note">Grouped cross-validation by chemical system; MAE and '
                        f"RMSE in {esc(unit)}.</p>" + table(panel.metrics(), list(panel.metrics().columns)))  # fmt: skip
        figs = []
        if panel.oof is not None and not panel.oof.empty:
            figs.append(
                figures.figure_html(figures.parity_figure(panel), f"plot-parity-{panel.target}")
            )
        if not panel.coverage_curve().empty:
            figs.append(
                figures.figure_html(figures.coverage_figure(panel), f"plot-coverage-{panel.target}")
            )
        body.append(f'<div class="plots">{"".join(figs)}</div>')
        parts.append(f'<div class="panel">{"".join(body)}</div>')
    return "".join(parts)


def _legend_columns(run: RunFolder) -> list[str]:
    names = list(pq.read_schema(run.file(layout.CANDIDATES)).names)
    for extra in (layout.RANKED, layout.NEXT_BATCH):
        if run.file(extra).is_file():
            names += [n for n in pq.read_schema(run.file(extra)).names if n not in names]
    return names


def write_report(run: RunFolder, out_dir: Path) -> Path:
    """Write the report page ``index.html`` into ``out_dir``; returns its path.

    ``out_dir`` may not lie inside a finished run's folder (those are immutable); the run must
    have its final tables (a finished run, or one being sealed).
    """
    _check_out_dir(out_dir)
    writable_folder(out_dir, "report folder")
    if not run.file(layout.CANDIDATES).is_file():
        raise RunError(
            f"run {run.run_id!r} has no final tables yet, so no report: resume it "
            f"(anionscreen screen --resume {run.run_id}); `anionscreen query {run.run_id}` "
            "shows the candidates scored so far"
        )
    info = run.info
    campaign = campaign_from_dict(info.start.campaign, source=f"{run.run_id}/{layout.RUN_JSON}")
    ranked, pareto, batch = (
        _read(run, n) for n in (layout.RANKED, layout.PARETO, layout.NEXT_BATCH)
    )
    points = candidate_points(run, campaign, batch)
    panels = model_panels(run)
    trust = [p.trust for p in panels if p.trust is not None]
    front = pareto.loc[pareto["pareto_rank"] == 1] if not pareto.empty else pareto
    objectives = [f"obj_{o.name}" for o in campaign.objective]
    warned = ("WARNING", "note")
    warnings = "".join(
        f'<div class="warn">{esc(n)}</div>' for n in info.start.notes if n.startswith(warned)
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in info.start.notes if not n.startswith(warned))
    title = esc(f"Screening run: {campaign.name}")
    version = esc(info.start.packages.get("anionscreen", "unknown"))
    sections = [
        ("objectives", "Conductivity against each objective", _objective_section(points, campaign)),
        ("families", "Along each family", _family_section(family_plots(run, campaign), points.temperature_c)),
        ("batch", "Proposed next experiments",
         "<p>Marked as red stars in the plots above. Picked in order of the acquisition value "
         "under the diversity rules of the header.</p>" + table(batch, _BATCH)),
        ("ranked", f"Ranked candidates (top {len(ranked)})", table(ranked, _RANKED)),
        ("front", f"Pareto front: rank 1 ({len(front):,} candidates)",
         table(front, ["formula", *objectives, "score", "in_domain", "known"], rows=200)),
        ("models", "Models", _model_section(panels)),
        ("columns", "Columns of the run's tables", legend(describe_columns(_legend_columns(run), campaign))),
        ("citations", "Citations", citations(run_bibliography(run))),
    ]  # fmt: skip
    nav = "".join(f'<a href="#{key}">{esc(name.split(":")[0])}</a>' for key, name, _ in sections)
    body = "".join(f'<h2 id="{key}">{esc(name)}</h2>{html}' for key, name, html in sections)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head><body>
<h1>{title}</h1><p class="sub">run {esc(run.run_id)}; report by anionscreen {version}</p>
{header(info, campaign, trust)}
{f"<details><summary>What the run noted as it started</summary><ul>{notes}</ul></details>" if notes else ""}
{warnings}
<nav>{nav}</nav>
{body}
<p class="note">Plots: plotly.js {esc(get_plotlyjs_version())}, embedded in this page, which
needs no network.</p>
</body></html>
"""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_PAGE
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
