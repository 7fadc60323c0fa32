"""The chunk-level work function: predict, add extra columns, score, check constraints.

A :class:`ChunkScorer` holds everything a worker needs (the predictor with its fitted models,
the campaign's objectives and constraints, extra column providers) and is shipped to each
worker once. Calling it on one chunk returns that chunk's scored table and its counts; it
reads nothing but the chunk, so a chunk gives the same rows on any worker.

Extension point: a :class:`ColumnProvider` adds per-chunk columns (e.g. cost and supply risk
from descriptors, or a stability window), which objectives can then use.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.chunk import CompositionChunk, formula_keys
from anionscreen.descriptors.resource import ResourceRisk
from anionscreen.models.threads import one_thread
from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.campaign.objectives import get_objective
from anionscreen.screening.campaign.pareto import pareto_ranks, utilities
from anionscreen.screening.campaign.scores import (
    constraint_columns,
    objective_columns,
    score_columns,
)
from anionscreen.screening.run.layout import CHUNK_PARETO_RANK
from anionscreen.screening.run.records import ChunkStats


@runtime_checkable
class ChunkPredictor(Protocol):
    """Bulk predictions for a chunk: one row per composition.

    The columns are :data:`anionscreen.models.predict.PREDICTION_COLUMNS` (those of
    ``anionscreen predict``).

    A row that cannot be predicted has NaN in ``log10_sigma_S_per_cm`` and, optionally, its
    reason in an ``error`` column.
    """

    def predict_chunk(self, chunk: CompositionChunk) -> pd.DataFrame: ...

    @property
    def versions(self) -> dict[str, str]:
        """``{target: model version}``."""
        ...


@runtime_checkable
class ColumnProvider(Protocol):
    """Extra per-chunk columns (one row per composition), e.g. cost or a stability window."""

    def columns(self, chunk: CompositionChunk) -> pd.DataFrame: ...


class SupplyColumns:
    """Raw-material cost (USD/kg) and supply risk (production HHI) of each composition.

    The descriptors' :class:`~anionscreen.descriptors.resource.ResourceRisk` (weight-fraction
    weighted pymatgen element data; NaN when an element has no value), renamed to the
    columns the ``cost`` and ``supply_risk`` objectives read.
    """

    #: Our column -> the ResourceRisk feature it is.
    FEATURES: ClassVar[dict[str, str]] = {
        "cost_USD_per_kg": "raw-material cost",
        "hhi_production": "HHI production",
    }

    def columns(self, chunk: CompositionChunk) -> pd.DataFrame:
        """``cost_USD_per_kg`` and ``hhi_production`` for each row."""
        risk = ResourceRisk()
        values = np.asarray(risk.fit_transform(chunk), dtype=np.float64)  # reads the chunk once
        names = list(risk.get_feature_names_out())
        return pd.DataFrame(
            {ours: values[:, names.index(theirs)] for ours, theirs in self.FEATURES.items()}
        )


@dataclass(frozen=True)
class ChunkResult:
    """A scored chunk as it travels back from a worker."""

    index: int
    table: pa.Table
    stats: ChunkStats


@dataclass
class ChunkScorer:
    """Everything a worker needs to turn a chunk into scored rows."""

    predictor: ChunkPredictor
    campaign: Campaign
    providers: tuple[ColumnProvider, ...] = field(default_factory=tuple)

    def required_columns(self) -> set[str]:
        """Columns the objectives need."""
        return {c for o in self.campaign.objective for c in get_objective(o.name).requires}

    def __call__(self, chunk: CompositionChunk, index: int, offset: int) -> ChunkResult:
        """Score chunk number ``index`` whose first row is candidate ``offset``."""
        t0 = time.perf_counter()
        # One BLAS/OpenMP thread: a matrix product's summation order can depend on the thread
        # count, and the same chunk must give the same bytes in the main process, in a joblib
        # worker and on a Dask worker. Chunks are the unit of parallelism anyway.
        with one_thread():
            predictions = self.predictor.predict_chunk(chunk).reset_index(drop=True)
        t1 = time.perf_counter()
        if len(predictions) != len(chunk):
            raise AnionscreenError(
                f"predictor returned {len(predictions)} rows for a chunk of {len(chunk)}"
            )
        parts = [
            pd.DataFrame(
                {
                    "candidate_id": np.arange(offset, offset + len(chunk), dtype=np.int64),
                    "formula": chunk.formulas.astype(str),
                    "formula_key": formula_keys(chunk),
                }
            ),
            chunk.params.reset_index(drop=True),
            predictions.drop(columns=["formula", "temperature_C"], errors="ignore"),
        ]
        parts += [p.columns(chunk).reset_index(drop=True) for p in self.providers]
        table = pd.concat(parts, axis=1)
        missing = self.required_columns() - set(table.columns)
        if missing:
            raise AnionscreenError(
                f"objectives need columns {sorted(missing)} that no predictor or provider gives"
            )
        failed = table["log10_sigma_S_per_cm"].isna().to_numpy()
        reasons: Counter[str] = Counter()
        if failed.any():
            why = (
                table.loc[failed, "error"].fillna("prediction is NaN").astype(str)
                if "error" in table.columns
                else pd.Series(["prediction is NaN"] * int(failed.sum()))
            )
            reasons.update(why.tolist())
        table = table.drop(columns=["error"], errors="ignore")
        # In domain for this campaign: for every model its objectives use.
        flags = [table[f"{t}_in_domain"].to_numpy(bool) for t in self.campaign.domain_targets()
                 if f"{t}_in_domain" in table.columns]  # fmt: skip
        if flags:
            table["in_domain"] = np.logical_and.reduce(flags)
        objectives = objective_columns(table, self.campaign.objective)
        scores = score_columns(objectives, self.campaign.objective)
        table = pd.concat([table, objectives, scores], axis=1)
        table = pd.concat(
            [table, constraint_columns(table, chunk.fractions, self.campaign)], axis=1
        )
        if failed.any():  # (a copy of every column, so only when there is a row to drop)
            table = table.loc[~failed].reset_index(drop=True)
        table[CHUNK_PARETO_RANK] = chunk_fronts(table, self.campaign)
        t2 = time.perf_counter()
        stats = ChunkStats(
            index=index,
            offset=offset,
            generated=len(chunk),
            failed=int(failed.sum()),
            failed_reasons=dict(sorted(reasons.items())),
            kept=int(table["feasible"].sum()),
            first_formula=str(chunk.formulas[0]) if len(chunk) else "",
            seconds_predict=t1 - t0,
            seconds_score=t2 - t1,
        )
        # Converted here, in the worker: Arrow tables pickle cheaply and the main process
        # only has to write them. One thread, like the rest of a worker (Arrow's pool took
        # 2.5x as long on a chunk).
        arrow = pa.Table.from_pandas(table, preserve_index=False, nthreads=1)
        return ChunkResult(index=index, table=arrow, stats=stats)


def chunk_fronts(table: pd.DataFrame, campaign: Campaign) -> np.ndarray:
    """Pareto rank of each feasible row within the chunk (``1..pareto_depth``, else 0).

    Only rows ranked here can have a global rank within the depth (a subset has fewer
    dominators; :mod:`~anionscreen.screening.campaign.pareto`), so finalising ranks the
    union of these fronts instead of peeling every chunk again in the main process.
    """
    ranks = np.zeros(len(table), dtype=np.int32)
    rows = np.flatnonzero(table["feasible"].to_numpy(bool))
    if rows.size:
        u = utilities(table.iloc[rows], campaign.objective)
        ranks[rows] = pareto_ranks(u, campaign.ranking.pareto_depth)
    return ranks
