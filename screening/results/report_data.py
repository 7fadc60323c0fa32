"""What a run's report plots, read from its candidates in bounded amounts.

The browser never receives all candidates: the objective plots get every candidate with a
Pareto rank (up to :data:`FRONT_POINTS`, lowest ranks first), the next batch, and a random
sample of :data:`SAMPLE_POINTS` of the other feasible candidates; the family curves get only
the rows of the families they draw. The candidates file is read with pyarrow in two steps: a
few narrow columns of every row (id, feasibility, rank, score; the template parameters) pick
the rows, then only the row groups holding those rows are read, one at a time, for the
columns a plot needs. So a run of 10^6 candidates costs a few columns in memory, not the
table. (pyarrow rather than duckdb: duckdb's identifiers ignore case, and templates name a
symbol ``X`` and a number ``x``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.campaign.objectives import log10_sigma_at
from anionscreen.screening.run import layout
from anionscreen.screening.run.store import RunFolder
from anionscreen.screening.spaces.specs import SpaceSpec

#: Feasible candidates beyond the Pareto depth drawn, as a random sample, in each plot.
SAMPLE_POINTS = 2_000
#: Pareto-ranked candidates drawn at most (rank 1 first).
FRONT_POINTS = 2_000
#: Family curves drawn per space and parameter (the families with the best scores).
FAMILY_CURVES = 6
_SEED = 7

# What a point's hover text may show, besides the objective columns.
_HOVER = (
    "candidate_id", "formula", "space", "log10_sigma_S_per_cm", "log10_sigma_S_per_cm_lo",
    "log10_sigma_S_per_cm_hi", "ea_eV", "ea_eV_lo", "ea_eV_hi", "modulus_GPa", "modulus_GPa_lo",
    "modulus_GPa_hi", "in_domain", "nearest_known", "nearest_distance", "known",
    "measured_sigma_S_per_cm", "measured_ea_eV", "measured_modulus_GPa", "measured_source",
    "score", "pareto_rank", "cost_USD_per_kg", "hhi_production", "oxidation_limit_V",
    "reduction_limit_V",
)  # fmt: skip


@dataclass(frozen=True)
class Axis:
    """How one objective is drawn: its column, interval columns, scale and title."""

    name: str
    column: str
    lo: str | None
    hi: str | None
    log: bool
    title: str
    unit: str
    is_objective: bool = True


_AXES: dict[str, Axis] = {
    "modulus": Axis("modulus", "modulus_GPa", "modulus_GPa_lo", "modulus_GPa_hi", True,
                    "predicted elastic modulus (GPa, log scale)", "GPa"),
    "ea": Axis("ea", "ea_eV", "ea_eV_lo", "ea_eV_hi", False, "predicted activation energy (eV)",
                "eV"),
    "cost": Axis("cost", "cost_USD_per_kg", None, None, True,
                 "raw-material cost (USD/kg, log scale)", "USD/kg"),
    "supply_risk": Axis("supply_risk", "hhi_production", None, None, False,
                        "supply risk: production HHI", "HHI"),
    "oxidation_limit": Axis("oxidation_limit", "oxidation_limit_V", None, None, False,
                            "oxidation limit (V vs Li/Li+)", "V"),
    "reduction_limit": Axis("reduction_limit", "reduction_limit_V", None, None, False,
                            "reduction limit (V vs Li/Li+)", "V"),
    "stability_window": Axis("stability_window", "stability_window_V", None, None, False,
                             "stability window width (V)", "V"),
}  # fmt: skip


def plot_axes(campaign: Campaign) -> list[Axis]:
    """The x axes of the objective plots: every objective but sigma (which is the y axis).

    A campaign ranking by sigma alone gets Ea, marked as not an objective.
    """
    axes = [_AXES[o.name] for o in campaign.objective if o.name != "sigma"]
    if axes:
        return axes
    ea = _AXES["ea"]
    return [Axis(ea.name, ea.column, ea.lo, ea.hi, ea.log, ea.title, ea.unit, is_objective=False)]


@dataclass(frozen=True)
class CandidatePoints:
    """The candidates the objective plots draw, and how many they stand for.

    Every frame has ``y``, ``y_lo``, ``y_hi``: log10 sigma (S/cm) at ``temperature_c`` with
    its 90 % interval.
    """

    ranked: pd.DataFrame  # Pareto rank >= 1, lowest ranks first
    sample: pd.DataFrame  # random sample of the other feasible candidates
    batch: pd.DataFrame
    feasible: int
    ranked_total: int
    others_total: int
    temperature_c: float


def _candidates(run: RunFolder, dictionary: Sequence[str] = ()) -> pq.ParquetFile:
    """The candidates file; ``dictionary`` columns are read dictionary-encoded (categories)."""
    return pq.ParquetFile(run.file(layout.CANDIDATES), read_dictionary=list(dictionary) or None)


def _with_sigma(frame: pd.DataFrame, temperature_c: float) -> pd.DataFrame:
    frame = frame.copy()
    if frame.empty:
        return frame.assign(y=[], y_lo=[], y_hi=[])
    mean, bounds = log10_sigma_at(frame, temperature_c)
    frame["y"], frame["y_lo"], frame["y_hi"] = mean, bounds[0], bounds[1]
    if {"oxidation_limit_V", "reduction_limit_V"} <= set(frame.columns):
        frame["stability_window_V"] = frame["oxidation_limit_V"] - frame["reduction_limit_V"]
    return frame


#: Row groups :func:`read_rows` reads in one call (16 of a campaign's 8,192-row chunks).
_GROUPS_PER_READ = 16


def read_rows(table: pq.ParquetFile, positions: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The rows at ``positions`` (0-based, file order) of ``columns``, in the order given.

    Reads only the row groups that hold them, :data:`_GROUPS_PER_READ` at a time (decoded
    on Arrow's threads), keeping the wanted rows of each: memory stays at that many row
    groups of those columns whatever the size of the file.
    """
    if len(positions) == 0:
        empty: pd.DataFrame = table.schema_arrow.empty_table().select(columns).to_pandas()
        return empty
    meta = table.metadata
    starts = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
    order = np.argsort(positions, kind="stable")
    wanted = np.asarray(positions)[order]
    groups = np.searchsorted(starts, wanted, side="right") - 1
    used = np.unique(groups)
    parts = []
    for first in range(0, len(used), _GROUPS_PER_READ):
        some = used[first : first + _GROUPS_PER_READ]
        mine = np.isin(groups, some)
        read = table.read_row_groups([int(g) for g in some], columns=columns)
        # Row positions in the concatenation of the groups read.
        offsets = np.cumsum([0] + [int(starts[g + 1] - starts[g]) for g in some[:-1]])
        within = wanted[mine] - starts[groups[mine]] + offsets[np.searchsorted(some, groups[mine])]
        parts.append(read.take(pa.array(within)))
    frame: pd.DataFrame = pa.concat_tables(parts).to_pandas()
    return frame.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def candidate_points(
    run: RunFolder,
    campaign: Campaign,
    batch: pd.DataFrame,
    *,
    sample_points: int = SAMPLE_POINTS,
    front_points: int = FRONT_POINTS,
) -> CandidatePoints:
    """Pareto-ranked candidates (at most ``front_points``, lowest ranks and best scores
    first), a random sample of ``sample_points`` of the other feasible ones, and the batch."""
    table = _candidates(run)
    names = set(table.schema_arrow.names)
    columns = [c for c in dict.fromkeys((*_HOVER, "ea_eV", "ea_eV_lo", "ea_eV_hi")) if c in names]
    index = table.read(columns=["feasible", "pareto_rank", "score"])
    feasible = index.column("feasible").to_numpy(zero_copy_only=False)
    rank = index.column("pareto_rank").to_numpy(zero_copy_only=False)
    score = index.column("score").to_numpy(zero_copy_only=False)
    ranked_rows = np.flatnonzero(feasible & (rank >= 1))
    order = np.lexsort((-score[ranked_rows], rank[ranked_rows]))  # rank, then best score
    others = np.flatnonzero(feasible & (rank < 1))
    rng = np.random.default_rng(_SEED)
    sample = np.sort(rng.choice(others, size=min(sample_points, len(others)), replace=False))
    temperature = campaign.sigma_temperature_c()
    return CandidatePoints(
        ranked=_with_sigma(
            read_rows(table, ranked_rows[order][:front_points], columns), temperature
        ),
        sample=_with_sigma(read_rows(table, sample, columns), temperature),
        batch=_with_sigma(batch, temperature),
        feasible=int(feasible.sum()),
        ranked_total=len(ranked_rows),
        others_total=len(others),
        temperature_c=temperature,
    )


@dataclass(frozen=True)
class FamilyCurve:
    """One family: its fixed parameters and, along the plotted parameter ``p``, its rows."""

    label: str
    frame: pd.DataFrame  # p, y, y_lo, y_hi, formula, measured_y, measured_source, ...
    averaged: int  # rows merged because they shared every parameter (0 normally)


@dataclass(frozen=True)
class FamilyPlot:
    """The curves of one space along one of its grid parameters."""

    space: str
    parameter: str
    axis_title: str
    curves: list[FamilyCurve]
    families_total: int
    fixed: tuple[str, ...]  # other grid parameters, held at each family's best candidate


def _axis_title(space: SpaceSpec, parameter: str) -> str:
    assert space.template is not None
    terms = [f"{t.element} {t.amount.text}" for t in space.template.terms
             if parameter in t.amount.variables]  # fmt: skip
    return f"{parameter} in {space.template.text} ({', '.join(terms)} per formula unit)"


def _same(frame: pd.DataFrame, keys: list[str], values: tuple[object, ...]) -> np.ndarray:
    """Rows of ``frame`` whose ``keys`` equal ``values`` (a missing value matches missing)."""
    mask = np.ones(len(frame), dtype=bool)
    for key, value in zip(keys, values, strict=True):
        missing = value is None or (isinstance(value, float) and np.isnan(value))
        column = frame[key]
        mask &= (column.isna() if missing else column == value).to_numpy(dtype=bool)
    return mask


def family_plots(
    run: RunFolder, campaign: Campaign, *, curves: int = FAMILY_CURVES
) -> list[FamilyPlot]:
    """For each template space and grid parameter: the best families' curves along it.

    A family fixes every symbol (and its oxidation state); the other grid parameters of the
    space are held at the values of the family's best-scoring feasible candidate, never
    averaged over. Families are ranked by their best score; the best ``curves`` are drawn.
    """
    spaces = [s for s in campaign.spaces if s.template is not None]
    symbols_all = {k for s in spaces for k in s.symbols}
    table = _candidates(run, dictionary=["space", *sorted(symbols_all)])
    names = set(table.schema_arrow.names)
    temperature = campaign.sigma_temperature_c()
    wanted = {f"ox_{k}" for k in symbols_all} | symbols_all | {k for s in spaces for k in s.numbers}
    keys_read = ["space", "feasible", "score", *sorted(wanted & names)]
    # The parameter columns of every row, strings read as categories: a few bytes per row.
    index = table.read(columns=keys_read).to_pandas()
    columns = [c for c in _CURVE_COLUMNS if c in names]
    # What each drawn curve needs; its rows are read together once every curve is chosen.
    wanted_curves: list[tuple[int, list[str], tuple[object, ...], str, np.ndarray]] = []
    plots: list[FamilyPlot] = []
    for space in spaces:
        grid = [p for p in space.numbers if p != space.balance and p in names]
        symbols = [s for s in space.symbols if s in names]
        symbols += [f"ox_{s}" for s in space.symbols if f"ox_{s}" in names]
        rows = index.loc[(index["space"] == space.name).to_numpy(dtype=bool) & index["feasible"]]
        if rows.empty:
            continue
        for parameter in grid:
            fixed = [q for q in grid if q != parameter]
            if symbols:
                best = rows.loc[
                    rows.groupby(symbols, dropna=False, observed=True)["score"].idxmax()
                ]
            else:  # a template without symbols: the space is one family
                best = rows.loc[[rows["score"].idxmax()]]
            best = best.sort_values("score", ascending=False, kind="stable")
            keys = [*symbols, *fixed]
            for _, top in best.head(curves).iterrows():
                values = tuple(top[k] for k in keys)
                members = rows.index.to_numpy()[_same(rows, keys, values)]
                wanted_curves.append((len(plots), keys, values, parameter, members))
            plots.append(
                FamilyPlot(
                    space.name,
                    parameter,
                    _axis_title(space, parameter),
                    [],
                    len(best),
                    tuple(fixed),
                )
            )
    if not wanted_curves:
        return plots
    # One read of every drawn row (a row group is decoded once, not once per curve).
    positions = np.unique(np.concatenate([w[4] for w in wanted_curves]))
    parameters = list(dict.fromkeys(w[3] for w in wanted_curves))
    read = read_rows(table, positions, [*parameters, *columns])
    for plot, keys, values, parameter, members in wanted_curves:
        frame = read.iloc[np.searchsorted(positions, members)][[parameter, *columns]]
        curve = _curve(frame.reset_index(drop=True), plots[plot].space, keys, values,
                       parameter, temperature)  # fmt: skip
        plots[plot].curves.append(curve)
    return plots


_CURVE_COLUMNS = (
    "formula", "log10_sigma_S_per_cm", "log10_sigma_S_per_cm_lo", "log10_sigma_S_per_cm_hi",
    "ea_eV", "ea_eV_lo", "ea_eV_hi", "in_domain", "known", "measured_sigma_S_per_cm",
    "measured_source", "score", "nearest_known",
)  # fmt: skip


def _curve(
    frame: pd.DataFrame,
    space: str,
    keys: list[str],
    values: tuple[object, ...],
    parameter: str,
    temperature: float,
) -> FamilyCurve:
    frame = _with_sigma(frame.rename(columns={parameter: "p"}), temperature)
    averaged = 0
    if frame["p"].duplicated().any():  # a family that still repeats a parameter value
        averaged = len(frame)
        frame = frame.groupby("p", as_index=False).agg(
            y=("y", "mean"), y_lo=("y_lo", "mean"), y_hi=("y_hi", "mean"),
            formula=("formula", " / ".join),
        )  # fmt: skip
    frame = frame.sort_values("p", kind="stable").reset_index(drop=True)
    if "measured_sigma_S_per_cm" in frame.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["measured_y"] = np.log10(frame["measured_sigma_S_per_cm"].astype(float))
    label = ", ".join(f"{k} = {_plain(v)}" for k, v in zip(keys, values, strict=True))
    label = label or f"{space} (no symbol to fix)"
    return FamilyCurve(label=label, frame=frame, averaged=averaged)


def _plain(value: object) -> str:
    if isinstance(value, float):
        return "none" if np.isnan(value) else f"{value:g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)
