"""Reading runs: a run's tables as DataFrames, SQL over them, its HTML report and citations.

Uses ``screening.run`` (the run folder) and ``screening.campaign``. Public names load on
first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.screening.results.citations import (
        Bibliography,
        package_bibliography,
        run_bibliography,
    )
    from anionscreen.screening.results.columns import ColumnMeaning, describe_columns
    from anionscreen.screening.results.query import QueryError, query_run
    from anionscreen.screening.results.report import write_report
    from anionscreen.screening.results.run import Run, RunSummary

__all__ = [
    "Bibliography",
    "ColumnMeaning",
    "QueryError",
    "Run",
    "RunSummary",
    "describe_columns",
    "package_bibliography",
    "query_run",
    "run_bibliography",
    "write_report",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
