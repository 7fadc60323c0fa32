"""Executor errors (identical tables on joblib, Dask and after kill -9: test_campaign_cli.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from campaign_fixtures import run_tiny

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.run.execute import ExecutorSpec, check_reachable


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    spec = ExecutorSpec(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0)
    with pytest.raises(AnionscreenError, match=r"cannot reach the Dask scheduler"):
        run_tiny(tmp_path, "nowhere", executor=spec)
    # `screen` checks this first, before training models or making a run folder
    with pytest.raises(AnionscreenError, match=r"cannot reach the Dask scheduler"):
        check_reachable(spec)
    check_reachable(ExecutorSpec(workers=2))  # nothing to reach


def test_executor_spec_rejects_bad_values() -> None:
    with pytest.raises(AnionscreenError, match="--workers must be at least 1; got 0"):
        ExecutorSpec(workers=0)
    with pytest.raises(AnionscreenError, match=r"like tcp://HOST:PORT; got '127\.0\.0\.1:8786'"):
        ExecutorSpec(scheduler="127.0.0.1:8786")
    assert ExecutorSpec(workers=2).describe() == {"executor": "joblib", "workers": 2}
    assert ExecutorSpec().kind == "serial"
