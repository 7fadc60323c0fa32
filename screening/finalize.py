"""Turning a run's checkpoints into its final tables, in two streaming passes.

Pass 1 reads one checkpoint at a time and keeps only what is small: the union of the chunk
schemas (spaces have different template parameters), the counts, the best feasible score, and
each chunk's own Pareto fronts ``1..depth`` (see :mod:`~anionscreen.screening.ranking` for why
that suffices). The global Pareto ranks are computed on that union. Pass 2 reads the chunks
again, adds ``pareto_rank`` and ``acquisition``, appends them to ``candidates.parquet``, and
keeps the top ``top_n`` rows by score and the ``pool_size`` best by acquisition. Memory stays
that of one chunk plus these small tables, whatever the number of candidates.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.screening.acquisition import acquisition_values, select_batch
from anionscreen.screening.campaign import Campaign
from anionscreen.screening.ranking import pareto_ranks, rank_order, utilities
from anionscreen.screening.runstore import CHUNK_META_KEY, Run

#: Columns of the ranked table, the next batch and queries, first (the rest follow).
LEADING_COLUMNS = ("rank", "formula", "score", "score_std", "pareto_rank", "acquisition")


def _top(frame: pd.DataFrame, n: int, by: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    ordered = frame.iloc[
        np.lexsort(
            (
                frame["candidate_id"].to_numpy(np.int64),
                frame["formula"].to_numpy(str),
                -frame[by].to_numpy(np.float64),
            )
        )
    ]
    return ordered.head(n).reset_index(drop=True)


def _stack(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if kept.empty:
        return new
    if new.empty:
        return kept
    return pd.concat([kept, new], ignore_index=True)


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    return schema.remove_metadata()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, type=field.type))
    return table.select(schema.names).cast(schema)


def _first_pass(run: Run, campaign: Campaign) -> dict[str, Any]:
    schemas = []
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    best = -np.inf
    pool = []
    depth = campaign.ranking.pareto_depth
    for index in run.completed_chunks():
        path = run.checkpoint_path(index)
        schemas.append(_plain_schema(pq.read_schema(path)))
        stats = _stats(path)
        counts.update(generated=stats["generated"], failed=stats["failed"], kept=stats["kept"])
        reasons.update(stats["failed_reasons"])
        seconds.update(predict=stats["seconds_predict"], score=stats["seconds_score"])
        frame = pq.read_table(path).to_pandas()
        feasible = frame.loc[frame["feasible"].to_numpy(bool)]
        if feasible.empty:
            continue
        best = max(best, float(feasible["score"].max()))
        local = pareto_ranks(utilities(feasible, campaign.objective), depth)
        pool.append(feasible.loc[local > 0])
    schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
    front = pd.concat(pool, ignore_index=True) if pool else pd.DataFrame()
    ranks = (
        pareto_ranks(utilities(front, campaign.objective), depth)
        if not front.empty
        else np.zeros(0, dtype=np.int32)
    )
    if not front.empty:
        front = front.assign(pareto_rank=ranks).loc[ranks > 0]
    return {
        "schema": schema,
        "counts": dict(counts),
        "failed_reasons": dict(sorted(reasons.items())),
        "worker_seconds": dict(seconds),
        "best_score": best,
        "front": front,
    }


def _stats(path: os.PathLike[str] | str) -> dict[str, Any]:
    import json

    meta = pq.read_schema(path).metadata or {}
    stats: dict[str, Any] = json.loads(meta[CHUNK_META_KEY])
    return stats


def _order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    lead = [c for c in LEADING_COLUMNS if c in frame.columns]
    return frame[lead + [c for c in frame.columns if c not in lead]]


def finalize_run(run: Run, campaign: Campaign) -> dict[str, Any]:
    """Write candidates, ranked table, Pareto front and next batch; returns counts and timings.

    Safe to repeat after a kill: every file is written atomically and nothing is marked
    finished here (the caller does that after the report).
    """
    start = time.perf_counter()
    first = _first_pass(run, campaign)
    front: pd.DataFrame = first["front"]
    front_ids = front["candidate_id"].to_numpy(np.int64) if not front.empty else np.zeros(0)
    front_ranks = front["pareto_rank"].to_numpy(np.int32) if not front.empty else np.zeros(0)
    sorter = np.argsort(front_ids, kind="stable")
    front_ids, front_ranks = front_ids[sorter], front_ranks[sorter]
    schema: pa.Schema = first["schema"]
    schema = schema.append(pa.field("pareto_rank", pa.int32())).append(
        pa.field("acquisition", pa.float64())
    )
    acq = campaign.acquisition
    top = pd.DataFrame()
    acq_pool = pd.DataFrame()
    target = run.path / "candidates.parquet"
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    with pq.ParquetWriter(tmp, schema) as writer:
        for _, frame in run.iter_checkpoints():
            ids = frame["candidate_id"].to_numpy(np.int64)
            pos = np.searchsorted(front_ids, ids)
            pos_ok = np.minimum(pos, max(len(front_ids) - 1, 0))
            hit = (pos < len(front_ids)) & (front_ids[pos_ok] == ids) if len(front_ids) else None
            rank = np.zeros(len(ids), dtype=np.int32)
            if hit is not None:
                rank[hit] = front_ranks[pos_ok[hit]]
            feasible = frame["feasible"].to_numpy(bool)
            value = acquisition_values(
                frame["score"].to_numpy(np.float64),
                frame["score_std"].to_numpy(np.float64),
                acq,
                first["best_score"],
            )
            frame = frame.assign(pareto_rank=rank, acquisition=np.where(feasible, value, np.nan))
            writer.write_table(_conform(pa.Table.from_pandas(frame, preserve_index=False), schema))
            good = frame.loc[feasible]
            top = _top(_stack(top, good), campaign.ranking.top_n, "score")
            acq_pool = _top(_stack(acq_pool, good), acq.pool_size, "acquisition")
    os.replace(tmp, target)
    ranked = top.iloc[rank_order(top)] if not top.empty else top
    ranked = _order_columns(ranked.assign(rank=np.arange(1, len(ranked) + 1)))
    pareto = front
    if not front.empty:
        pareto = front.iloc[np.lexsort((rank_order(front).argsort(), front["pareto_rank"]))]
        pareto = _order_columns(pareto.reset_index(drop=True))
    batch = select_batch(acq_pool, acq)
    run.write_table("ranked.parquet", ranked)
    run.write_table("ranked.csv", ranked)
    run.write_table("pareto.parquet", pareto)
    run.write_table("next_batch.parquet", _order_columns(batch))
    run.write_table("next_batch.csv", _order_columns(batch))
    counts = first["counts"]
    return {
        "counts": {
            "generated": int(counts.get("generated", 0)),
            "failed": int(counts.get("failed", 0)),
            "failed_reasons": first["failed_reasons"],
            "kept": int(counts.get("kept", 0)),
            "pareto_front": int((front["pareto_rank"] == 1).sum()) if not front.empty else 0,
        },
        "worker_seconds": first["worker_seconds"],
        "seconds_finalize": time.perf_counter() - start,
    }
