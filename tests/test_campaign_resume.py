"""The same run on a local Dask cluster (kill -9 and resume: test_campaign_cli.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from campaign_fixtures import run_tiny

from anionscreen.screening.execute import ExecutorSpec


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted serial run: its folder."""
    return run_tiny(tmp_path_factory.mktemp("ref"), "ref").path


def _same_results(run_path: Path, reference: Path) -> None:
    for name in ("ranked.csv", "ranked.parquet", "next_batch.csv", "candidates.parquet"):
        assert (run_path / name).read_bytes() == (reference / name).read_bytes(), name


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

    spec = ExecutorSpec(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0)
    with pytest.raises(AnionscreenError, match=r"cannot reach the Dask scheduler"):
        run_tiny(tmp_path, "nowhere", executor=spec)
