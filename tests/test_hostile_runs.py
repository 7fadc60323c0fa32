"""The hostile-case battery for runs: checkpoints, run records, space sizes, campaigns, SQL.

Each case is a function registered with the outcome it must have; ``test_hostile_case`` runs
every one (pytest ids are the case names). A case that is refused also checks that the
workspace is byte-identical afterwards (sha256 of every file before and after).
``python tests/test_hostile_runs.py`` prints the table of cases and expected outcomes.

The runs are the tiny real pipeline of ``campaign_fixtures`` (44 candidates, chunks of 4,
a ridge-regression predictor): no models are trained here.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from campaign_fixtures import (
    TinyPredictor,
    make_chunks,
    new_run,
    run_tiny,
    source,
    tiny_campaign,
)
from typer.testing import CliRunner

from anionscreen.datasets.errors import AnionscreenError, ConfigError
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.cli import app
from anionscreen.screening.results.query import QueryError
from anionscreen.screening.results.report import write_report
from anionscreen.screening.run.checkpoints import CheckpointError
from anionscreen.screening.run.execute import ChunkSource, ExecutorSpec
from anionscreen.screening.run.finalize import finalize_run
from anionscreen.screening.run.runner import execute_run
from anionscreen.screening.run.scoring import ChunkScorer
from anionscreen.screening.run.store import RunFolder, find_run, list_runs

# ----- the battery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One hostile case: what is done to anionscreen, and the outcome it must have."""

    name: str
    expected: str
    check: Callable[[Path], None]


CASES: list[Case] = []


def case(expected: str) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    """Register ``case_<name>(tmp_path)`` with its expected outcome."""

    def register(check: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES.append(Case(check.__name__.removeprefix("case_"), expected, check))
        return check

    return register


@pytest.mark.parametrize("hostile", CASES, ids=lambda c: c.name)
def test_hostile_case(hostile: Case, tmp_path: Path) -> None:
    hostile.check(tmp_path)


# ----- helpers -------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (lock files and hidden files included)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _cli(workspace: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["-w", str(workspace), *args])
    return result.exit_code, result.output


def _listed(out: str, run_id: str) -> list[str]:
    """The cells of ``run_id``'s row in ``runs list`` output."""
    rows = [line.split() for line in out.splitlines()]
    return next(row for row in rows if row and row[0] == run_id)


def _interrupted(
    workspace: Path, run_id: str, chunks: int
) -> tuple[RunFolder, Campaign, ChunkScorer]:
    """A tiny run whose first ``chunks`` chunks were scored and checkpointed, then killed."""
    run, campaign, scorer = new_run(workspace, run_id)
    offset = 0
    with run.exclusive():  # as the run that was killed held it (its lock file stays)
        for index, chunk in enumerate(make_chunks(4)):
            if index == chunks:
                break
            result = scorer(chunk, index, offset)
            run.write_checkpoint(index, result.table, result.stats)
            offset += len(chunk)
    return run, campaign, scorer


def _resume(run: RunFolder) -> None:
    campaign = tiny_campaign(4)
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign)
    execute_run(run, campaign, source(4), scorer, ExecutorSpec(), report=write_report)


def _refused_resume(workspace: Path, run: RunFolder, *fragments: str) -> str:
    """Resume must raise CheckpointError naming the file, on one line, changing nothing."""
    before = _snapshot(workspace)
    with pytest.raises(CheckpointError) as caught:
        _resume(run)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert _snapshot(workspace) == before
    assert run.info.status == "running"
    assert not run.file("candidates.parquet").exists()
    return message


def _tables(run: RunFolder) -> dict[str, bytes]:
    names = ("ranked.csv", "next_batch.csv", "candidates.parquet", "pareto.parquet")
    return {name: run.file(name).read_bytes() for name in names}


# ----- checkpoints ---------------------------------------------------------------------------


@case("every single flipped byte (7 offsets) is refused on resume, naming the file; after "
      "the damaged checkpoint is deleted, resume gives the uninterrupted tables")  # fmt: skip
def case_checkpoint_flipped_byte_refused_on_resume(tmp_path: Path) -> None:
    reference = run_tiny(tmp_path / "ref", "ref")
    run, _, _ = _interrupted(tmp_path, "flip", chunks=6)
    path = run.checkpoint_path(2)
    data = path.read_bytes()
    n = len(data)
    for offset in (0, 4, n // 4, n // 2, 3 * n // 4, n - 5, n - 1):
        flipped = bytearray(data)
        flipped[offset] ^= 0x10
        path.write_bytes(bytes(flipped))
        _refused_resume(tmp_path, run, f"checkpoint '{path}' is damaged", "delete chunk-000002")
    path.write_bytes(data)
    # The remedy the message gives: delete the checkpoint and its hash, resume.
    path.unlink()
    (path.parent / (path.name + ".sha256")).unlink()
    _resume(run)
    assert _tables(run) == _tables(reference)


@case("a byte flipped after every chunk was checkpointed is refused when finalising: no final "
      "table is written and the run stays unfinished")  # fmt: skip
def case_checkpoint_flipped_byte_refused_on_finalise(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "fin", chunks=11)
    path = run.checkpoint_path(7)
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    before = _snapshot(tmp_path)
    with pytest.raises(CheckpointError, match=f"checkpoint '{path}' is damaged"):
        finalize_run(run, tiny_campaign(4))
    assert _snapshot(tmp_path) == before
    assert run.info.status == "running"


@case("a truncated checkpoint: one line naming the file")
def case_checkpoint_truncated(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "trunc", chunks=4)
    path = run.checkpoint_path(3)
    path.write_bytes(path.read_bytes()[:-100])
    message = _refused_resume(tmp_path, run, f"checkpoint '{path}' is damaged")
    assert "bytes now" in message


@case("a checkpoint replaced by garbage: one line naming the file")
def case_checkpoint_garbage(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "garbage", chunks=4)
    path = run.checkpoint_path(1)
    path.write_bytes(os.urandom(3000))
    _refused_resume(tmp_path, run, f"checkpoint '{path}' is damaged")


@case("garbage with its hash recomputed to match: 'not a readable checkpoint', naming the file, "
      "not a Parquet traceback")  # fmt: skip
def case_checkpoint_garbage_with_matching_hash(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "forged", chunks=4)
    path = run.checkpoint_path(1)
    junk = b"PAR1 this is no parquet file"
    path.write_bytes(junk)
    digest = hashlib.sha256(junk).hexdigest()
    (path.parent / (path.name + ".sha256")).write_text(f"{digest}  {path.name}\n")
    _refused_resume(tmp_path, run, f"checkpoint '{path}' matches its recorded sha256 but is not")


@case("a checkpoint without its .sha256: refused, naming both files")
def case_checkpoint_without_hash(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "nohash", chunks=4)
    path = run.checkpoint_path(0)
    (path.parent / (path.name + ".sha256")).unlink()
    _refused_resume(
        tmp_path, run, f"'{path}' has no recorded sha256", "chunk-000000.parquet.sha256"
    )


@case("a stray chunk-999999.parquet: 'not a chunk of this run', naming it (the space has 11)")
def case_stray_chunk_999999(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "stray", chunks=4)
    stray = run.chunks_dir / "chunk-999999.parquet"
    stray.write_bytes(run.checkpoint_path(1).read_bytes())
    message = _refused_resume(tmp_path, run, f"'{stray}' is not a chunk of this run")
    assert "11 chunks" in message
    assert "generator" not in message


@case("a stray chunk with a valid hash in a run recorded without its chunk count: refused by "
      "name before anything is scored (the space's count comes from the campaign)")  # fmt: skip
def case_stray_chunk_in_run_without_chunk_count(tmp_path: Path) -> None:
    run, _, scorer = _interrupted(tmp_path, "old", chunks=3)
    record = json.loads(run.file("run.json").read_text())
    del record["total_chunks"]  # written before runs recorded it
    run.file("run.json").write_text(json.dumps(record))
    result = scorer(next(iter(make_chunks(4))), 999999, 0)
    run.write_checkpoint(999999, result.table, result.stats)
    stray = run.checkpoint_path(999999)
    message = _refused_resume(tmp_path, run, f"'{stray}' is not a chunk of this run")
    assert "its space has 11 chunks" in message
    # A chunk source that cannot say how many chunks it makes: refused once they are made.
    campaign = tiny_campaign(4)
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign)
    uncounted = ChunkSource(chunks=lambda: make_chunks(4), total=44)
    with pytest.raises(AnionscreenError, match=r"chunk-999999\.parquet is not a chunk of this run: the space has 11 chunks"):  # fmt: skip
        execute_run(run, campaign, uncounted, scorer, ExecutorSpec())
    assert run.info.status == "running"


@case("a checkpoint copied over another index (with its hash file): refused, naming it")
def case_checkpoint_copied_to_another_index(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "copied", chunks=4)
    src, dst = run.checkpoint_path(1), run.checkpoint_path(3)
    dst.write_bytes(src.read_bytes())
    line = (src.parent / (src.name + ".sha256")).read_text().replace(src.name, dst.name)
    (dst.parent / (dst.name + ".sha256")).write_text(line)
    _refused_resume(tmp_path, run, f"checkpoint '{dst}' holds chunk 1, not chunk 3")


@case("query of an interrupted run with a damaged checkpoint: exit 1 naming the file")
def case_query_of_damaged_checkpoint(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "q", chunks=4)
    path = run.checkpoint_path(2)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    before = _snapshot(tmp_path)
    code, out = _cli(tmp_path, "query", "q", "--all")
    assert code == 1
    assert f"error: checkpoint '{path}' is damaged" in out
    assert _snapshot(tmp_path) == before


# ----- run records ---------------------------------------------------------------------------


@case("one damaged run.json ('{\"status\": \"runn'): runs list shows it as damaged, query latest "
      "and screen --resume latest use the other runs, commands on it exit 1 naming it")  # fmt: skip
def case_damaged_run_json(tmp_path: Path) -> None:
    run_tiny(tmp_path, "good")
    broken = tmp_path / "campaigns" / "broken"
    broken.mkdir()
    (broken / "run.json").write_text('{"status": "runn')
    before = _snapshot(tmp_path)
    code, out = _cli(tmp_path, "runs", "list")
    assert code == 0, out
    assert _listed(out, "broken") == ["broken", "damaged"]
    assert _listed(out, "good")[1] == "finished"
    assert "(broken: run.json cannot be read; `anionscreen runs show broken` says why)" in out
    code, out = _cli(tmp_path, "query", "latest", "--top", "2", "--format", "json")
    assert code == 0, out
    assert len(json.loads(out)) == 2
    assert find_run(tmp_path, "latest").run_id == "good"
    code, out = _cli(tmp_path, "screen", "--resume", "latest")
    assert code == 1
    assert "error: run 'good' is already finished; nothing to resume" in out
    for args in (("runs", "show", "broken"), ("query", "broken"), ("screen", "--resume", "broken")):
        code, out = _cli(tmp_path, *args)
        assert code == 1, args
        assert f"error: run 'broken' is damaged: '{broken / 'run.json'}': not valid JSON" in out
    assert _snapshot(tmp_path) == before


@case("run.json that is JSON but no run record ([], {}, status 'paused'): damaged, by name")
def case_run_json_not_a_record(tmp_path: Path) -> None:
    run_tiny(tmp_path, "good")
    folder = tmp_path / "campaigns" / "odd"
    folder.mkdir()
    for text, reason in (
        ("[]", "expected a JSON object, got list"),
        ("{}", "status None is not one of running, finished"),
        ('{"status": "paused"}', "status 'paused' is not one of running, finished"),
        ('{"status": "running"}', "no key 'run_id'"),
    ):
        (folder / "run.json").write_text(text)
        assert RunFolder(folder).state == "damaged"
        code, out = _cli(tmp_path, "runs", "show", "odd")
        assert code == 1
        assert "error: run 'odd' is damaged" in out
        assert reason in out, out
        assert [r.run_id for r in list_runs(tmp_path)] == ["odd", "good"]


@case("only damaged runs: 'latest' is a clear error naming them")
def case_only_damaged_runs(tmp_path: Path) -> None:
    broken = tmp_path / "campaigns" / "broken"
    broken.mkdir(parents=True)
    (broken / "run.json").write_text("\x00\x01")
    code, out = _cli(tmp_path, "query", "latest")
    assert code == 1
    assert "no runs in" in out
    assert "(damaged, not counted: broken)" in out


_HOLD_LOCK = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


@case("a run killed with kill -9 while running: 'interrupted' (not 'running') in runs list and "
      "runs show; 'running' while a live process holds it")  # fmt: skip
def case_killed_run_shows_interrupted(tmp_path: Path) -> None:
    run, _, _ = _interrupted(tmp_path, "cut", chunks=3)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(tmp_path / "campaigns" / ".cut.lock")],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        assert run.state == "running"
        code, out = _cli(tmp_path, "runs", "list")
        assert _listed(out, "cut")[1] == "running"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
    assert run.info.status == "running"  # what run.json still says
    assert run.state == "interrupted"
    code, out = _cli(tmp_path, "runs", "list")
    assert code == 0
    assert _listed(out, "cut")[1] == "interrupted"
    code, out = _cli(tmp_path, "runs", "show", "cut")
    assert code == 0
    assert json.loads(out)["status"] == "interrupted"


# ----- space sizes ---------------------------------------------------------------------------

_HUGE_SPACE = """
[[space]]
name = "fine"
template = "Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}"
M = ["Ta", "Nb", "W", "Zr", "Hf", "Y", "In", "Sc", "Al", "Ga"]
x = { start = 0.0, stop = 1.0, step = 0.00001 }
y = { start = 0.0, stop = 5.0, step = 0.0001 }
n = "balance"
"""
_HUGE_POINTS = "50,001,500,010 grid points"


@case("screen of a 5e10-point space: refused by arithmetic with its size and how to go ahead; "
      "no run folder, nothing written")  # fmt: skip
def case_huge_space_refused_by_screen(tmp_path: Path) -> None:
    campaign = tmp_path / "huge.toml"
    campaign.write_text('name = "huge"\n' + _HUGE_SPACE + '[[objective]]\nname = "sigma"\n')
    before = _snapshot(tmp_path)
    code, out = _cli(tmp_path / "ws", "screen", str(campaign))
    assert code == 1
    assert f"space 'fine' (#1) spans {_HUGE_POINTS}" in out
    assert "above the limit of 100,000,000" in out
    assert "`max_grid_points = 50001500010` under [execution]" in out
    assert "--max-grid-points 50001500010" in out
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / "ws").exists()


@case("generate --count of a 5e10-point space: refused at once with its size")
def case_huge_space_refused_by_generate_count(tmp_path: Path) -> None:
    spaces = tmp_path / "huge.toml"
    spaces.write_text(_HUGE_SPACE)
    code, out = _cli(tmp_path / "ws", "generate", str(spaces), "--count")
    assert code == 1
    assert _HUGE_POINTS in out
    assert "--max-grid-points 50001500010" in out


@case("a system space of 1e19 points: refused (the total of all spaces is checked)")
def case_huge_system_space_refused(tmp_path: Path) -> None:
    spaces = tmp_path / "system.toml"
    spaces.write_text(
        '[[space]]\nname = "sys"\ncations = ["Ta", "Nb"]\nanions = ["S", "O", "Cl"]\n'
        "amounts = { start = 0.0001, stop = 6, step = 0.0001 }\nmax_anions = 3\n"
    )
    code, out = _cli(tmp_path, "generate", str(spaces), "--count")
    assert code == 1
    assert "the spaces 'sys' together spans" in out
    assert "above the limit of 100,000,000" in out


@case("the limit raised explicitly: counted; two small spaces over a small limit: refused")
def case_raised_and_lowered_limit(tmp_path: Path) -> None:
    spaces = tmp_path / "spaces.toml"
    spaces.write_text(
        '[[space]]\nname = "a"\ntemplate = "Li{n} {M} S{1-x} O{x} Cl5"\nM = ["Ta", "Nb"]\n'
        'x = { start = 0, stop = 1, step = 0.1 }\nn = "balance"\n'
        '[[space]]\nname = "b"\ntemplate = "Li3 {M} Cl{6-y} Br{y}"\nM = ["Y", "In"]\n'
        "y = { start = 0, stop = 6, step = 1 }\n"
    )
    code, out = _cli(tmp_path, "generate", str(spaces), "--count", "--max-grid-points", "36")
    assert code == 0, out
    assert [cell.strip() for cell in out.splitlines()[-2].split("│")[1:-1]] == [
        "total", "", "36", "36",
    ]  # fmt: skip
    code, out = _cli(tmp_path, "generate", str(spaces), "--count", "--max-grid-points", "30")
    assert code == 1
    assert "the spaces 'a', 'b' together spans 36 grid points" in out
    code, out = _cli(tmp_path, "generate", str(spaces), "--max-grid-points", "0.5")
    assert code == 1
    assert "--max-grid-points must be a whole number >= 1; got 0.5" in out


@case("one template term over two fine grids ({x*y}, 1e8 values): refused before evaluating it")
def case_term_over_two_fine_grids(tmp_path: Path) -> None:
    spaces = tmp_path / "term.toml"
    spaces.write_text(
        '[[space]]\nname = "t"\ntemplate = "Li{n} Ta S{x*y} Cl5"\n'
        "x = { start = 0, stop = 1, step = 0.0001 }\ny = { start = 0, stop = 1, step = 0.0001 }\n"
        'n = "balance"\n'
    )
    code, out = _cli(tmp_path, "generate", str(spaces), "--count", "--max-grid-points", "1e9")
    assert code == 1
    assert "the amount {x*y} of S combines 100,020,001 grid values; expected at most" in out


# ----- campaign values -----------------------------------------------------------------------


def _campaign_error(**overrides: object) -> str:
    with pytest.raises(ConfigError) as caught:
        tiny_campaign(4, **overrides)
    return str(caught.value)


@case("weight = inf / nan, kappa = inf: refused naming the key")
def case_infinite_weights(tmp_path: Path) -> None:
    for weight in (float("inf"), float("nan")):
        message = _campaign_error(objective=[{"name": "sigma", "weight": weight}])
        assert "key 'objective[0].weight'" in message
        assert "finite number" in message
    message = _campaign_error(acquisition={"kappa": float("inf")})
    assert "key 'acquisition.kappa' = inf" in message


@case("objective temperature 1e9 C (or -200 C): refused, stating the accepted range")
def case_objective_temperature_out_of_range(tmp_path: Path) -> None:
    for value in (1e9, -200.0):
        message = _campaign_error(objective=[{"name": "sigma", "temperature_C": value}])
        assert f"key 'objective[0].temperature_C' = {value!r}" in message
        assert "expected a temperature from -100 to 500 C" in message
    assert tiny_campaign(4, objective=[{"name": "sigma", "temperature_C": 80.0}])


@case("family_columns = ['nope']: refused, listing the columns there are")
def case_unknown_family_columns(tmp_path: Path) -> None:
    message = _campaign_error(acquisition={"family_columns": ["M", "nope"]})
    assert "key 'acquisition.family_columns' = ['M', 'nope']: 'nope' is not a parameter" in message
    assert "expected some of space, M, X, x, n_Li" in message
    system = {"name": "s", "cations": ["Ta"], "anions": ["Cl"], "amounts": {"start": 1, "stop": 5, "step": 1}}  # fmt: skip
    with pytest.raises(ConfigError, match="'M' is not a parameter column of any space"):
        campaign_from_dict(
            {"name": "c", "space": [system], "objective": [{"name": "sigma"}],
             "acquisition": {"family_columns": ["M"]}}
        )  # fmt: skip
    # not given: the default (space, M, X) applies where the columns exist
    campaign_from_dict({"name": "c", "space": [system], "objective": [{"name": "sigma"}]})


@case("screen --top -5: refused before any work (no run folder)")
def case_screen_negative_top(tmp_path: Path) -> None:
    code, out = _cli(tmp_path / "ws", "screen", "--top", "-5")
    assert code == 1
    assert "error: --top must be 0 or more (rows to print); got -5" in out
    assert not (tmp_path / "ws").exists()


# ----- SQL -----------------------------------------------------------------------------------


@case("query --sql over range(1e12): stopped by the time limit with a clear error")
def case_sql_huge_range(tmp_path: Path) -> None:
    run_tiny(tmp_path, "base")
    before = _snapshot(tmp_path)
    sql = "SELECT count(*) AS n FROM range(1000000000000)"
    code, out = _cli(tmp_path, "query", "base", "--sql", sql, "--time-limit", "1")
    assert code == 1
    assert "error: query stopped after the time limit of 1 s" in out
    assert _snapshot(tmp_path) == before


@case("query --sql with an endless recursive CTE: stopped (time or memory limit), clear error")
def case_sql_recursive_cte(tmp_path: Path) -> None:
    run = run_tiny(tmp_path, "base")
    from anionscreen.screening.results.query import query_run

    sql = "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t"
    with pytest.raises(QueryError, match=r"query stopped (after the time limit|: it needs more)"):
        query_run(run, sql=sql, time_limit_s=2.0, memory_limit="200MB")


@case("query --sql self-join that would exhaust memory: a clear error naming the memory limit")
def case_sql_self_join_out_of_memory(tmp_path: Path) -> None:
    run_tiny(tmp_path, "base")
    sql = (
        "SELECT * FROM candidates a, candidates b, candidates c, candidates d, candidates e "
        "ORDER BY a.score"
    )
    code, out = _cli(tmp_path, "query", "base", "--sql", sql, "--memory-limit", "50MB")
    assert code == 1
    assert "error: query stopped: it needs more than the memory limit of 50MB" in out
    assert "Traceback" not in out


@case("query --memory-limit lots / --time-limit 0: refused naming the option")
def case_sql_bad_limits(tmp_path: Path) -> None:
    run_tiny(tmp_path, "base")
    code, out = _cli(tmp_path, "query", "base", "--memory-limit", "lots")
    assert code == 1
    assert "--memory-limit must be a size such as '2GB' or '500MB'; got 'lots'" in out
    code, out = _cli(tmp_path, "query", "base", "--time-limit", "0")
    assert code == 1
    assert "--time-limit must be more than 0 seconds; got 0" in out


def test_battery_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)) == 27


if __name__ == "__main__":
    print(f"{len(CASES)} hostile cases (runs)\n")
    print("| case | expected outcome |\n|---|---|")
    for hostile in CASES:
        print(f"| `{hostile.name}` | {hostile.expected} |")
