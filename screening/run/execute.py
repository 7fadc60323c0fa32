"""Running a campaign's chunks: serially, with joblib on one machine, or on a Dask cluster.

The main process generates chunks lazily (generation is cheap and deterministic), skips the
chunks a resumed run already has, and ships each remaining chunk to a worker in packed form
(only the element columns the chunk uses). Workers run the :class:`ChunkScorer`, which is
shipped once per worker, not per chunk: joblib workers load it from a file on first use and
keep it; on Dask it is scattered to every worker once and tasks refer to it by key. The main
process writes each returned chunk as a checkpoint. At most a few chunks are in flight at
once, so memory is bounded by the chunk size, whatever the size of the space.

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers, which also switches off
glibc's adaptive mmap threshold, so every large numpy temporary is a fresh mmap whose pages
must be faulted in again, which slows numpy work markedly (benchmarks/RESULTS.md,
"Campaigns", measures it). :func:`_tune_malloc` restores generous thresholds inside a worker
process whenever that variable is set.

joblib workers live as long as the run and die with the process that started it, kill -9
included (:mod:`~anionscreen.screening.run.workers`).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.elements import N_ELEMENTS
from anionscreen.screening.run.records import ChunkStats
from anionscreen.screening.run.scoring import ChunkResult, ChunkScorer
from anionscreen.screening.run.workers import release_workers, wait_for_workers, worker_pool


@dataclass(frozen=True)
class PackedChunk:
    """A chunk reduced to the element columns it uses, for cheap shipping to workers."""

    index: int
    offset: int
    columns: np.ndarray
    fractions: np.ndarray
    oxidation_states: np.ndarray | None
    formulas: np.ndarray
    params: pd.DataFrame
    formula_keys: np.ndarray | None = None

    @classmethod
    def pack(cls, chunk: CompositionChunk, index: int, offset: int) -> PackedChunk:
        """Keep only the columns with a non-zero fraction somewhere in the chunk."""
        columns = np.flatnonzero(chunk.fractions.any(axis=0))
        ox = chunk.oxidation_states
        return cls(
            index=index,
            offset=offset,
            columns=columns,
            fractions=np.ascontiguousarray(chunk.fractions[:, columns]),
            oxidation_states=None if ox is None else np.ascontiguousarray(ox[:, columns]),
            formulas=chunk.formulas,
            params=chunk.params,
            formula_keys=chunk.formula_keys,
        )

    def unpack(self) -> CompositionChunk:
        """The full chunk again (bit-identical fractions and states)."""
        n = len(self.formulas)
        fractions = np.zeros((n, N_ELEMENTS), dtype=np.float64)
        fractions[:, self.columns] = self.fractions
        ox = None
        if self.oxidation_states is not None:
            ox = np.full((n, N_ELEMENTS), np.nan, dtype=np.float64)
            ox[:, self.columns] = self.oxidation_states
        return CompositionChunk(
            fractions=fractions,
            formulas=self.formulas,
            oxidation_states=ox,
            params=self.params,
            formula_keys=self.formula_keys,
        )


@dataclass(frozen=True)
class ChunkSource:
    """The candidates of a campaign: a fresh deterministic chunk iterator, the total, and
    how many chunks the iterator yields (when known)."""

    chunks: Callable[[], Iterable[CompositionChunk]]
    total: int
    total_chunks: int | None = None


@dataclass(frozen=True)
class ExecutorSpec:
    """Where chunks run: ``workers`` processes with joblib, or a Dask ``scheduler`` address."""

    workers: int = 1
    scheduler: str | None = None
    connect_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise AnionscreenError(f"--workers must be at least 1; got {self.workers}")
        if self.scheduler is not None and "://" not in self.scheduler:
            raise AnionscreenError(
                f"--scheduler must be an address like tcp://HOST:PORT; got {self.scheduler!r}"
            )

    def describe(self) -> dict[str, object]:
        """For the run record: the executor kind and its workers or scheduler."""
        if self.scheduler is not None:
            return {"executor": "dask", "scheduler": self.scheduler}
        return {"executor": self.kind, "workers": self.workers}

    @property
    def kind(self) -> str:
        """``"dask"``, ``"joblib"`` or ``"serial"``."""
        if self.scheduler is not None:
            return "dask"
        return "joblib" if self.workers > 1 else "serial"


@cache
def _tune_malloc() -> None:
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    if os.environ.get("ANIONSCREEN_DASK_MALLOC_FIX") == "0":  # benchmarks compare with it off
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)  # glibc's maximum dynamic value
    libc.mallopt(m_trim_threshold, 256 * 1024 * 1024)


def score_packed(scorer: ChunkScorer, packed: PackedChunk) -> ChunkResult:
    """Worker entry point (Dask): unpack one chunk and score it."""
    _tune_malloc()
    return scorer(packed.unpack(), packed.index, packed.offset)


@cache
def _load_scorer(path: str, digest: str) -> ChunkScorer:
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise AnionscreenError(f"worker scorer file {path!r} changed while the run was going")
    scorer = joblib.load(path)
    if not isinstance(scorer, ChunkScorer):
        raise AnionscreenError(f"{path!r} does not hold a ChunkScorer")
    return scorer


def score_packed_from_file(path: str, digest: str, packed: PackedChunk) -> ChunkResult:
    """Worker entry point (joblib): the scorer is loaded once per worker process."""
    return score_packed(_load_scorer(path, digest), packed)


def iter_results(
    tasks: Iterable[PackedChunk], scorer: ChunkScorer, spec: ExecutorSpec
) -> Iterator[ChunkResult]:
    """Score packed chunks; results come back in completion order."""
    if spec.kind == "serial":
        for packed in tasks:
            yield scorer(packed.unpack(), packed.index, packed.offset)
    elif spec.kind == "joblib":
        yield from _joblib_results(tasks, scorer, spec.workers)
    else:
        assert spec.scheduler is not None
        yield from _dask_results(tasks, scorer, spec.scheduler, spec.connect_timeout_s)


def _joblib_results(
    tasks: Iterable[PackedChunk], scorer: ChunkScorer, workers: int
) -> Iterator[ChunkResult]:
    with tempfile.TemporaryDirectory(prefix="anionscreen-scorer-") as tmp:
        path = os.path.join(tmp, "scorer.joblib")
        joblib.dump(scorer, path)
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        wait_for_workers()  # those started early (start_workers) are the pool's
        parallel = worker_pool(workers)
        try:
            yield from parallel(
                joblib.delayed(score_packed_from_file)(path, digest, packed) for packed in tasks
            )
        except BaseException:
            release_workers(wait=False)
            raise
        release_workers(wait=True)


def _connect(address: str, timeout_s: float) -> Any:
    # distributed is only partly typed; treat it as dynamic rather than silence each call.
    dist: Any = importlib.import_module("distributed")
    try:
        return dist.Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise AnionscreenError(f"cannot reach the Dask scheduler at {address!r}: {err}") from None


def check_reachable(spec: ExecutorSpec) -> None:
    """Connect to the Dask scheduler once, so a wrong address fails before any work."""
    if spec.scheduler is not None:
        _connect(spec.scheduler, spec.connect_timeout_s).close()


def _dask_results(
    tasks: Iterable[PackedChunk], scorer: ChunkScorer, address: str, timeout_s: float
) -> Iterator[ChunkResult]:
    dist: Any = importlib.import_module("distributed")
    client = _connect(address, timeout_s)
    try:
        workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
        remote_scorer = client.scatter(scorer, broadcast=True, hash=False)
        window = 2 * workers + 1
        pending = dist.as_completed(loop=client.loop)
        iterator = iter(tasks)
        for packed in iterator:
            pending.add(client.submit(score_packed, remote_scorer, packed, pure=False))
            if pending.count() >= window:
                break
        for future in pending:
            result: ChunkResult = future.result()
            future.release()
            nxt = next(iterator, None)
            if nxt is not None:
                pending.add(client.submit(score_packed, remote_scorer, nxt, pure=False))
            yield result
    finally:
        client.close()


@dataclass
class Stopwatch:
    """Seconds spent in one kind of work, added up across calls."""

    seconds: float = 0.0


def pack_remaining(
    chunks: Iterable[CompositionChunk],
    done: Mapping[int, ChunkStats],
    generating: Stopwatch,
) -> Iterator[PackedChunk]:
    """Number and pack the chunks not in ``done``, checking done ones still match.

    A checkpointed chunk must have the same size and first formula as the regenerated one;
    otherwise the generator changed and resuming would mix two spaces. A checkpoint numbered
    beyond the last chunk is no chunk of this run (raised once the chunks are all generated).
    """
    offset = generated = 0
    start = time.perf_counter()
    for index, chunk in enumerate(chunks):
        previous = done.get(index)
        if previous is not None:
            first = str(chunk.formulas[0]) if len(chunk) else ""
            if previous.generated != len(chunk) or previous.first_formula != first:
                raise AnionscreenError(
                    f"chunk {index} regenerated with {len(chunk)} rows starting {first!r}, but "
                    f"its checkpoint has {previous.generated} starting "
                    f"{previous.first_formula!r}; the space or generator changed, so this "
                    "run cannot be resumed"
                )
        else:
            packed = PackedChunk.pack(chunk, index, offset)
            generating.seconds += time.perf_counter() - start
            yield packed
            start = time.perf_counter()
        offset += len(chunk)
        generated = index + 1
    generating.seconds += time.perf_counter() - start
    stray = sorted(i for i in done if i >= generated)
    if stray:
        raise AnionscreenError(
            f"checkpoint chunks/chunk-{stray[0]:06d}.parquet is not a chunk of this run: the "
            f"space has {generated} chunks (0 to {generated - 1}); remove that file and resume"
        )
