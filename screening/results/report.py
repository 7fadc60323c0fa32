"""A run's report: one self-contained HTML page with the PNG plots written beside it.

Plots (matplotlib, Agg backend, no display needed):

- ``pareto.png``: predicted sigma against modulus for a sample of feasible candidates,
  coloured by the width of the sigma interval, with the Pareto front drawn over them;
- ``families.png``: predicted sigma against the template parameter ``x`` (or ``y``) for the
  families (space, M, X) of the best candidates;
- ``next_batch.png``: where the proposed next experiments lie among all candidates.

The page reads only small tables (ranked, Pareto, next batch, a sample of 20,000 candidates
and per-family means computed by duckdb), so it is fast for any size of run.
"""

from __future__ import annotations

import html
from dataclasses import asdict
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pyarrow.dataset as ds
from matplotlib.figure import Figure

from anionscreen.datasets.files import atomic_output, atomic_write_bytes, writable_folder
from anionscreen.screening.results.query import connect
from anionscreen.screening.run import layout
from anionscreen.screening.run.store import RunError, RunFolder

#: The report's page; its plots are written beside it.
REPORT_PAGE = "index.html"
_SAMPLE = 20_000
_TABLE_COLUMNS = (
    "rank",
    "batch_rank",
    "formula",
    "score",
    "score_std",
    "pareto_rank",
    "acquisition",
    "sigma_S_per_cm",
    "log10_sigma_S_per_cm_lo",
    "log10_sigma_S_per_cm_hi",
    "ea_eV",
    "modulus_GPa",
    "in_domain",
    "nearest_known",
    "space",
)


def _read(run: RunFolder, name: str) -> pd.DataFrame:
    path = run.file(name)
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def _sample(run: RunFolder) -> pd.DataFrame:
    con = connect(run)
    try:
        cols = "log10_sigma_S_per_cm, log10_sigma_S_per_cm_lo, log10_sigma_S_per_cm_hi, modulus_GPa"
        return con.execute(
            f"SELECT {cols} FROM candidates WHERE feasible "
            f"USING SAMPLE reservoir({_SAMPLE} ROWS) REPEATABLE (7)"
        ).df()
    finally:
        con.close()


def _family_means(run: RunFolder, families: pd.DataFrame, param: str) -> pd.DataFrame:
    # pyarrow rather than duckdb: duckdb's identifiers ignore case, and templates name a
    # symbol X and a number x. The filter streams, so only the wanted families are loaded.
    keys = list(families.columns)
    wanted = None
    for row in families.itertuples(index=False):
        expr = None
        for key, value in zip(keys, row, strict=True):
            term = ds.field(key) == value
            expr = term if expr is None else expr & term
        wanted = expr if wanted is None else wanted | expr
    table = ds.dataset(run.file(layout.CANDIDATES)).to_table(
        columns=[*keys, param, "log10_sigma_S_per_cm"], filter=wanted
    )
    frame = table.to_pandas().rename(columns={param: "p", "log10_sigma_S_per_cm": "s"})
    means: pd.DataFrame = frame.groupby([*keys, "p"], sort=True, as_index=False)["s"].mean()
    return means


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def _pareto_plot(sample: pd.DataFrame, pareto: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 5))
    if not sample.empty:
        width = sample["log10_sigma_S_per_cm_hi"] - sample["log10_sigma_S_per_cm_lo"]
        points = ax.scatter(
            sample["modulus_GPa"],
            sample["log10_sigma_S_per_cm"],
            c=width,
            s=6,
            cmap="viridis",
            alpha=0.6,
        )
        fig.colorbar(points, ax=ax, label="90 % interval width of log10 sigma (decades)")
    if not pareto.empty:
        front = pareto.loc[pareto["pareto_rank"] == 1].sort_values("modulus_GPa")
        ax.plot(front["modulus_GPa"], front["log10_sigma_S_per_cm"], "r.-", label="Pareto front")
        ax.legend(loc="lower right")
    ax.set_xscale("log")
    ax.set_xlabel("predicted modulus (GPa)")
    ax.set_ylabel("predicted log10 sigma at 25 C (S/cm)")
    ax.set_title("Candidates: conductivity against modulus")
    _save(fig, path)


def _families_plot(run: RunFolder, ranked: pd.DataFrame, path: Path) -> bool:
    param = next((p for p in ("x", "y") if p in ranked.columns), None)
    keys = [k for k in ("space", "M", "X", "ox_M") if k in ranked.columns]
    if param is None or ranked.empty or not keys:
        return False
    wanted = ranked.loc[ranked[param].notna(), keys].drop_duplicates().head(8)
    if wanted.empty:
        return False
    means = _family_means(run, wanted.reset_index(drop=True), param)
    fig, ax = plt.subplots(figsize=(7, 5))
    for key, group in means.groupby(keys, sort=False):
        label = " ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        ax.plot(group["p"], group["s"], "o-", ms=3, label=label)
    ax.set_xlabel(f"template parameter {param}")
    ax.set_ylabel("mean predicted log10 sigma (S/cm)")
    ax.set_title("Conductivity along each family of the best candidates")
    ax.legend(fontsize=7)
    _save(fig, path)
    return True


def _batch_plot(sample: pd.DataFrame, batch: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 5))
    if not sample.empty:
        ax.scatter(sample["modulus_GPa"], sample["log10_sigma_S_per_cm"], s=5, c="0.75")
    if not batch.empty:
        ax.scatter(batch["modulus_GPa"], batch["log10_sigma_S_per_cm"], s=40, c="tab:red")
        for _, row in batch.iterrows():
            ax.annotate(
                str(row["formula"]), (row["modulus_GPa"], row["log10_sigma_S_per_cm"]), fontsize=7
            )
    ax.set_xscale("log")
    ax.set_xlabel("predicted modulus (GPa)")
    ax.set_ylabel("predicted log10 sigma at 25 C (S/cm)")
    ax.set_title("Proposed next experiments (red) among all candidates")
    _save(fig, path)


def _table_html(frame: pd.DataFrame, rows: int) -> str:
    cols = [c for c in _TABLE_COLUMNS if c in frame.columns]
    if frame.empty or not cols:
        return "<p>(none)</p>"
    return frame[cols].head(rows).to_html(index=False, float_format=lambda v: f"{v:.4g}")


def write_report(run: RunFolder, out_dir: Path) -> Path:
    """Write ``index.html`` and its PNGs into ``out_dir``; returns the HTML path.

    ``out_dir`` may not lie inside a finished run's folder (those are immutable).
    """
    resolved = out_dir.resolve()
    for folder in (resolved, *resolved.parents):
        if (folder / layout.RUN_JSON).is_file() and RunFolder(folder).finished:
            raise RunError(
                f"{str(out_dir)!r} is inside the finished run {folder.name!r}, which is "
                "immutable; write the report somewhere else"
            )
    writable_folder(out_dir, "report folder")
    info = run.info
    ranked, pareto, batch = (
        _read(run, layout.RANKED),
        _read(run, layout.PARETO),
        _read(run, layout.NEXT_BATCH),
    )
    sample = _sample(run)
    _pareto_plot(sample, pareto, out_dir / "pareto.png")
    has_families = _families_plot(run, ranked, out_dir / "families.png")
    _batch_plot(sample, batch, out_dir / "next_batch.png")
    counts = asdict(info.counts) if info.counts is not None else {}
    title = html.escape(f"anionscreen run {run.run_id}")
    figures = ["pareto.png", *(["families.png"] if has_families else []), "next_batch.png"]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:80em}}
table{{border-collapse:collapse;font-size:0.85em}}td,th{{border:1px solid #ccc;padding:2px 6px}}
img{{max-width:48%;margin:0.5%}}</style></head><body>
<h1>{title}</h1>
<p>Campaign <b>{html.escape(info.start.name)}</b>, created {info.created_utc};
{info.start.total_candidates} candidates; models {html.escape(str(info.start.model_versions))}.
Counts so far: {html.escape(str(counts) if counts else "(written when the run finishes)")}.</p>
{"".join(f'<img src="{f}" alt="{f}">' for f in figures)}
<h2>Ranked candidates (top {len(ranked)})</h2>
{_table_html(ranked, 50)}
<h2>Proposed next experiments</h2>
{_table_html(batch, len(batch))}
<h2>Pareto front</h2>
{_table_html(pareto.loc[pareto["pareto_rank"] == 1] if not pareto.empty else pareto, 50)}
</body></html>
"""
    path = out_dir / REPORT_PAGE
    atomic_write_bytes(path, page.encode("utf-8"))
    return path
