"""Run folders, the chunk loop on a tiny real pipeline, queries and the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from campaign_fixtures import make_chunks, new_run, run_tiny, source, space_rows
from typer.testing import CliRunner

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli import app
from anionscreen.screening.results.query import QueryError, query_run
from anionscreen.screening.run.execute import ExecutorSpec, PackedChunk
from anionscreen.screening.run.store import RunError, create_run, list_runs, open_run


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    workspace = tmp_path_factory.mktemp("ws")
    run_tiny(workspace, "base")
    return workspace, "base"


def test_existing_run_dir_is_never_overwritten(tmp_path: Path) -> None:
    run = create_run(tmp_path, "c", {"note": "first"}, run_id="r1")
    before = (run.path / "run.json").read_bytes()
    with pytest.raises(RunError, match="already exists; runs are never overwritten"):
        create_run(tmp_path, "c", {"note": "second"}, run_id="r1")
    assert (run.path / "run.json").read_bytes() == before
    # automatic ids never collide either
    a = create_run(tmp_path, "c", {})
    b = create_run(tmp_path, "c", {})
    assert a.path != b.path
    assert b.run_id.startswith(a.run_id)


def test_finished_run_is_immutable(finished: tuple[Path, str]) -> None:
    run = open_run(*finished)
    assert run.finished
    with pytest.raises(RunError, match="'base' is finished and immutable"):
        run.write_table("ranked.csv", pd.DataFrame({"a": [1]}))
    with pytest.raises(RunError, match="immutable"):
        run.write_checkpoint(0, pd.DataFrame({"a": [1]}), {})
    modes = {p.name: p.stat().st_mode & 0o777 for p in run.path.iterdir() if p.is_file()}
    assert all(mode & 0o222 == 0 for mode in modes.values()), modes  # (root ignores it)
    assert modes["ranked.csv"] == modes["ranked.parquet"]  # the CSV is as readable


def test_run_record_describes_the_run(finished: tuple[Path, str]) -> None:
    run = open_run(*finished)
    info = run.info
    assert info["counts"] == {
        "generated": 44,
        "failed": 0,
        "failed_reasons": {},
        "kept": 30,
        "pareto_front": 2,
    }
    assert info["model_versions"] == {"sigma": "tiny-1", "ea": "tiny-1", "modulus": "tiny-1"}
    assert info["campaign"]["name"] == "tiny"
    assert info["chunk_size"] == 4
    assert {"numpy", "pandas", "scikit-learn", "python"} <= set(info["packages"])
    assert {"generate_s", "finalize_s", "chunks_wall_s"} <= set(info["timings"])
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["chunks_done"] == 11
    assert manifest["candidates_done"] == 44
    assert (run.path / "campaign.toml").read_text() == "# tiny\n"
    assert not run.chunks_dir.exists()  # merged into candidates.parquet


def test_tables_are_consistent(finished: tuple[Path, str]) -> None:
    run = open_run(*finished)
    candidates = pd.read_parquet(run.path / "candidates.parquet")
    assert len(candidates) == 44
    assert candidates["candidate_id"].tolist() == list(range(44))
    # the floor 1e-3 S/cm removes exactly the rows predicted below it
    assert (~candidates["feasible"]).sum() == (candidates["log10_sigma_S_per_cm"] < -3).sum() == 14
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    assert ranked["rank"].tolist() == list(range(1, 11))
    best = candidates[candidates["feasible"]].sort_values("score", ascending=False)
    assert ranked["formula"].tolist() == best["formula"].head(10).tolist()
    assert np.all(np.diff(ranked["score"]) <= 0)
    pareto = pd.read_parquet(run.path / "pareto.parquet")
    front = pareto.loc[pareto["pareto_rank"] == 1, "formula"].tolist()
    assert sorted(front) == sorted(candidates.loc[candidates["pareto_rank"] == 1, "formula"])
    batch = pd.read_parquet(run.path / "next_batch.parquet")
    assert len(batch) == 4
    assert batch.groupby(["M", "X"]).size().max() == 1  # max_per_family = 1


def test_query_api(finished: tuple[Path, str]) -> None:
    run = open_run(*finished)
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    top = query_run(run, top=5)
    assert top["formula"].tolist() == ranked["formula"].head(5).tolist()
    nb = query_run(run, where="M = 'Nb' AND x >= 0.5 AND X_sym = 'Br'")
    assert set(nb["M"]) == {"Nb"}
    assert set(nb["X_sym"]) == {"Br"}
    assert nb["x"].min() >= 0.5
    assert len(nb) == 6  # x = 0.5 ... 1.0
    br = query_run(run, contains=["Br", "Ta"], include_infeasible=True)
    assert len(br) == 11
    assert all("Br" in f and "Ta" in f for f in br["formula"])
    soft = query_run(run, sort="modulus_GPa", top=3)
    assert soft["modulus_GPa"].is_monotonic_increasing
    counted = query_run(run, sql="SELECT M, count(*) AS n FROM candidates GROUP BY M ORDER BY M")
    assert counted.to_dict("records") == [{"M": "Nb", "n": 22}, {"M": "Ta", "n": 22}]
    with pytest.raises(QueryError, match="--sort: unknown column 'nope'"):
        query_run(run, sort="nope")
    with pytest.raises(QueryError, match="--contains: unknown element 'Qq'"):
        query_run(run, contains=["Qq"])
    with pytest.raises(QueryError, match="query failed"):
        query_run(run, where="no_such_column > 1")


def test_queries_cannot_write_or_read_other_files(finished: tuple[Path, str]) -> None:
    run = open_run(*finished)
    target = run.path / "ranked.csv"
    before = target.read_bytes()
    copy = f"COPY (SELECT 42 AS x) TO '{target}' (HEADER)"
    with pytest.raises(QueryError, match="single SELECT statement; got SELECT, COPY, SELECT"):
        query_run(run, sql=f"SELECT 1 AS a) AS q; {copy}; SELECT * FROM (SELECT 1 AS a")
    with pytest.raises(QueryError, match="single SELECT statement; got SELECT, COPY, SELECT"):
        query_run(run, where=f"true); {copy}; SELECT * FROM candidates WHERE (true")
    with pytest.raises(QueryError, match="query failed: Parser Error"):
        query_run(run, sql=copy)
    assert target.read_bytes() == before
    with pytest.raises(QueryError, match="file system operations are disabled"):
        query_run(run, sql=f"SELECT * FROM read_csv('{run.path / 'campaign.toml'}')")


def test_cli_query_runs_and_report(finished: tuple[Path, str], tmp_path: Path) -> None:
    workspace, _ = finished
    runner = CliRunner()
    out = runner.invoke(
        app, ["-w", str(workspace), "query", "latest", "--top", "2", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    ranked = pd.read_parquet(workspace / "campaigns" / "base" / "ranked.parquet")
    assert [r["formula"] for r in rows] == ranked["formula"].head(2).tolist()
    assert rows[0]["score"] == pytest.approx(ranked["score"].iloc[0])
    csv = runner.invoke(
        app, ["-w", str(workspace), "query", "base", "--top", "1", "--format", "csv"]
    )
    assert csv.output.splitlines()[0].startswith("formula,score")
    table = runner.invoke(app, ["-w", str(workspace), "query", "base", "--top", "2"])
    assert table.output.splitlines()[0].split()[:3] == ["formula", "score", "score_std"]
    assert table.output.rstrip().endswith("--format csv or --format json shows them)")
    none = runner.invoke(app, ["-w", str(workspace), "query", "base", "--where", "false"])
    assert none.output == "(no rows)\n"
    listed = runner.invoke(app, ["-w", str(workspace), "runs", "list"])
    assert "base" in listed.output
    assert "finished" in listed.output
    shown = runner.invoke(app, ["-w", str(workspace), "runs", "show", "base"])
    assert json.loads(shown.output)["counts"]["generated"] == 44
    rep = runner.invoke(app, ["-w", str(workspace), "report", "base", "--out", str(tmp_path / "r")])
    assert rep.exit_code == 0
    html = (tmp_path / "r" / "index.html").read_text()
    for png in ("pareto.png", "families.png", "next_batch.png"):
        assert f'src="{png}"' in html
        assert (tmp_path / "r" / png).read_bytes()[:4] == b"\x89PNG"
    assert ranked["formula"].iloc[0] in html
    inside = runner.invoke(
        app, ["-w", str(workspace), "report", "base", "--out", str(workspace / "campaigns/base/r")]
    )
    assert inside.exit_code == 1
    assert "inside the finished run 'base', which is immutable" in inside.output
    assert not (workspace / "campaigns" / "base" / "r").exists()
    missing = runner.invoke(app, ["-w", str(workspace), "query", "nope"])
    assert missing.exit_code == 1
    assert "no run 'nope'" in missing.output


def test_joblib_workers_give_identical_tables(finished: tuple[Path, str], tmp_path: Path) -> None:
    workspace, run_id = finished
    parallel = run_tiny(tmp_path, "par", executor=ExecutorSpec(workers=2))
    for name in ("ranked.csv", "next_batch.csv"):
        assert (parallel.path / name).read_bytes() == (
            workspace / "campaigns" / run_id / name
        ).read_bytes()
    assert parallel.info["finished_by"] == {"executor": "joblib", "workers": 2}
    assert [r.run_id for r in list_runs(tmp_path)] == ["par"]


def test_packing_round_trips_chunks() -> None:
    chunk = next(make_chunks(8))
    packed = PackedChunk.pack(chunk, 3, 24)
    assert packed.fractions.shape == (8, 5)  # only Li, O, S, Cl, Ta occur in this chunk
    back = packed.unpack()
    np.testing.assert_array_equal(back.fractions, chunk.fractions)
    assert back.formulas.tolist() == chunk.formulas.tolist()


def test_resume_refuses_a_changed_space(tmp_path: Path) -> None:
    run, campaign, scorer = new_run(tmp_path, "changed")
    from anionscreen.screening.run.runner import ChunkSource, execute_run

    first = next(make_chunks(4))
    run.write_checkpoint(0, pd.DataFrame({"a": [1]}), {"generated": 4, "first_formula": "X"})
    src = ChunkSource(chunks=lambda: make_chunks(4), total=len(space_rows()))
    with pytest.raises(AnionscreenError, match=r"chunk 0 regenerated with 4 rows starting"):
        execute_run(run, campaign, src, scorer, ExecutorSpec())
    assert first.formulas[0] != "X"


def test_run_where_nothing_is_feasible_still_finishes(tmp_path: Path) -> None:
    from campaign_fixtures import TinyPredictor, source, tiny_campaign

    from anionscreen.screening.run.runner import execute_run, start_run
    from anionscreen.screening.run.scoring import ChunkScorer

    campaign = tiny_campaign(4, constraints={"sigma_min_S_per_cm": 1.0})
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign)
    run = start_run(
        tmp_path, campaign, campaign_text="", scorer=scorer, total=44, executor=ExecutorSpec()
    )
    execute_run(run, campaign, source(4), scorer, ExecutorSpec())
    assert run.info["counts"]["kept"] == 0
    assert query_run(run, top=3).empty
    everything = query_run(run, include_infeasible=True)
    assert set(everything["infeasible_reason"]) == {"sigma below floor"}
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    assert ranked.empty
    assert "formula" in ranked.columns


def test_resume_refuses_changed_mp_data(tmp_path: Path) -> None:
    from anionscreen.screening.run.runner import check_same_mp_data

    run, _, _ = new_run(tmp_path, "mp")
    started = "Materials Project columns from the cache (Cl-Li@2025.09.25)"
    run.update_info(notes=["trained sigma-0001", started])
    check_same_mp_data(run, [started])  # models pinned on resume: no training note
    with pytest.raises(AnionscreenError, match="cannot be resumed with the same data"):
        check_same_mp_data(run, [started.replace(")", ", Cl-Li-S@2025.09.25)")])


def test_a_run_executes_in_one_process_at_a_time(tmp_path: Path) -> None:
    from filelock import FileLock

    from anionscreen.screening.run.runner import execute_run

    run, campaign, scorer = new_run(tmp_path, "busy")
    busy = pytest.raises(RunError, match="'busy' is being executed by another process")
    with FileLock(str(tmp_path / "campaigns" / ".busy.lock")), busy:  # another process has it
        execute_run(run, campaign, source(4), scorer, ExecutorSpec())
    assert run.completed_chunks() == {}
    execute_run(run, campaign, source(4), scorer, ExecutorSpec())
    assert run.finished
    assert [r.run_id for r in list_runs(tmp_path)] == ["busy"]


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    run, _, _ = new_run(tmp_path, "killed")
    left = [
        run.chunks_dir / ".chunk-000003.parquet.5f0e9a1c.tmp",
        run.path / ".candidates.parquet.0b7d22e4.tmp",
        run.path / ".manifest.json.9c41d3aa.tmp",
    ]
    for path in left:
        path.write_bytes(b"half")
    assert run.remove_stale_temporaries() == 3
    assert not any(p.exists() for p in left)
    assert (run.path / "run.json").is_file()
