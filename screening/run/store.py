"""Immutable, self-describing run folders under ``<workspace>/campaigns/<run-id>/``.

A run folder holds ``run.json`` (status, the frozen campaign, model versions, dataset hashes,
package versions, counts and timings), ``campaign.toml`` (the text as given), per-chunk
checkpoints ``chunks/chunk-NNNNNN.parquet`` while it runs (each written to a temporary file
and renamed into place, so a kill -9 at any moment leaves either the whole chunk or nothing,
with the chunk's counts stored in its Parquet metadata), ``manifest.json`` (the finished
chunks), and at the end ``candidates.parquet``, ``ranked.parquet``/``.csv``,
``pareto.parquet``, ``next_batch.parquet``/``.csv`` and ``report/``. Once ``run.json`` says
``finished``, every write raises and the files are made read-only. A run folder that exists
is never overwritten.
"""

from __future__ import annotations

import json
import platform
import re
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import TEMPORARY_SUFFIX, atomic_output, atomic_write_bytes
from anionscreen.datasets.files import package_versions as installed_versions

CHUNK_META_KEY = b"anionscreen.chunk"
_CHUNK_FILE = re.compile(r"^chunk-(\d{6,})\.parquet$")
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


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run's results depend on."""
    return {"python": platform.python_version(), **installed_versions(_PACKAGES)}


def runs_root(workspace: Path) -> Path:
    """The folder holding every run of a workspace."""
    return workspace / "campaigns"


class Run:
    """One run folder. Use :func:`create_run` or :func:`open_run` to get one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not (path / "run.json").is_file():
            raise RunError(f"{str(path)!r} is not a run folder (no run.json)")

    @property
    def run_id(self) -> str:
        """The folder name."""
        return self.path.name

    @property
    def info(self) -> dict[str, Any]:
        """Contents of ``run.json``."""
        data: dict[str, Any] = json.loads((self.path / "run.json").read_text(encoding="utf-8"))
        return data

    @property
    def finished(self) -> bool:
        """True once the run has been finalised."""
        return bool(self.info.get("status") == "finished")

    @property
    def chunks_dir(self) -> Path:
        """Where checkpoints live while the run is going."""
        return self.path / "chunks"

    def _writable(self) -> None:
        if self.finished:
            raise RunError(f"run {self.run_id!r} is finished and immutable; start a new run")

    def update_info(self, **fields: Any) -> None:
        """Merge ``fields`` into ``run.json`` (atomic)."""
        self._writable()
        info = self.info | fields
        atomic_write_bytes(self.path / "run.json", _json_bytes(info))

    def write_json(self, name: str, data: Any) -> Path:
        """Write a JSON file into the run (atomic)."""
        self._writable()
        path = self.path / name
        atomic_write_bytes(path, _json_bytes(data))
        return path

    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        """Write a DataFrame as Parquet (atomic); ``.csv`` names write CSV."""
        self._writable()
        path = self.path / name
        if name.endswith(".csv"):
            atomic_write_bytes(path, table.to_csv(index=False, float_format="%.10g").encode())
        else:
            with atomic_output(path) as tmp:
                pq.write_table(pa.Table.from_pandas(table, preserve_index=False), tmp)
        return path

    def checkpoint_path(self, index: int) -> Path:
        """The checkpoint file of chunk ``index``."""
        return self.chunks_dir / f"chunk-{index:06d}.parquet"

    def write_checkpoint(
        self, index: int, table: pa.Table | pd.DataFrame, stats: dict[str, Any]
    ) -> None:
        """Store one scored chunk with its counts; all or nothing even under kill -9."""
        self._writable()
        arrow = (
            table
            if isinstance(table, pa.Table)
            else pa.Table.from_pandas(table, preserve_index=False)
        )
        meta = dict(arrow.schema.metadata or {})
        meta[CHUNK_META_KEY] = json.dumps(stats, sort_keys=True).encode()
        with atomic_output(self.checkpoint_path(index)) as tmp:
            pq.write_table(arrow.replace_schema_metadata(meta), tmp)

    def completed_chunks(self) -> dict[int, dict[str, Any]]:
        """Index -> counts of every checkpointed chunk (read from the files themselves)."""
        out: dict[int, dict[str, Any]] = {}
        if not self.chunks_dir.is_dir():
            return out
        for path in self.chunks_dir.iterdir():
            match = _CHUNK_FILE.match(path.name)
            if match is None:
                continue
            meta = pq.read_schema(path).metadata or {}
            out[int(match.group(1))] = json.loads(meta[CHUNK_META_KEY])
        return dict(sorted(out.items()))

    def remove_stale_temporaries(self) -> int:
        """Delete half-written temporary files left by a killed process; returns how many."""
        self._writable()
        removed = 0
        for folder in (self.path, self.chunks_dir):
            if folder.is_dir():
                # Every file of a run is written by datasets.files.atomic_output.
                for path in folder.glob(f".*{TEMPORARY_SUFFIX}"):
                    path.unlink()
                    removed += 1
        return removed

    def mark_finished(self, **fields: Any) -> None:
        """Record the final fields, set status finished and make every file read-only."""
        self.update_info(status="finished", finished_utc=_now(), **fields)
        for path in self.path.rglob("*"):
            if path.is_file():
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()


def create_run(
    workspace: Path, campaign_name: str, info: dict[str, Any], run_id: str | None = None
) -> Run:
    """Make a new run folder; an existing folder is never reused or overwritten.

    Without ``run_id`` the id is ``<UTC time>-<campaign name>`` (with ``-2``, ``-3``, ...
    appended if two runs start in the same second). An explicit ``run_id`` that exists raises.
    """
    root = runs_root(workspace)
    root.mkdir(parents=True, exist_ok=True)
    if run_id is not None:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", run_id):
            raise RunError(f"run name {run_id!r} must be letters, digits, '.', '_' or '-'")
        candidates = [run_id]
    else:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"{stamp}-{campaign_name}"
        candidates = [base] + [f"{base}-{k}" for k in range(2, 1000)]
    for candidate in candidates:
        path = root / candidate
        try:
            path.mkdir()  # atomic: fails if another process made it first
        except FileExistsError:
            continue
        (path / "chunks").mkdir()
        created = {"run_id": candidate, "status": "running", "created_utc": _now()}
        atomic_write_bytes(path / "run.json", _json_bytes(created | info))
        return Run(path)
    raise RunError(
        f"run folder {str(root / candidates[0])!r} already exists; runs are never overwritten "
        "(choose another --name, or --resume it)"
    )


def list_runs(workspace: Path) -> list[Run]:
    """Every run of the workspace, oldest first."""
    root = runs_root(workspace)
    if not root.is_dir():
        return []
    runs = [Run(p) for p in root.iterdir() if (p / "run.json").is_file()]
    return sorted(runs, key=lambda r: (str(r.info.get("created_utc", "")), r.run_id))


def open_run(workspace: Path, run: str) -> Run:
    """A run by id, by path, or ``"latest"`` (the most recently created)."""
    if run == "latest":
        runs = list_runs(workspace)
        if not runs:
            raise RunError(f"no runs in {str(runs_root(workspace))!r}; run `anionscreen screen`")
        return runs[-1]
    as_path = Path(run)
    if (as_path / "run.json").is_file():
        return Run(as_path.resolve())
    path = runs_root(workspace) / run
    if not (path / "run.json").is_file():
        known = ", ".join(r.run_id for r in list_runs(workspace)[-5:]) or "none"
        raise RunError(f"no run {run!r} in {str(runs_root(workspace))!r} (recent: {known})")
    return Run(path)
