"""Turning a run's checkpoints into its final tables, in two streaming passes.

Pass 1 reads one checkpoint at a time and keeps only what is small: the union of the chunk
schemas (spaces have different template parameters), the counts, the best feasible score, and
each chunk's own Pareto fronts ``1..depth`` (see :mod:`~anionscreen.screening.campaign.pareto`
for why that suffices; the worker that scored a chunk ranked it, in its ``chunk_pareto_rank``
column, and a checkpoint without that column is ranked here). A chunk scored in the same
session was summarised this way when its checkpoint was written (:func:`summarize_chunk`), so
pass 1 reads only the checkpoints of an earlier session. The global Pareto ranks are
computed on that union. Pass 2 reads the chunks again, adds ``pareto_rank`` and
``acquisition``, appends them to ``candidates.parquet``, and keeps the top ``top_n`` rows by
score and the ``pool_size`` best by acquisition; the next checkpoint is read and verified on
one thread and the last one written on another while a chunk is ranked. Memory stays that of
a few chunks plus these small tables, whatever the number of candidates.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.screening.campaign.acquisition import acquisition_values, select_batch
from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.campaign.pareto import pareto_ranks, rank_order, utilities
from anionscreen.screening.run import layout
from anionscreen.screening.run.checkpoints import dictionary_columns
from anionscreen.screening.run.records import ChunkStats, RunCounts
from anionscreen.screening.run.store import RunFolder


@dataclass(frozen=True)
class FinalizeResult:
    """What finalising found: the run's counts and where the workers' time went."""

    counts: RunCounts
    predict_s_worker_total: float
    score_s_worker_total: float
    seconds: float


@dataclass(frozen=True)
class ChunkSummary:
    """What pass 1 keeps of one chunk: a few rows, whatever the chunk's size."""

    stats: ChunkStats
    schema: pa.Schema  # without metadata and the workers' chunk ranks
    best_score: float  # of a feasible row; -inf when none is feasible
    front: pa.Table  # the feasible rows of the chunk's own fronts 1..depth


@dataclass(frozen=True)
class _FirstPass:
    schema: pa.Schema  # the union of the chunks' schemas
    generated: int
    failed: int
    failed_reasons: dict[str, int]
    kept: int
    predict_s: float
    score_s: float
    best_score: float  # of any feasible candidate; -inf when none is feasible
    front: pd.DataFrame  # the global Pareto fronts 1..depth, with pareto_rank
    indices: tuple[int, ...]  # the checkpoints read, which pass 2 reads again


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


def _frame(tables: list[pa.Table]) -> pd.DataFrame:
    """``pd.concat`` of the tables' ``to_pandas()``, in one conversion when that is the same.

    One conversion of the concatenated rows gives the same frame when the tables share a
    schema and every dictionary (categorical) column the same categories; otherwise (spaces
    with other parameters, or categories that differ, which ``pd.concat`` turns into text)
    each table is converted on its own.
    """
    first = tables[0]
    same = all(t.schema.equals(first.schema) for t in tables[1:]) and all(
        all(
            t.column(name)
            .combine_chunks()
            .dictionary.equals(first.column(name).combine_chunks().dictionary)
            for t in tables[1:]
        )
        for name, kind in zip(first.column_names, first.schema.types, strict=True)
        if pa.types.is_dictionary(kind)
    )
    if same:
        frame: pd.DataFrame = pa.concat_tables(tables).to_pandas()
    else:
        frame = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    return frame


def _without_chunk_rank(table: pa.Table) -> pa.Table:
    if layout.CHUNK_PARETO_RANK in table.column_names:
        return table.drop_columns([layout.CHUNK_PARETO_RANK])
    return table


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    """A chunk's schema without its metadata and its worker-only column."""
    schema = schema.remove_metadata()
    index = schema.get_field_index(layout.CHUNK_PARETO_RANK)
    return schema if index < 0 else schema.remove(index)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.remove_metadata().equals(schema):
        return table
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, type=field.type))
    return table.select(schema.names).cast(schema)


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    values: np.ndarray = np.asarray(table.column(name).to_numpy(zero_copy_only=False))
    return values


def _objective_frame(table: pa.Table, campaign: Campaign) -> pd.DataFrame:
    names = [f"obj_{o.name}" for o in campaign.objective]
    return pd.DataFrame({n: _numbers(table, n).astype(np.float64) for n in names})


def _best_rows(values: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """``rows`` whose value is among the ``n`` largest, ties at the boundary included."""
    if len(rows) <= n:
        return rows
    kth = np.partition(values[rows], len(rows) - n)[len(rows) - n]
    return np.asarray(rows[values[rows] >= kth])


def summarize_chunk(table: pa.Table, stats: ChunkStats, campaign: Campaign) -> ChunkSummary:
    """Pass 1's summary of a scored chunk (its checkpoint's rows)."""
    # Arrow throughout: turning every chunk into pandas would create a Python string per
    # formula; only the few rows that are kept are converted, at finalising.
    schema = _plain_schema(table.schema)
    rows = np.flatnonzero(_numbers(table, "feasible").astype(bool))
    if rows.size == 0:
        return ChunkSummary(stats, schema, -np.inf, _without_chunk_rank(table.slice(0, 0)))
    best = float(_numbers(table, "score")[rows].max())
    if layout.CHUNK_PARETO_RANK in table.column_names:
        # Ranked by the worker that scored the chunk.
        local = _numbers(table, layout.CHUNK_PARETO_RANK)[rows]
    else:  # a checkpoint written before workers ranked their chunks
        u = utilities(_objective_frame(table, campaign).iloc[rows], campaign.objective)
        local = pareto_ranks(u, campaign.ranking.pareto_depth)
    front = _without_chunk_rank(table.take(pa.array(rows[local > 0])))
    return ChunkSummary(stats, schema, best, front)


def _first_pass(
    run: RunFolder, campaign: Campaign, summaries: Mapping[int, ChunkSummary]
) -> _FirstPass:
    schemas = []
    stats: dict[int, ChunkStats] = {}
    reasons: Counter[str] = Counter()
    best = -np.inf
    pool = []
    depth = campaign.ranking.pareto_depth
    for index in run.checkpoint_files():
        summary = summaries.get(index)
        if summary is None:
            # Every read is checked against the checkpoint's recorded sha256 (both passes).
            table, chunk = run.read_checkpoint(index)
            summary = summarize_chunk(table, chunk, campaign)
        stats[index] = summary.stats
        schemas.append(summary.schema)
        reasons.update(summary.stats.failed_reasons)
        best = max(best, summary.best_score)
        if summary.front.num_rows:
            pool.append(summary.front)
    schema = pa.unify_schemas(schemas, promote_options="permissive") if schemas else pa.schema([])
    front = _frame(pool) if pool else pd.DataFrame()
    if not front.empty:
        ranks = pareto_ranks(utilities(front, campaign.objective), depth)
        front = front.assign(pareto_rank=ranks).loc[ranks > 0].reset_index(drop=True)
    return _FirstPass(
        schema=schema,
        generated=sum(c.generated for c in stats.values()),
        failed=sum(c.failed for c in stats.values()),
        failed_reasons=dict(sorted(reasons.items())),
        kept=sum(c.kept for c in stats.values()),
        predict_s=sum(c.seconds_predict for c in stats.values()),
        score_s=sum(c.seconds_score for c in stats.values()),
        best_score=best,
        front=front,
        indices=tuple(stats),
    )


def _order_columns(frame: pd.DataFrame) -> pd.DataFrame:
    lead = [c for c in layout.LEADING_COLUMNS if c in frame.columns]
    return frame[lead + [c for c in frame.columns if c not in lead]]


def _front_lookup(front: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Candidate ids of the front, sorted, and their Pareto ranks (for ``searchsorted``)."""
    if front.empty:
        return np.zeros(0, np.int64), np.zeros(0, np.int32)
    ids = front["candidate_id"].to_numpy(np.int64)
    sorter = np.argsort(ids, kind="stable")
    return ids[sorter], front["pareto_rank"].to_numpy(np.int32)[sorter]


#: Per-chunk best rows are put together and cut to size once this many chunks have added some.
_MERGE_EVERY = 64


class _Best:
    """The ``n`` best rows by one column among all rows offered, ties ordered as :func:`_top`.

    Each chunk offers its own best rows (and those tied with the last); they are merged and
    cut every :data:`_MERGE_EVERY` chunks and at the end, which selects the same rows as
    merging after every chunk would, at a fraction of the pandas work.
    """

    def __init__(self, empty: pd.DataFrame, n: int, by: str) -> None:
        self.kept, self.n, self.by = empty.copy(), n, by
        self.pending: list[pa.Table] = []

    def offer(self, table: pa.Table, values: np.ndarray, rows: np.ndarray) -> None:
        best = _best_rows(values, rows, self.n)
        if best.size == 0:
            return
        self.pending.append(table.take(pa.array(best)))
        if len(self.pending) >= _MERGE_EVERY:
            self.result()

    def result(self) -> pd.DataFrame:
        if self.pending:
            self.kept = _top(_stack(self.kept, _frame(self.pending)), self.n, self.by)
            self.pending = []
        return self.kept


def _verified_tables(run: RunFolder, indices: tuple[int, ...]) -> Iterator[pa.Table]:
    """The checkpoints in order, each read and checked against its sha256 while the caller
    works on the one before (Parquet decoding and hashing release the GIL)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="anionscreen-read") as reader:
        ahead = reader.submit(run.read_checkpoint, indices[0]) if indices else None
        for position in range(len(indices)):
            assert ahead is not None
            table, _ = ahead.result()
            if position + 1 < len(indices):
                ahead = reader.submit(run.read_checkpoint, indices[position + 1])
            yield table


def _second_pass(
    run: RunFolder, campaign: Campaign, first: _FirstPass, schema: pa.Schema, empty: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write ``candidates.parquet``; return the ``top_n`` by score and the acquisition pool."""
    front_ids, front_ranks = _front_lookup(first.front)
    acq = campaign.acquisition
    top = _Best(empty, campaign.ranking.top_n, "score")
    acq_pool = _Best(empty, acq.pool_size, "acquisition")
    with (
        run.output(layout.CANDIDATES) as tmp,
        pq.ParquetWriter(tmp, schema, use_dictionary=dictionary_columns(schema)) as writer,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="anionscreen-write") as writing,
    ):
        # One chunk is written on its own thread while the next is ranked and its best rows
        # are picked here (Parquet encoding releases the GIL); at most one write is pending.
        pending: Future[None] | None = None
        for table in _verified_tables(run, first.indices):
            table = _without_chunk_rank(table)
            ids = _numbers(table, "candidate_id").astype(np.int64)
            pos = np.searchsorted(front_ids, ids)
            pos_ok = np.minimum(pos, max(len(front_ids) - 1, 0))
            rank = np.zeros(len(ids), dtype=np.int32)
            if len(front_ids):
                hit = (pos < len(front_ids)) & (front_ids[pos_ok] == ids)
                rank[hit] = front_ranks[pos_ok[hit]]
            feasible = _numbers(table, "feasible").astype(bool)
            score = _numbers(table, "score").astype(np.float64)
            value = acquisition_values(
                score, _numbers(table, "score_std").astype(np.float64), acq, first.best_score
            )
            value = np.where(feasible, value, np.nan)
            table = table.append_column("pareto_rank", pa.array(rank)).append_column(
                "acquisition", pa.array(value, type=pa.float64())
            )
            if pending is not None:
                pending.result()
            pending = writing.submit(writer.write_table, _conform(table, schema))
            rows = np.flatnonzero(feasible)
            top.offer(table, score, rows)
            if not acq.include_measured and "known" in table.column_names:
                # A measured composition is not a next experiment (unless asked for).
                rows = rows[~_numbers(table, "known").astype(bool)[rows]]
            acq_pool.offer(table, value, rows)
        if pending is not None:
            pending.result()
    return top.result(), acq_pool.result()


def finalize_run(
    run: RunFolder, campaign: Campaign, summaries: Mapping[int, ChunkSummary] | None = None
) -> FinalizeResult:
    """Write candidates, ranked table, Pareto front and next batch; returns counts and timings.

    ``summaries`` are :func:`summarize_chunk` of checkpoints written in this session (pass 1
    reads the others). Safe to repeat after a kill: every file is written atomically and
    nothing is marked finished here (the caller does that after the report).
    """
    start = time.perf_counter()
    first = _first_pass(run, campaign, summaries or {})
    schema = first.schema.append(pa.field("pareto_rank", pa.int32())).append(
        pa.field("acquisition", pa.float64())
    )
    # Empty tables keep the columns, so a run where nothing is feasible still has queryable
    # (empty) ranked, Pareto and batch files.
    empty = schema.empty_table().to_pandas()
    top, acq_pool = _second_pass(run, campaign, first, schema, empty)
    front = first.front if not first.front.empty else empty.copy()
    ranked = top.iloc[rank_order(top)] if not top.empty else top
    ranked = _order_columns(ranked.assign(rank=np.arange(1, len(ranked) + 1)))
    pareto = front
    if not front.empty:
        pareto = front.iloc[np.lexsort((rank_order(front).argsort(), front["pareto_rank"]))]
        pareto = _order_columns(pareto.reset_index(drop=True))
    batch = _order_columns(select_batch(acq_pool, campaign.acquisition))
    for name, table in (
        (layout.RANKED, ranked),
        (layout.RANKED_CSV, ranked),
        (layout.PARETO, pareto),
        (layout.NEXT_BATCH, batch),
        (layout.NEXT_BATCH_CSV, batch),
    ):
        run.write_table(name, table)
    counts = RunCounts(
        generated=first.generated,
        failed=first.failed,
        failed_reasons=first.failed_reasons,
        kept=first.kept,
        pareto_front=int((front["pareto_rank"] == 1).sum()) if not front.empty else 0,
    )
    return FinalizeResult(
        counts=counts,
        predict_s_worker_total=first.predict_s,
        score_s_worker_total=first.score_s,
        seconds=time.perf_counter() - start,
    )
