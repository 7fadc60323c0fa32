"""The real pipeline from the command line: generators, trained models, screen/query/resume.

One workspace is shared by the module: the first `screen` trains the default models on the
bundled data (as on a fresh install); later commands reuse them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import psutil
import pytest
from typer.testing import CliRunner

from anionscreen.screening.cli import app

CAMPAIGN = """
name = "cli-test"
[[space]]
name = "Li-M-(S,O)-X5"
template = "Li{n} {M} S{1-x} O{x} {X}5"
M = ["Ta", "Nb", "W", "Zr"]
X = ["Cl", "Br"]
x = { start = 0.0, stop = 1.0, step = 0.01 }
n = "balance"

[[objective]]
name = "sigma"

[[objective]]
name = "modulus"
weight = 0.5

[ranking]
top_n = 20

[execution]
chunk_size = 64
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("cli")
    (root / "c.toml").write_text(CAMPAIGN)
    # The default models of a fresh install train on the bundled data; with the external
    # mirror they would train on every dataset (minutes). Unset for this module only.
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ANIONSCREEN_DATA_MIRROR", raising=False)
        yield root


def _invoke(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["-w", str(workspace / "ws"), *args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def reference(workspace: Path) -> Path:
    code, out = _invoke(workspace, "screen", str(workspace / "c.toml"), "--name", "ref")
    assert code == 0, out
    return workspace / "ws" / "campaigns" / "ref"


def test_screen_prints_run_and_top_candidates(workspace: Path, reference: Path) -> None:
    info = json.loads((reference / "run.json").read_text())
    assert info["status"] == "finished"
    assert info["counts"]["generated"] == info["total_candidates"] > 500
    assert set(info["model_versions"]) == {"sigma", "ea", "modulus"}
    hashes = info["dataset_hashes"]
    assert len(hashes["bundled_sha256"]) == 64
    assert hashes["models"]["sigma"]["version"] == info["model_versions"]["sigma"]
    # a fresh install trains on the bundled compilation and the data shipped in the package
    assert hashes["models"]["sigma"]["sources"] == [
        "bundled", "obelix", "mchaffie", "elastic_tensor_2015", "mp_binary_elasticity",
    ]  # fmt: skip
    ranked = pd.read_csv(reference / "ranked.csv")
    code, out = _invoke(workspace, "query", "latest", "--top", "5", "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    assert [r["formula"] for r in rows] == ranked["formula"].head(5).tolist()
    assert {"score", "pareto_rank", "space", "M", "x", "sigma_S_per_cm", "in_domain"} <= set(
        rows[0]
    )


def test_existing_run_is_never_overwritten(workspace: Path, reference: Path) -> None:
    before = (reference / "ranked.csv").read_bytes()
    code, out = _invoke(workspace, "screen", str(workspace / "c.toml"), "--name", "ref")
    assert code == 1
    assert "already exists; runs are never overwritten" in out
    assert (reference / "ranked.csv").read_bytes() == before
    code, out = _invoke(workspace, "screen", "--resume", "ref")
    assert code == 1
    assert "already finished" in out


# The child runs the real command line, but holds still after writing its second checkpoint
# until it is signalled: the signal always lands in the middle of the chunk loop, however
# loaded the machine is (the run could otherwise finish before the signal arrives).
_HOLD_AFTER_TWO_CHUNKS = """
import sys, time
from pathlib import Path
from anionscreen.screening.cli import main
from anionscreen.screening.run.store import RunFolder

held = Path(sys.argv.pop(1))
write = RunFolder.write_checkpoint

def write_then_hold(self, index, table, stats):
    write(self, index, table, stats)
    if index == 1:
        held.touch()
        while True:
            time.sleep(0.05)

RunFolder.write_checkpoint = write_then_hold
sys.argv[0] = "anionscreen"
main()
"""


def _start_like_a_background_job() -> None:
    # A shell without job control starts `cmd &` with SIGINT ignored, and Python keeps it
    # ignored; the command line must still turn SIGINT into a clean, resumable stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=lambda sig: sig.name)
def test_interrupted_cli_run_resumes_to_identical_tables(
    workspace: Path, reference: Path, sig: signal.Signals
) -> None:
    name = f"cut-{sig.name}"
    held = workspace / f"{name}.held"
    env = {k: v for k, v in os.environ.items() if k != "ANIONSCREEN_DATA_MIRROR"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _HOLD_AFTER_TWO_CHUNKS,
            str(held),
            "-w",
            str(workspace / "ws"),
            "screen",
            str(workspace / "c.toml"),
            "--name",
            name,
            "--no-progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_start_like_a_background_job,
    )
    chunks = workspace / "ws" / "campaigns" / name / "chunks"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not held.exists():
            time.sleep(0.01)
        assert held.exists(), proc.communicate(timeout=60)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()  # a child that missed its signal must not outlive the test
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err.decode()
        assert f"Resume with: anionscreen screen --resume {name}" in err.decode()
    else:
        assert proc.returncode == -signal.SIGKILL
    info = json.loads((workspace / "ws" / "campaigns" / name / "run.json").read_text())
    assert info["status"] == "running"
    done = len(list(chunks.glob("chunk-*.parquet")))
    assert done == 2
    assert len(list(chunks.glob("chunk-*.parquet.sha256"))) == 2
    # run.json still says running, but no process holds the run: it was interrupted
    code, out = _invoke(workspace, "runs", "show", name)
    assert code == 0, out
    assert json.loads(out)["status"] == "interrupted"
    # an interrupted run can be queried already, from its checkpoints
    code, out = _invoke(workspace, "query", name, "--all", "--format", "json")
    assert code == 0, out
    assert len(json.loads(out)) == 64 * done
    # a damaged run record elsewhere in the workspace changes nothing for this run
    damaged = workspace / "ws" / "campaigns" / f"damaged-{sig.name}"
    damaged.mkdir()
    (damaged / "run.json").write_text('{"status": "runn')
    try:
        code, out = _invoke(workspace, "runs", "list")
        assert code == 0, out
        rows = [line.split() for line in out.splitlines()]
        assert [f"damaged-{sig.name}", "damaged"] in rows, out
        assert [name, "interrupted"] == next(r for r in rows if r and r[0] == name)[:2], out
        code, out = _invoke(workspace, "screen", "--resume", "latest", "--no-progress")
    finally:
        (damaged / "run.json").unlink()
        damaged.rmdir()
    assert code == 0, out
    assert f"campaigns/{name}" in out  # latest is this run, not the damaged one
    assert "chunks already done" in out
    resumed = workspace / "ws" / "campaigns" / name
    for table in ("ranked.csv", "next_batch.csv", "candidates.parquet"):
        assert (resumed / table).read_bytes() == (reference / table).read_bytes(), table


def test_campaign_without_objectives_uses_the_defaults_and_says_so(
    workspace: Path, reference: Path
) -> None:
    path = workspace / "no_objectives.toml"
    path.write_text(CAMPAIGN.split("[[objective]]")[0].replace("step = 0.01", "step = 0.5"))
    result = CliRunner().invoke(
        app, ["screen", str(path), "--name", "noobj", "--no-progress", "-w", str(workspace / "ws")]
    )
    assert result.exit_code == 0, result.output
    note = (
        "no [[objective]] tables in the campaign: ranking by the default objectives "
        "sigma (weight 1), modulus (weight 0.5), supply_risk (weight 0.2)"
    )
    assert note in result.stderr
    info = json.loads((workspace / "ws" / "campaigns" / "noobj" / "run.json").read_text())
    assert note in info["notes"]
    assert [o["name"] for o in info["campaign"]["objective"]] == ["sigma", "modulus", "supply_risk"]
    # the MP note is one short line, however many systems the campaign has (8 here)
    mp_note = next(n for n in info["notes"] if n.startswith("Materials Project"))
    assert "anionscreen mp fetch --campaign FILE (its 8 systems;" in mp_note
    assert len(mp_note) < 250
    # the tables people read show sigma in mS/cm with its interval in S/cm
    top = result.stdout.split("top ")[1].splitlines()[1].split()
    assert top[:5] == [
        "rank", "formula", "sigma_mS_per_cm", "sigma_S_per_cm_lo", "sigma_S_per_cm_hi",
    ]  # fmt: skip


def test_descriptor_preset_must_match_the_models(workspace: Path, reference: Path) -> None:
    path = workspace / "magpie.toml"
    path.write_text('descriptor_preset = "magpie"\n' + CAMPAIGN)
    code, out = _invoke(workspace, "screen", str(path), "--name", "magpie")
    assert code == 1
    assert "key 'descriptor_preset' = 'magpie': the" in out
    assert "trained on descriptor preset 'composition'" in out
    assert not (workspace / "ws" / "campaigns" / "magpie").exists()


def test_workers_and_dask_cluster_give_identical_tables(workspace: Path, reference: Path) -> None:
    distributed = pytest.importorskip("distributed")
    code, out = _invoke(
        workspace, "screen", str(workspace / "c.toml"), "--name", "joblib", "--workers", "2"
    )
    assert code == 0, out
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code, out = _invoke(
            workspace,
            "screen",
            str(workspace / "c.toml"),
            "--name",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        )
        address = cluster.scheduler_address
    assert code == 0, out
    assert address.startswith("tcp://127.0.0.1:")
    finished_by = {
        "joblib": {"executor": "joblib", "workers": 2},
        "dask": {"executor": "dask", "scheduler": address},
    }
    for name in ("joblib", "dask"):
        run = workspace / "ws" / "campaigns" / name
        assert json.loads((run / "run.json").read_text())["finished_by"] == finished_by[name]
        for table in ("ranked.csv", "next_batch.csv", "candidates.parquet"):
            assert (run / table).read_bytes() == (reference / table).read_bytes(), (name, table)


def test_pinned_model_versions_are_checked(workspace: Path, reference: Path) -> None:
    path = workspace / "pinned.toml"
    path.write_text(CAMPAIGN + '\n[models]\nsigma = "ea-0001"\n')
    code, out = _invoke(workspace, "screen", str(path), "--name", "pinned")
    assert code == 1
    assert "key 'models.sigma' = 'ea-0001': that version is a ea model, not a sigma model" in out
    assert not (workspace / "ws" / "campaigns" / "pinned").exists()


def test_a_python_campaign_in_five_lines_ranks_as_the_cli_does(
    workspace: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A campaign from Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.splitlines()) <= 5
    (workspace / "my.toml").write_text(CAMPAIGN)  # the same file `screen` ran for `reference`
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("ANIONSCREEN_WORKSPACE", str(workspace / "ws"))  # what -w gave the CLI
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md, A campaign from Python", "exec"), namespace)
    run = namespace["run"]
    pd.testing.assert_frame_equal(run.ranked, pd.read_parquet(reference / "ranked.parquet"))
    for table in ("ranked.csv", "next_batch.csv", "candidates.parquet"):
        assert (run.path / table).read_bytes() == (reference / table).read_bytes(), table


def test_measured_compositions_are_marked_and_not_proposed(
    workspace: Path, reference: Path
) -> None:
    candidates = pd.read_parquet(reference / "candidates.parquet")
    known = candidates[candidates["known"]]
    # The space holds the four Li2TaS(1-x)O(x)Cl5 members of the compilation (x = 0, 0.3,
    # 0.6, 0.9, Cl); each comes with its measured conductivity and DOI.
    ltsoc = known[(known["M"] == "Ta") & (known["X"] == "Cl")].sort_values("x")
    assert ltsoc["x"].tolist() == [0.0, 0.3, 0.6, 0.9]
    assert ltsoc["measured_sigma_S_per_cm"].tolist() == pytest.approx(
        [2.7e-4, 8.7e-4, 4.17e-3, 4.29e-3]
    )
    assert ltsoc["measured_source"].str.contains("10.1021/acsmaterialslett.5c01054").all()
    batch = pd.read_csv(reference / "next_batch.csv")
    assert len(batch) > 0
    assert not batch["known"].any()  # by default a measured composition is not proposed
    # with include_measured the measured ones compete like the rest
    text = (
        (workspace / "c.toml").read_text()
        + "\n[acquisition]\ninclude_measured = true\nbatch_size = 2000\npool_size = 2000\nmax_per_family = 2000\nmin_distance = 0.0\n"
    )
    (workspace / "c_known.toml").write_text(text)
    code, out = _invoke(workspace, "screen", str(workspace / "c_known.toml"), "--name", "known")
    assert code == 0, out
    every = pd.read_csv(workspace / "ws" / "campaigns" / "known" / "next_batch.csv")
    assert every["known"].sum() == int(candidates.loc[candidates["feasible"], "known"].sum()) > 0


def test_in_domain_follows_the_objectives(reference: Path) -> None:
    candidates = pd.read_parquet(reference / "candidates.parquet")
    # objectives sigma (at 25 C) and modulus: in domain for both models, Ea not required
    expected = candidates["sigma_in_domain"] & candidates["modulus_in_domain"]
    assert candidates["in_domain"].tolist() == expected.tolist()


def _alive(procs: list[psutil.Process]) -> list[int]:
    out = []
    for proc in procs:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc.pid)
        except psutil.NoSuchProcess:
            pass
    return out


def test_kill_9_of_a_multi_worker_run_leaves_no_worker_alive(
    workspace: Path, reference: Path
) -> None:
    """kill -9 of `screen --workers 2`: its loky workers and resource trackers end too."""
    held = workspace / "workers.held"
    env = {k: v for k, v in os.environ.items() if k != "ANIONSCREEN_DATA_MIRROR"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_AFTER_TWO_CHUNKS, str(held), "-w", str(workspace / "ws"),
         "screen", str(workspace / "c.toml"), "--name", "workers-killed", "--workers", "2",
         "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )  # fmt: skip
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not held.exists():
            time.sleep(0.01)
        assert held.exists(), proc.communicate(timeout=60)
        children = psutil.Process(proc.pid).children(recursive=True)
        workers = [c for c in children if "loky" in " ".join(c.cmdline())]
        assert len(workers) >= 2, [c.cmdline() for c in children]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(children) == [], [" ".join(c.cmdline())[:80] for c in children]
    finally:
        proc.kill()
        for pid in _alive(children):  # only after a failure: nothing may outlive the test
            psutil.Process(pid).kill()


@pytest.fixture(scope="module")
def second_training(workspace: Path, reference: Path) -> Path:
    """The same campaign file in a second fresh workspace: models trained again from scratch."""
    result = CliRunner().invoke(
        app, ["-w", str(workspace / "ws2"), "screen", str(workspace / "c.toml"), "--name", "ref"]
    )
    assert result.exit_code == 0, result.output
    return workspace / "ws2"


@pytest.mark.slow
def test_same_campaign_in_two_fresh_workspaces_is_byte_identical(
    workspace: Path, reference: Path, second_training: Path
) -> None:
    """Training is seeded and predictions serial: tables and model content are identical.

    What may differ: each model.skops file's sha256 (artifact_sha256: skops names the arrays
    in its zip after their memory addresses, and each entry carries the time it was
    written), the cards' ``created`` time, and in run.json the times, timings and paths;
    none of them is a value a table holds.
    """
    again = second_training / "campaigns" / "ref"
    for table in ("ranked.csv", "next_batch.csv", "candidates.parquet", "pareto.parquet"):
        assert (again / table).read_bytes() == (reference / table).read_bytes(), table
    first, second = (json.loads((r / "run.json").read_text()) for r in (reference, again))
    assert second["model_versions"] == first["model_versions"]
    assert second["dataset_hashes"] == first["dataset_hashes"]
    assert second["counts"] == first["counts"]
    for target, version in first["model_versions"].items():
        cards = [
            json.loads((ws / "models" / target / version / "card.json").read_text())
            for ws in (workspace / "ws", second_training)
        ]
        assert cards[0]["content_sha256"] == cards[1]["content_sha256"], target
        assert cards[0]["data_hash"] == cards[1]["data_hash"], target
        assert cards[0]["oof_sha256"] == cards[1]["oof_sha256"], target
        assert cards[0]["metrics"] == cards[1]["metrics"], target
