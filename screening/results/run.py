"""A run as a notebook sees it: its record, its tables as DataFrames, SQL and the report.

Get one from :func:`anionscreen.screening.open_run` (or as the result of
:func:`~anionscreen.screening.run_campaign`); it reads the run folder on every access, so a
run that is still going shows its progress. ``candidates`` loads every scored candidate into
memory: for large runs ask :meth:`Run.query` for what you need instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.results.citations import Bibliography, run_bibliography
from anionscreen.screening.results.query import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT_S,
    query_run,
)
from anionscreen.screening.results.report import REPORT_PAGE, write_report
from anionscreen.screening.run import layout
from anionscreen.screening.run.records import RunCounts, RunInfo, RunTimings
from anionscreen.screening.run.store import RunError, RunFolder


@dataclass(frozen=True)
class RunSummary:
    """The parts of a run record people look at first (``anionscreen runs show``)."""

    run_id: str
    path: Path
    status: str  # finished, running, or interrupted (killed while running)
    name: str
    created_utc: str
    total_candidates: int
    counts: RunCounts | None
    timings: RunTimings | None
    model_versions: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """As printed: no counts or timings yet is ``{}``."""
        data = asdict(self)
        data["path"] = str(self.path)
        data["counts"] = data["counts"] or {}
        data["timings"] = data["timings"] or {}
        return data


class Run:
    """One campaign run: ``.ranked``, ``.candidates``, ``.query(sql)``, ``.report()``."""

    def __init__(self, folder: RunFolder) -> None:
        self.folder = folder

    def __repr__(self) -> str:
        return f"Run({self.run_id!r}, status={self.folder.state!r})"

    @property
    def run_id(self) -> str:
        """The run's id (its folder name)."""
        return self.folder.run_id

    @property
    def path(self) -> Path:
        """The run folder."""
        return self.folder.path

    @property
    def info(self) -> RunInfo:
        """The run record (``run.json``)."""
        return self.folder.info

    @property
    def finished(self) -> bool:
        """True once every table is written and the run is sealed."""
        return self.folder.finished

    @property
    def campaign(self) -> Campaign:
        """The campaign the run was started with, model versions pinned (validated again)."""
        # Its size was accepted when the run started (with the limit it records).
        return campaign_from_dict(
            self.info.start.campaign, source=f"{self.run_id}/{layout.RUN_JSON}", check_size=False
        )

    def _table(self, name: str) -> pd.DataFrame:
        if not self.finished:
            raise RunError(
                f"run {self.run_id!r} is not finished, so it has no {name}; resume it, or "
                "ask .query(...) for the candidates scored so far"
            )
        return pd.read_parquet(self.folder.file(name))

    @property
    def ranked(self) -> pd.DataFrame:
        """The best ``top_n`` feasible candidates, best first (``rank`` 1, 2, ...)."""
        return self._table(layout.RANKED)

    @property
    def candidates(self) -> pd.DataFrame:
        """Every scored candidate, feasible or not, with Pareto rank and acquisition value."""
        return self._table(layout.CANDIDATES)

    @property
    def pareto(self) -> pd.DataFrame:
        """The Pareto fronts ``1..pareto_depth`` of the feasible candidates."""
        return self._table(layout.PARETO)

    @property
    def next_batch(self) -> pd.DataFrame:
        """The proposed next experiments."""
        return self._table(layout.NEXT_BATCH)

    def query(
        self,
        sql: str | None = None,
        *,
        top: int | None = None,
        where: str | None = None,
        contains: Sequence[str] | None = None,
        sort: str | None = None,
        include_infeasible: bool = False,
        time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
    ) -> pd.DataFrame:
        """Candidates by SQL or by filters (see :func:`~.query.query_run`).

        ``sql`` is a single ``SELECT`` over the views ``candidates``, ``ranked``, ``pareto``
        and ``next_batch``, e.g. ``run.query("SELECT formula, score FROM ranked LIMIT 5")``.
        A query stops with :class:`~.query.QueryError` after ``time_limit_s`` seconds or when
        it needs more than ``memory_limit``.
        """
        return query_run(
            self.folder,
            top=top,
            where=where,
            contains=contains,
            sort=sort,
            sql=sql,
            include_infeasible=include_infeasible,
            time_limit_s=time_limit_s,
            memory_limit=memory_limit,
        )

    def report(self, out_dir: str | Path | None = None) -> Path:
        """The HTML report: the run's own, or a fresh one written into ``out_dir``.

        Without ``out_dir`` this is the report the run wrote into its folder as it finished
        (nothing is written). With ``out_dir`` a new report is drawn from the run's tables, e.g.
        of an older run by a newer anionscreen; ``out_dir`` may not lie inside a finished run.
        """
        if out_dir is not None:
            return write_report(self.folder, Path(out_dir))
        own = self.folder.file(layout.REPORT_DIR) / REPORT_PAGE
        if not own.is_file():
            state = "is finished but" if self.finished else "is not finished, so it"
            raise RunError(
                f"run {self.run_id!r} {state} has no report in {str(own.parent)!r}; resume it "
                "if it is not finished, or write one elsewhere (out_dir=, or --out DIR)"
            )
        return own

    def citations(self) -> Bibliography:
        """What to cite for this run: ``.bibtex()`` or ``.text()`` (``anionscreen cite RUN``)."""
        return run_bibliography(self.folder)

    def summary(self) -> RunSummary:
        """The parts of the run record people look at first."""
        info = self.info
        return RunSummary(
            run_id=self.run_id,
            path=self.path,
            status=self.folder.state,
            name=info.start.name,
            created_utc=info.created_utc,
            total_candidates=info.start.total_candidates,
            counts=info.counts,
            timings=info.timings,
            model_versions=info.start.model_versions,
        )
