"""Reading runs: a run's tables as DataFrames, SQL over them, and its HTML report.

Uses ``screening.run`` (the run folder) and ``screening.campaign``. Public names load on
first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.screening.results.query import QueryError, query_run
    from anionscreen.screening.results.report import write_report
    from anionscreen.screening.results.run import Run, RunSummary

__all__ = [
    "QueryError",
    "Run",
    "RunSummary",
    "query_run",
    "write_report",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
