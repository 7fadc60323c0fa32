"""Immutable, self-describing run folders under ``<workspace>/campaigns/<run-id>/``.

A :class:`RunFolder` is the only writer of a run's files (their names are in
:mod:`~anionscreen.screening.run.layout`). Every file is written atomically
(:func:`~anionscreen.datasets.files.atomic_output`), so a kill -9 at any moment leaves either
the whole file or nothing; a checkpoint carries its chunk's counts in its Parquet metadata and
its sha256 beside it (:mod:`~anionscreen.screening.run.checkpoints`), so the checkpoints
themselves say which chunks are done, and a damaged one is refused by name. A run whose
``run.json`` cannot be read is *damaged*: listed as such, refused by name, never "latest".
Once ``run.json`` says ``finished``, every write raises and the files are made read-only. A
run folder that exists is never overwritten.
"""

from __future__ import annotations

import json
import platform
import stat
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import (
    CSV_FLOAT_FORMAT,
    TEMPORARY_SUFFIX,
    atomic_output,
    atomic_write_bytes,
)
from anionscreen.datasets.files import package_versions as installed_versions
from anionscreen.screening.run import layout
from anionscreen.screening.run.checkpoints import (
    checkpoint_files,
    checkpoint_stats,
    read_checkpoint,
    write_checkpoint,
)
from anionscreen.screening.run.locks import LockHeldError, hold, is_held
from anionscreen.screening.run.records import ChunkStats, RunCounts, RunInfo, RunStart, RunTimings

_PACKAGES = (
    "anionscreen",
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "pymatgen",
    "matminer",
    "joblib",
    "dask",
    "distributed",
    "duckdb",
)


class RunError(AnionscreenError):
    """A run folder cannot be created, found or written."""


class DamagedRunError(RunError):
    """A run whose ``run.json`` cannot be read, or not as a run record."""


#: What :attr:`RunFolder.state` can say: ``run.json``'s status, unless the run says it is
#: running but no process holds it (killed: "interrupted") or its record is unreadable.
RunState = Literal["running", "interrupted", "finished", "damaged"]


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run's results depend on."""
    return {"python": platform.python_version(), **installed_versions(_PACKAGES)}


def runs_root(workspace: Path) -> Path:
    """The folder holding every run of a workspace."""
    return workspace / layout.RUNS_FOLDER


class RunFolder:
    """One run folder. Use :func:`create_run` or :func:`find_run` to get one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not (path / layout.RUN_JSON).is_file():
            raise RunError(f"{str(path)!r} is not a run folder (no {layout.RUN_JSON})")

    @property
    def run_id(self) -> str:
        """The folder name."""
        return self.path.name

    @property
    def info(self) -> RunInfo:
        """The run record, read from ``run.json``; :class:`DamagedRunError` if unreadable."""
        file = self.path / layout.RUN_JSON
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as err:
            raise self._damaged(f"cannot be read ({err.strerror})") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise self._damaged(f"not valid JSON ({err})") from None
        try:
            return RunInfo.from_json(data)
        except KeyError as err:
            raise self._damaged(f"not a run record (no key {err})") from None
        except (TypeError, ValueError, AttributeError) as err:
            raise self._damaged(f"not a run record ({err})") from None

    def _damaged(self, reason: str) -> DamagedRunError:
        file = self.path / layout.RUN_JSON
        return DamagedRunError(
            f"run {self.run_id!r} is damaged: {str(file)!r}: {reason}; "
            "its results cannot be trusted without it (restore the file from a backup, or "
            "remove the run folder)"
        )

    @property
    def state(self) -> RunState:
        """``finished``, ``running`` (a process holds it now), ``interrupted`` (it says
        running but no process holds it: killed) or ``damaged`` (``run.json`` unreadable)."""
        try:
            info = self.info
        except DamagedRunError:
            return "damaged"
        if info.finished:
            return "finished"
        return "running" if self.held() else "interrupted"

    def held(self) -> bool:
        """Whether a process holds the run's lock now, i.e. is executing it.

        Only asks: the lock file is opened read-only and nothing in the workspace is written.
        """
        return is_held(self._lock_path)

    @property
    def _lock_path(self) -> Path:
        return self.path.parent / layout.lock_name(self.run_id)

    @property
    def finished(self) -> bool:
        """True once the run has been finalised."""
        return self.info.finished

    @property
    def chunks_dir(self) -> Path:
        """Where checkpoints live while the run is going."""
        return self.path / layout.CHUNKS_DIR

    def file(self, name: str) -> Path:
        """The path of one of the run's files (a name from :mod:`.layout`)."""
        return self.path / name

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the run for this process; raises :class:`RunError` while another holds it.

        The lock file sits beside the run folder (which stays as the run wrote it), and the
        OS releases it when a process dies, so a run killed with kill -9 can be resumed at once.
        """
        try:
            with hold(self._lock_path):
                yield
        except LockHeldError:
            raise RunError(
                f"run {self.run_id!r} is being executed by another process; wait for it to "
                "finish, or stop it and resume"
            ) from None

    def _writable(self) -> None:
        if self.finished:
            raise RunError(f"run {self.run_id!r} is finished and immutable; start a new run")

    def output(self, name: str) -> AbstractContextManager[Path]:
        """A temporary path to write the run's file ``name`` to (see ``atomic_output``)."""
        self._writable()
        return atomic_output(self.path / name)

    def _write_info(self, info: RunInfo) -> None:
        self._writable()
        atomic_write_bytes(self.path / layout.RUN_JSON, _json_bytes(info.to_json()))

    def record_counts(self, counts: RunCounts) -> None:
        """Store the final counts (before the report, which shows them)."""
        self._write_info(replace(self.info, counts=counts))

    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        """Write a DataFrame as Parquet (atomic); ``.csv`` names write CSV (7 significant digits)."""
        with self.output(name) as tmp:
            if name.endswith(".csv"):
                text = table.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
                tmp.write_bytes(text.encode())
            else:
                pq.write_table(pa.Table.from_pandas(table, preserve_index=False), tmp)
        return self.path / name

    def write_manifest(self, done: Mapping[int, ChunkStats]) -> None:
        """``manifest.json``: how many chunks and candidates are done, for people watching."""
        manifest = {
            "chunks_done": len(done),
            "candidates_done": sum(s.generated for s in done.values()),
            "chunks": {str(k): {"rows": v.generated, "kept": v.kept} for k, v in done.items()},
        }
        with self.output(layout.MANIFEST_JSON) as tmp:
            tmp.write_bytes(_json_bytes(manifest))

    def checkpoint_path(self, index: int) -> Path:
        """The checkpoint file of chunk ``index``."""
        return self.chunks_dir / layout.checkpoint_name(index)

    def write_checkpoint(self, index: int, table: pa.Table, stats: ChunkStats) -> None:
        """Store one scored chunk with its counts and sha256; all or nothing under kill -9."""
        self._writable()
        write_checkpoint(self.chunks_dir, index, table, stats)

    def checkpoint_files(self) -> dict[int, Path]:
        """Index -> path of every checkpoint (a file beyond the run's chunk count raises)."""
        return checkpoint_files(self.chunks_dir, self.info.start.total_chunks)

    def completed_chunks(self) -> dict[int, ChunkStats]:
        """Index -> counts of every checkpointed chunk, each file checked against its sha256.

        Raises :class:`~.checkpoints.CheckpointError` naming the first checkpoint that is
        damaged, has no recorded hash or is not one of this run's chunks.
        """
        return {i: checkpoint_stats(p, i) for i, p in self.checkpoint_files().items()}

    def read_checkpoint(self, index: int) -> tuple[pa.Table, ChunkStats]:
        """The rows and counts of chunk ``index``, checked against its sha256."""
        return read_checkpoint(self.checkpoint_path(index), index)

    def candidate_files(self) -> list[Path]:
        """The Parquet files holding the scored candidates: the final table, else checkpoints
        (each verified against its sha256 first)."""
        final = self.path / layout.CANDIDATES
        if final.is_file():
            return [final]
        return [self.checkpoint_path(index) for index in self.completed_chunks()]

    def remove_stale_temporaries(self) -> int:
        """Delete half-written temporary files left by a killed process; returns how many."""
        self._writable()
        removed = 0
        for folder in (self.path, self.chunks_dir):
            if folder.is_dir():
                for path in folder.glob(f".*{TEMPORARY_SUFFIX}"):
                    path.unlink()
                    removed += 1
        return removed

    def mark_finished(
        self, counts: RunCounts, timings: RunTimings, finished_by: dict[str, object]
    ) -> None:
        """Record the outcome, set status finished and make every file read-only."""
        done = replace(
            self.info,
            status="finished",
            finished_utc=_now(),
            counts=counts,
            timings=timings,
            finished_by=finished_by,
        )
        self._write_info(done)
        for path in self.path.rglob("*"):
            if path.is_file():
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()


def create_run(
    workspace: Path, start: RunStart, campaign_text: str, run_id: str | None = None
) -> RunFolder:
    """Make a new run folder; an existing folder is never reused or overwritten.

    Without ``run_id`` the id is ``<UTC time>-<campaign name>`` (with ``-2``, ``-3``, ...
    appended if two runs start in the same second). An explicit ``run_id`` that exists raises.
    """
    root = runs_root(workspace)
    root.mkdir(parents=True, exist_ok=True)
    if run_id is not None:
        if not layout.RUN_ID.match(run_id):
            raise RunError(f"run name {run_id!r} must be letters, digits, '.', '_' or '-'")
        candidates = [run_id]
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"{stamp}-{start.name}"
        candidates = [base] + [f"{base}-{k}" for k in range(2, 1000)]
    for candidate in candidates:
        path = root / candidate
        try:
            path.mkdir()  # atomic: fails if another process made it first
        except FileExistsError:
            continue
        (path / layout.CHUNKS_DIR).mkdir()
        info = RunInfo(run_id=candidate, status="running", created_utc=_now(), start=start)
        atomic_write_bytes(path / layout.CAMPAIGN_TOML, campaign_text.encode())
        atomic_write_bytes(path / layout.RUN_JSON, _json_bytes(info.to_json()))
        return RunFolder(path)
    raise RunError(
        f"run folder {str(root / candidates[0])!r} already exists; runs are never overwritten "
        "(choose another --name, or --resume it)"
    )


def _created(run: RunFolder) -> str | None:
    try:
        return run.info.created_utc
    except DamagedRunError:
        return None


def list_runs(workspace: Path) -> list[RunFolder]:
    """Every run of the workspace, oldest first; damaged runs (no creation time) come first."""
    root = runs_root(workspace)
    if not root.is_dir():
        return []
    runs = [RunFolder(p) for p in root.iterdir() if (p / layout.RUN_JSON).is_file()]
    created = {run.run_id: _created(run) for run in runs}
    return sorted(
        runs, key=lambda r: (created[r.run_id] is not None, created[r.run_id] or "", r.run_id)
    )


def find_run(workspace: Path, run: str) -> RunFolder:
    """A run by id, by path, or ``"latest"`` (the most recently created)."""
    if run == "latest":
        runs = list_runs(workspace)
        readable = [r for r in runs if _created(r) is not None]
        if not readable:
            damaged = ", ".join(r.run_id for r in runs)
            raise RunError(
                f"no runs in {str(runs_root(workspace))!r}; run `anionscreen screen`"
                + (f" (damaged, not counted: {damaged})" if damaged else "")
            )
        return readable[-1]
    as_path = Path(run)
    if (as_path / layout.RUN_JSON).is_file():
        return RunFolder(as_path.resolve())
    path = runs_root(workspace) / run
    if not (path / layout.RUN_JSON).is_file():
        known = ", ".join(r.run_id for r in list_runs(workspace)[-5:]) or "none"
        raise RunError(f"no run {run!r} in {str(runs_root(workspace))!r} (recent: {known})")
    return RunFolder(path)
