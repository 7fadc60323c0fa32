"""Run folders, the chunk loop on a tiny real pipeline, queries and the report."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from campaign_fixtures import (
    make_chunks,
    new_run,
    run_tiny,
    source,
    space_rows,
    start_record,
    tiny_campaign,
)
from typer.testing import CliRunner

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening import list_runs, open_run
from anionscreen.screening.cli import app
from anionscreen.screening.results.query import QueryError
from anionscreen.screening.run.execute import ChunkSource, ExecutorSpec, PackedChunk
from anionscreen.screening.run.records import ChunkStats, MPData
from anionscreen.screening.run.runner import execute_run
from anionscreen.screening.run.store import RunError, create_run, find_run


def _stats(index: int, rows: int, first: str) -> ChunkStats:
    return ChunkStats(index, 4 * index, rows, 0, {}, rows, first, 0.0, 0.0)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    workspace = tmp_path_factory.mktemp("ws")
    run_tiny(workspace, "base")
    return workspace, "base"


def test_existing_run_dir_is_never_overwritten(tmp_path: Path) -> None:
    start = start_record(tiny_campaign())
    run = create_run(tmp_path, start, "first", run_id="r1")
    before = (run.path / "run.json").read_bytes()
    with pytest.raises(RunError, match="already exists; runs are never overwritten"):
        create_run(tmp_path, start, "second", run_id="r1")
    assert (run.path / "run.json").read_bytes() == before
    # automatic ids never collide either
    a = create_run(tmp_path, start, "")
    b = create_run(tmp_path, start, "")
    assert a.path != b.path
    assert b.run_id.startswith(a.run_id)


def test_finished_run_is_immutable(finished: tuple[Path, str]) -> None:
    workspace, run_id = finished
    run = find_run(workspace, run_id)
    assert run.finished
    with pytest.raises(RunError, match="'base' is finished and immutable"):
        run.write_table("ranked.csv", pd.DataFrame({"a": [1]}))
    with pytest.raises(RunError, match="immutable"):
        run.write_checkpoint(0, pa.table({"a": [1]}), _stats(0, 1, "X"))
    modes = {p.name: p.stat().st_mode & 0o777 for p in run.path.iterdir() if p.is_file()}
    assert all(mode & 0o222 == 0 for mode in modes.values()), modes  # (root ignores it)
    assert modes["ranked.csv"] == modes["ranked.parquet"]  # the CSV is as readable


def test_run_record_describes_the_run(finished: tuple[Path, str]) -> None:
    workspace, run_id = finished
    run = open_run(run_id, workspace=workspace)
    info = json.loads((run.path / "run.json").read_text())
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
    assert run.info.counts is not None
    assert run.info.counts.kept == 30
    assert run.info.start.model_versions == info["model_versions"]
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["chunks_done"] == 11
    assert manifest["candidates_done"] == 44
    assert (run.path / "campaign.toml").read_text() == "# tiny\n"
    assert not run.folder.chunks_dir.exists()  # merged into candidates.parquet


def test_tables_are_consistent(finished: tuple[Path, str]) -> None:
    workspace, run_id = finished
    run = open_run(run_id, workspace=workspace)
    candidates = pd.read_parquet(run.path / "candidates.parquet")
    assert len(candidates) == 44
    assert candidates["candidate_id"].tolist() == list(range(44))
    # Formulas as written (S before O), keys in electronegativity order for joins.
    assert candidates["formula"].iloc[6] == "Li2TaS0.4O0.6Cl5"
    assert candidates["formula_key"].iloc[6] == "Li2TaS0.4Cl5O0.6"
    assert list(candidates.columns[:3]) == ["candidate_id", "formula", "formula_key"]
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
    workspace, run_id = finished
    run = open_run(run_id, workspace=workspace)
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    top = run.query(top=5)
    assert top["formula"].tolist() == ranked["formula"].head(5).tolist()
    nb = run.query(where="M = 'Nb' AND x >= 0.5 AND X_sym = 'Br'")
    assert set(nb["M"]) == {"Nb"}
    # SQL names the symbol X_sym (duckdb ignores case: x is the number); the result names it X,
    # as ranked.csv does.
    assert set(nb["X"]) == {"Br"}
    assert "X_sym" not in nb.columns
    assert {"M", "X", "x"} <= set(run.ranked.columns)
    typo = "(?s)query failed: .* \\(in SQL the symbol column X is X_sym: SQL names ignore case\\)"
    with pytest.raises(QueryError, match=typo):
        run.query(where="X = 'Br'")
    assert nb["x"].min() >= 0.5
    assert len(nb) == 6  # x = 0.5 ... 1.0
    br = run.query(contains=["Br", "Ta"], include_infeasible=True)
    assert len(br) == 11
    assert all("Br" in f and "Ta" in f for f in br["formula"])
    soft = run.query(sort="modulus_GPa", top=3)
    assert soft["modulus_GPa"].is_monotonic_increasing
    counted = run.query(sql="SELECT M, count(*) AS n FROM candidates GROUP BY M ORDER BY M")
    assert counted.to_dict("records") == [{"M": "Nb", "n": 22}, {"M": "Ta", "n": 22}]
    with pytest.raises(QueryError, match="--sort: unknown column 'nope'"):
        run.query(sort="nope")
    with pytest.raises(QueryError, match="--contains: unknown element 'Qq'"):
        run.query(contains=["Qq"])
    with pytest.raises(QueryError, match="query failed"):
        run.query(where="no_such_column > 1")


def test_queries_cannot_write_or_read_other_files(finished: tuple[Path, str]) -> None:
    workspace, run_id = finished
    run = open_run(run_id, workspace=workspace)
    target = run.path / "ranked.csv"
    before = target.read_bytes()
    copy = f"COPY (SELECT 42 AS x) TO '{target}' (HEADER)"
    with pytest.raises(QueryError, match="single SELECT statement; got SELECT, COPY, SELECT"):
        run.query(sql=f"SELECT 1 AS a) AS q; {copy}; SELECT * FROM (SELECT 1 AS a")
    with pytest.raises(QueryError, match="single SELECT statement; got SELECT, COPY, SELECT"):
        run.query(where=f"true); {copy}; SELECT * FROM candidates WHERE (true")
    with pytest.raises(QueryError, match="query failed: Parser Error"):
        run.query(sql=copy)
    assert target.read_bytes() == before
    with pytest.raises(QueryError, match="file system operations are disabled"):
        run.query(sql=f"SELECT * FROM read_csv('{run.path / 'campaign.toml'}')")


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
    assert table.output.rstrip().endswith("--out FILE, --format csv or json show them)")
    none = runner.invoke(app, ["-w", str(workspace), "query", "base", "--where", "false"])
    assert none.output == "(no rows)\n"
    listed = runner.invoke(app, ["-w", str(workspace), "runs", "list"])
    assert "base" in listed.output
    assert "finished" in listed.output
    # counts as integers (44 candidates, 30 kept), never 4.4e+01
    assert listed.output.splitlines()[1].split()[-2:] == ["44", "30"]
    shown = runner.invoke(app, ["-w", str(workspace), "runs", "show", "base"])
    assert json.loads(shown.output)["counts"]["generated"] == 44
    rep = runner.invoke(app, ["-w", str(workspace), "report", "base", "--out", str(tmp_path / "r")])
    assert rep.exit_code == 0
    assert rep.output == f"{tmp_path / 'r' / 'index.html'}\n"
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["index.html"]  # one page, no PNGs
    html = (tmp_path / "r" / "index.html").read_text()
    for plot in ("plot-sigma-modulus", "plot-family-0"):
        assert f'id="{plot}"' in html
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


def test_query_out_writes_the_format_of_its_suffix(
    finished: tuple[Path, str], tmp_path: Path
) -> None:
    workspace, _ = finished
    runner = CliRunner()
    expected = open_run("base", workspace=workspace).query(top=3)
    for suffix in (".csv", ".parquet", ".json"):
        out = tmp_path / f"top{suffix}"
        # global options are accepted after the command too
        done = runner.invoke(
            app, ["query", "base", "--top", "3", "--out", str(out), "--workspace", str(workspace)]
        )
        assert done.exit_code == 0, done.output
        assert done.stdout == ""
        assert f"wrote 3 row(s) to {out}" in done.stderr
        read = {
            ".csv": pd.read_csv,
            ".parquet": pd.read_parquet,
            ".json": lambda p: pd.DataFrame(json.loads(Path(p).read_text())),
        }[suffix](out)
        assert list(read.columns) == list(expected.columns)
        assert read["formula"].tolist() == expected["formula"].tolist()
        assert read["score"].to_numpy() == pytest.approx(expected["score"].to_numpy(), rel=1e-6)
    # CSV floats carry 7 significant digits, not float noise
    cells = (tmp_path / "top.csv").read_text().split("\n")[1].split(",")
    numbers = [c for c in cells if re.fullmatch(r"-?[\d.]+(e-?\d+)?", c)]
    assert len(numbers) > 15
    assert max(len(c.lstrip("-").replace(".", "").split("e")[0].lstrip("0")) for c in numbers) <= 7
    clash = runner.invoke(
        app, ["-w", str(workspace), "query", "base", "--format", "json", "--out", "t.csv"]
    )
    assert clash.exit_code == 1
    assert "--format json and --out t.csv disagree" in clash.stderr
    bad = runner.invoke(app, ["-w", str(workspace), "query", "base", "--out", "t.xlsx"])
    assert bad.exit_code == 1
    assert "--out must end in .csv, .parquet or .json (the format follows the suffix)" in bad.stderr


def test_joblib_workers_give_identical_tables(finished: tuple[Path, str], tmp_path: Path) -> None:
    workspace, run_id = finished
    parallel = run_tiny(tmp_path, "par", executor=ExecutorSpec(workers=2))
    for name in ("ranked.csv", "next_batch.csv"):
        assert (parallel.path / name).read_bytes() == (
            workspace / "campaigns" / run_id / name
        ).read_bytes()
    assert parallel.info.finished_by == {"executor": "joblib", "workers": 2}
    assert [r.run_id for r in list_runs(workspace=tmp_path)] == ["par"]
    # The run's workers end with it: no loky manager or queue-feeder thread is left running
    # until interpreter exit (where native libraries have aborted while Python finalised).
    loky = {"ExecutorManagerThread", "QueueFeederThread"}
    assert not [t.name for t in threading.enumerate() if t.name in loky]


def test_chunk_fronts_ranked_by_workers_or_at_finalising_give_the_same_tables(
    finished: tuple[Path, str], tmp_path: Path
) -> None:
    from anionscreen.screening.run.layout import CHUNK_PARETO_RANK

    workspace, run_id = finished
    base = workspace / "campaigns" / run_id
    checkpoints = []
    # Checkpoints as a version before the workers ranked their chunks wrote them (no rank
    # column): finalising ranks those chunks itself.
    run, campaign, scorer = new_run(tmp_path, "old")
    offset = 0
    for index, chunk in enumerate(make_chunks(4)):
        result = scorer(chunk, index, offset)
        offset += len(chunk)
        checkpoints.append(result.table)
        run.write_checkpoint(index, result.table.drop_columns([CHUNK_PARETO_RANK]), result.stats)
    execute_run(run, campaign, source(4), scorer, ExecutorSpec())
    for name in ("candidates.parquet", "pareto.parquet", "ranked.csv", "next_batch.csv"):
        assert (run.path / name).read_bytes() == (base / name).read_bytes(), name
    pareto = pd.read_parquet(base / "pareto.parquet")
    assert CHUNK_PARETO_RANK not in pareto.columns
    assert CHUNK_PARETO_RANK not in pd.read_parquet(base / "candidates.parquet").columns
    # The workers' chunk ranks: every global front row is on its chunk's fronts.
    ranks = pd.concat([t.to_pandas() for t in checkpoints], ignore_index=True)
    on_chunk_fronts = ranks.loc[ranks[CHUNK_PARETO_RANK] > 0, "candidate_id"]
    assert set(pareto["candidate_id"]) <= set(on_chunk_fronts)
    assert (ranks.loc[~ranks["feasible"], CHUNK_PARETO_RANK] == 0).all()


def test_an_unfinished_run_is_queried_without_the_workers_chunk_ranks(tmp_path: Path) -> None:
    from anionscreen.screening.run.layout import CHUNK_PARETO_RANK

    run, _, scorer = new_run(tmp_path, "partial")
    chunk = next(make_chunks(4))
    result = scorer(chunk, 0, 0)
    assert CHUNK_PARETO_RANK in result.table.column_names
    run.write_checkpoint(0, result.table, result.stats)
    everything = open_run("partial", workspace=tmp_path).query(include_infeasible=True)
    assert len(everything) == 4
    assert CHUNK_PARETO_RANK not in everything.columns
    assert "pareto_rank" not in everything.columns  # ranks exist once the run is finalised


def test_packing_round_trips_chunks() -> None:
    chunk = next(make_chunks(8))
    packed = PackedChunk.pack(chunk, 3, 24)
    assert packed.fractions.shape == (8, 5)  # only Li, O, S, Cl, Ta occur in this chunk
    back = packed.unpack()
    np.testing.assert_array_equal(back.fractions, chunk.fractions)
    assert back.formulas.tolist() == chunk.formulas.tolist()


def test_resume_refuses_a_changed_space(tmp_path: Path) -> None:
    run, campaign, scorer = new_run(tmp_path, "changed")
    first = next(make_chunks(4))
    run.write_checkpoint(0, pa.table({"a": [1]}), _stats(0, 4, "X"))
    src = ChunkSource(chunks=lambda: make_chunks(4), total=len(space_rows()))
    with pytest.raises(AnionscreenError, match=r"chunk 0 regenerated with 4 rows starting"):
        execute_run(run, campaign, src, scorer, ExecutorSpec())
    assert first.formulas[0] != "X"


def test_run_where_nothing_is_feasible_still_finishes(tmp_path: Path) -> None:
    from campaign_fixtures import TinyPredictor

    from anionscreen.screening.run.scoring import ChunkScorer

    campaign = tiny_campaign(4, constraints={"sigma_min_S_per_cm": 1.0})
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign)
    folder = create_run(tmp_path, start_record(campaign), "")
    execute_run(folder, campaign, source(4), scorer, ExecutorSpec())
    run = open_run(folder.run_id, workspace=tmp_path)
    assert run.info.counts is not None
    assert run.info.counts.kept == 0
    assert run.query(top=3).empty
    everything = run.query(include_infeasible=True)
    assert set(everything["infeasible_reason"]) == {"sigma below floor"}
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    assert ranked.empty
    assert "formula" in ranked.columns


def test_resume_refuses_changed_mp_data() -> None:
    from anionscreen.screening.run.mp_data import check_same_mp_data

    started = MPData(systems=("Cl-Li@2025.09.25",), missing=("Br-Li",))
    check_same_mp_data("mp", started, MPData(("Cl-Li@2025.09.25",), ("Br-Li",)))
    check_same_mp_data("old", None, started)  # recorded before runs kept the record
    with pytest.raises(AnionscreenError, match="cannot be resumed with the same data"):
        check_same_mp_data("mp", started, MPData(("Cl-Li@2025.09.25", "Br-Li@2025.09.25"), ()))
    with pytest.raises(AnionscreenError, match="started with no Materials Project data"):
        check_same_mp_data("mp", MPData((), ("Cl-Li",)), MPData(("Cl-Li@2025.09.25",), ()))


def test_a_run_executes_in_one_process_at_a_time(tmp_path: Path) -> None:
    from filelock import FileLock

    run, campaign, scorer = new_run(tmp_path, "busy")
    busy = pytest.raises(RunError, match="'busy' is being executed by another process")
    with FileLock(str(tmp_path / "campaigns" / ".busy.lock")), busy:  # another process has it
        execute_run(run, campaign, source(4), scorer, ExecutorSpec())
    assert run.completed_chunks() == {}
    execute_run(run, campaign, source(4), scorer, ExecutorSpec())
    assert run.finished
    assert [r.run_id for r in list_runs(workspace=tmp_path)] == ["busy"]


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


def test_a_run_of_more_chunks_than_one_merge_ranks_the_whole_run(tmp_path: Path) -> None:
    """Finalising merges the chunks' best rows every 64 chunks: with 68 chunks the ranked
    table is still the run's top rows and the batch comes from the run's best acquisition."""
    from campaign_fixtures import TinyPredictor

    from anionscreen.screening.run.scoring import ChunkScorer
    from anionscreen.screening.spaces.generators import generate_all

    campaign = tiny_campaign(
        3,
        space=[
            {
                "name": "Li2M(S,O)X5",
                "template": "Li2 {M} S{1-x} O{x} {X}5",
                "M": ["Ta", "Nb"],
                "X": ["Cl", "Br"],
                "x": {"start": 0.0, "stop": 1.0, "step": 0.02},
            }
        ],
        acquisition={"batch_size": 4, "max_per_family": 4, "pool_size": 6},
        constraints={"sigma_min_S_per_cm": 1e-5},
    )
    total = 2 * 2 * 51
    chunks = ChunkSource(
        chunks=lambda: generate_all(campaign.spaces, 3), total=total, total_chunks=68
    )
    run = create_run(tmp_path, start_record(campaign, total), "# many\n", run_id="many")
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign)
    execute_run(run, campaign, chunks, scorer, ExecutorSpec())
    assert run.info.start.total_chunks == 68
    candidates = pd.read_parquet(run.path / "candidates.parquet")
    assert len(candidates) == total
    feasible = candidates.loc[candidates["feasible"]]
    # More than 64 chunks with feasible rows, so the best rows are merged before the end.
    assert (feasible["candidate_id"] // 3).nunique() > 64
    best = feasible.sort_values(["score", "formula", "candidate_id"],
                                ascending=[False, True, True])  # fmt: skip
    ranked = pd.read_parquet(run.path / "ranked.parquet")
    assert ranked["candidate_id"].tolist() == best["candidate_id"].head(10).tolist()
    pool = feasible.sort_values(["acquisition", "formula", "candidate_id"],
                                ascending=[False, True, True]).head(6)  # fmt: skip
    batch = pd.read_parquet(run.path / "next_batch.parquet")
    assert len(batch) == 4
    assert set(batch["candidate_id"]) <= set(pool["candidate_id"])


@pytest.mark.parametrize("case", ["same", "other categories", "other columns"])
def test_finalising_converts_chunk_rows_as_pandas_concatenation_would(case: str) -> None:
    """Best rows of many chunks are converted in one go only when that gives the same frame
    as converting each and concatenating (categories that differ become text in pandas)."""
    from anionscreen.screening.run.finalize import _frame

    def chunk(labels: list[str], extra: bool) -> pa.Table:
        data = {"score": [1.0, 2.0], "model_versions": pd.Categorical(labels)}
        if extra:
            data["x"] = [0.1, 0.2]
        return pa.Table.from_pandas(pd.DataFrame(data), preserve_index=False)

    second = {
        "same": chunk(["a", "a"], False),
        "other categories": chunk(["b", "b"], False),
        "other columns": chunk(["a", "a"], True),
    }[case]
    tables = [chunk(["a", "a"], False), second]
    expected = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
    pd.testing.assert_frame_equal(_frame(tables), expected)
    kind = "object" if case == "other categories" else "category"
    assert str(_frame(tables)["model_versions"].dtype) == kind
