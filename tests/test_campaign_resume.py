"""kill -9 in the middle of a run, then resume; the same run on a local Dask cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from campaign_fixtures import run_tiny

from anionscreen.screening.execute import ExecutorSpec
from anionscreen.screening.runstore import open_run

FIXTURES = Path(__file__).with_name("campaign_fixtures.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted serial run: its folder."""
    return run_tiny(tmp_path_factory.mktemp("ref"), "ref").path


def _same_results(run_path: Path, reference: Path) -> None:
    for name in ("ranked.csv", "ranked.parquet", "next_batch.csv", "candidates.parquet"):
        assert (run_path / name).read_bytes() == (reference / name).read_bytes(), name


def test_kill_9_then_resume_gives_identical_tables(tmp_path: Path, reference: Path) -> None:
    # 11 chunks at 0.25 s each: kill once at least 3 checkpoints exist, well before the end.
    proc = subprocess.Popen(
        [sys.executable, str(FIXTURES), str(tmp_path), "killed", "0.25"],
        cwd=FIXTURES.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    chunks = tmp_path / "campaigns" / "killed" / "chunks"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if chunks.is_dir() and len(list(chunks.glob("chunk-*.parquet"))) >= 3:
            break
        if proc.poll() is not None:
            pytest.fail(
                f"campaign ended early: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    run = open_run(tmp_path, "killed")
    assert not run.finished
    done_before = len(run.completed_chunks())
    assert 3 <= done_before < 11
    # the killed run can be queried from its checkpoints already
    from anionscreen.screening.query import query_run

    assert len(query_run(run, include_infeasible=True)) == 4 * done_before
    resumed = run_tiny(tmp_path, "killed", resume=True)
    assert resumed.finished
    assert resumed.info["counts"]["generated"] == 44  # no chunk lost or counted twice
    _same_results(resumed.path, reference)


def test_local_dask_cluster_gives_identical_tables(tmp_path: Path, reference: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        spec = ExecutorSpec(scheduler=cluster.scheduler_address)
        run = run_tiny(tmp_path, "dask", executor=spec)
        address = cluster.scheduler_address
    assert run.info["finished_by"] == {"executor": "dask", "scheduler": address}
    _same_results(run.path, reference)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    from anionscreen.datasets.errors import AnionscreenError

    with pytest.raises(AnionscreenError, match=r"cannot reach the Dask scheduler"):
        run_tiny(tmp_path, "nowhere", executor=ExecutorSpec(scheduler="tcp://127.0.0.1:9"))
