"""What a run records about itself, as typed records: ``run.json`` and each chunk's counts.

The JSON written is what these records hold, field for field (``to_json``); ``from_json``
reads it back, so modules exchange these records rather than dictionaries of unknown keys.
A record written before a field existed reads that field as ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

RunStatus = Literal["running", "finished"]
#: The statuses ``run.json`` may hold (a run killed while running still says "running").
RUN_STATUSES: tuple[RunStatus, ...] = ("running", "finished")


@dataclass(frozen=True)
class ChunkStats:
    """The counts of one scored chunk, stored in its checkpoint's Parquet metadata."""

    index: int
    offset: int
    generated: int
    failed: int
    failed_reasons: dict[str, int]
    kept: int
    first_formula: str
    seconds_predict: float
    seconds_score: float

    def to_json(self) -> dict[str, Any]:
        """As stored."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChunkStats:
        """Read what :meth:`to_json` wrote."""
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class RunCounts:
    """How many candidates a run generated, lost to failures, kept feasible, put on the front."""

    generated: int
    failed: int
    failed_reasons: dict[str, int]
    kept: int
    pareto_front: int


@dataclass(frozen=True)
class RunTimings:
    """Where a finished run's time went, in seconds (workers' time summed over workers)."""

    generate_s: float
    predict_s_worker_total: float
    score_s_worker_total: float
    checkpoint_s: float
    chunks_wall_s: float
    finalize_s: float
    report_s: float
    wall_s_this_session: float


@dataclass(frozen=True)
class ModelData:
    """The training data behind one model version, as its registry card records it."""

    version: str
    data_hash: str | None
    sources: list[str] | None


@dataclass(frozen=True)
class DatasetHashes:
    """The data behind a run: the bundled file's sha256 and each model's training data."""

    bundled_sha256: str
    models: dict[str, ModelData]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DatasetHashes:
        """Read what ``asdict`` wrote."""
        models = {t: ModelData(**m) for t, m in data["models"].items()}
        return cls(bundled_sha256=data["bundled_sha256"], models=models)


@dataclass(frozen=True)
class MPData:
    """The Materials Project data a run's window and novelty columns come from.

    ``systems`` are the cached chemical systems read (``chemsys@db_version``; empty when the
    columns are absent); ``missing`` are the systems the spaces need that the cache lacks.
    A run resumes only with the same record, so its chunks are all scored with one data set.
    """

    systems: tuple[str, ...]
    missing: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MPData:
        """Read what ``asdict`` wrote."""
        return cls(systems=tuple(data["systems"]), missing=tuple(data["missing"]))


@dataclass(frozen=True)
class RunStart:
    """What a run is started with: the frozen campaign and everything it used."""

    name: str
    campaign: dict[str, Any]  # the frozen campaign as JSON: resume validates it again
    chunk_size: int
    total_candidates: int
    model_versions: dict[str, str]
    packages: dict[str, str]
    executor: dict[str, object]
    notes: tuple[str, ...] = ()
    dataset_hashes: DatasetHashes | None = None
    mp_data: MPData | None = None
    total_chunks: int | None = None  # how many checkpoints the space makes (None: not recorded)

    def to_json(self) -> dict[str, Any]:
        """As written to ``run.json`` (no dataset hashes is written ``{}``, as it always was)."""
        data = asdict(self)
        data["notes"] = list(self.notes)
        data["dataset_hashes"] = data["dataset_hashes"] or {}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunStart:
        """Read the fields of ``run.json`` this record writes."""
        hashes = data.get("dataset_hashes") or None
        mp = data.get("mp_data")
        return cls(
            name=data["name"],
            campaign=dict(data["campaign"]),
            chunk_size=int(data["chunk_size"]),
            total_candidates=int(data["total_candidates"]),
            model_versions=dict(data["model_versions"]),
            packages=dict(data["packages"]),
            executor=dict(data["executor"]),
            notes=tuple(data.get("notes", ())),
            dataset_hashes=None if hashes is None else DatasetHashes.from_json(hashes),
            mp_data=None if mp is None else MPData.from_json(mp),
            total_chunks=None if data.get("total_chunks") is None else int(data["total_chunks"]),
        )


@dataclass(frozen=True)
class RunInfo:
    """The run record, ``run.json``: which run, what it started with, and how it went."""

    run_id: str
    status: RunStatus
    created_utc: str
    start: RunStart
    counts: RunCounts | None = None
    timings: RunTimings | None = None
    finished_utc: str | None = None
    finished_by: dict[str, object] | None = None

    @property
    def finished(self) -> bool:
        """True once the run has been finalised."""
        return self.status == "finished"

    def to_json(self) -> dict[str, Any]:
        """As written to ``run.json``: one flat object (unset outcome fields are left out)."""
        outcome = {
            "counts": None if self.counts is None else asdict(self.counts),
            "timings": None if self.timings is None else asdict(self.timings),
            "finished_utc": self.finished_utc,
            "finished_by": self.finished_by,
        }
        return {
            "run_id": self.run_id,
            "status": self.status,
            "created_utc": self.created_utc,
            **self.start.to_json(),
            **{key: value for key, value in outcome.items() if value is not None},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunInfo:
        """Read ``run.json``; a missing key raises KeyError, a wrong value ValueError."""
        if not isinstance(data, Mapping):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        if data.get("status") not in RUN_STATUSES:
            raise ValueError(
                f"status {data.get('status')!r} is not one of {', '.join(RUN_STATUSES)}"
            )
        counts = data.get("counts")
        timings = data.get("timings")
        return cls(
            run_id=data["run_id"],
            status=data["status"],
            created_utc=data["created_utc"],
            start=RunStart.from_json(data),
            counts=None if counts is None else RunCounts(**counts),
            timings=None if timings is None else RunTimings(**timings),
            finished_utc=data.get("finished_utc"),
            finished_by=data.get("finished_by"),
        )
