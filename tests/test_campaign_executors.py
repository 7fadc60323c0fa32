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


def test_workers_started_for_a_run_that_fails_before_scoring_are_stopped(tmp_path: Path) -> None:
    """`run_campaign(workers=2)` starts its workers while the models load; when loading fails
    (here: pinned versions that do not exist), the error is raised and no worker, loky thread
    or starting thread is left behind."""
    import importlib
    import threading
    import time

    from campaign_fixtures import tiny_campaign

    from anionscreen.datasets.errors import AnionscreenError
    from anionscreen.screening.api import run_campaign

    pinned = {"sigma": "sigma-9999", "ea": "ea-9999", "modulus": "modulus-9999"}
    campaign = tiny_campaign(4, models=pinned)
    with pytest.raises(AnionscreenError, match="sigma-9999"):
        run_campaign(campaign, workspace=tmp_path, workers=2)
    names = {"ExecutorManagerThread", "QueueFeederThread", "anionscreen-start-workers"}
    deadline = time.monotonic() + 10
    while [t for t in threading.enumerate() if t.name in names] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [t.name for t in threading.enumerate() if t.name in names]
    executor = importlib.import_module("joblib.externals.loky.reusable_executor")._executor
    assert executor is None or executor._flags.shutdown
