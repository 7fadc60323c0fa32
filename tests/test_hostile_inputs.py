"""The hostile-input battery of issue 14 (stores and inputs): every case of
``tests/data/hostile_inputs.csv`` run through the real command line.

Each row names a case, the workspace it starts from (``setup``), the command, the exit code
and a piece of the message expected, and what must happen to the stores: ``unchanged`` means
every file under the workspace and every input file has the same sha256 after the command as
before (a refused command leaves nothing behind), ``inputs_unchanged`` the input files only,
``changed`` that the command was meant to write. ``check`` names an extra assertion on the
result. docs/reliability.md describes what the battery covers.

Setups: ``empty`` (no workspace yet), ``log`` (a log with two rows), ``models`` (the three
default models, trained once per module on the bundled data), ``run`` (a finished tiny run),
joined by ``+`` with the damage done to them (``cut_last_byte``, ``current_sigma_is_ea``,
``read_only`` ...). A read-only workspace is made read-only for real: with chmod when the tests
do not run as root, else as a read-only bind mount in a private mount namespace (``unshare``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from campaign_fixtures import run_tiny
from typer.testing import CliRunner

from anionscreen.datasets.measurement_log import read_log
from anionscreen.datasets.settings import Settings
from anionscreen.screening.cli import app

TABLE = Path(__file__).parent / "data" / "hostile_inputs.csv"
GOOD = b"composition,sigma_S_per_cm,temperature_C\nLi3InCl6,1.49e-3,25\nLi6PS5Cl,2.05e-3,RT\n"
CAMPAIGN = """name = "t"
[[space]]
name = "s"
template = "Li2 {M} S{1-x} O{x} Cl5"
M = ["Ta"]
x = { start = 0.0, stop = 1.0, step = 0.5 }
[[objective]]
name = "sigma"
"""
SPACE = """[[space]]
name = "s"
template = "Li2 {M} S{1-x} O{x} Cl5"
M = ["Ta"]
x = { start = 0.0, stop = 1.0, step = 0.5 }
"""
DEEP = "(" * 3000 + "Li" + ")" * 3000
DIGITS = "Li" + "1" * 5000 + "Cl"
TEXTS = {"deep": DEEP, "digits": DIGITS}


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame({"formula": ["LiCl"]}).to_parquet(buffer)
    return buffer.getvalue()


# name -> (file name, bytes)
FILES: dict[str, tuple[str, bytes]] = {
    "good": ("good.csv", GOOD),
    "good_other": ("other.csv", b"composition,ea_eV\nLiBr,0.4\n"),
    "cr_note": ("cr.csv", b'composition,sigma_S_per_cm,note\nLi3InCl6,1e-3,"a\rb"\n'),
    "cr_name": ("name\rx.csv", b"composition,sigma_S_per_cm\nLi3YCl6,5e-4\n"),
    "nul_note": ("nul.csv", b'composition,sigma_S_per_cm,note\nLi3InCl6,1e-3,"a\x00b"\n'),
    "sigma_tiny": ("tiny.csv", b"composition,sigma_S_per_cm\nLi3InCl6,1e-300\n"),
    "minus_273": ("cold.csv", b"composition,sigma_S_per_cm,temperature_C\nLiCl,1e-3,-273\n"),
    "t_1e9": ("hot.csv", b"composition,sigma_S_per_cm,temperature_C\nLiBr,1e-3,1e9\n"),
    "li0cl": ("zero.csv", b"composition,sigma_S_per_cm\nLi0Cl,1e-3\n"),
    "formulas": ("formulas.csv", b"formula\nLiCl\nLiBr\n"),
    "space": ("space.toml", SPACE.encode()),
    "campaign": ("campaign.toml", CAMPAIGN.encode()),
    "bom_campaign": ("bom.toml", b"\xef\xbb\xbf" + CAMPAIGN.encode()),
    "bom_space": ("bom_space.toml", b"\xef\xbb\xbf" + SPACE.encode()),
    "binary": ("binary.toml", bytes(range(256)) * 4),
    "parquet": ("x.parquet", _parquet()),
    "latin1_formulas": ("latin.csv", b"formula\nLi\xe9Cl\n"),
    "latin1_rows": ("latin_rows.csv", b"composition,sigma_S_per_cm,note\nLiCl,1e-3,caf\xe9\n"),
    "xlsx": ("book.csv", b"PK\x03\x04" + bytes(200)),
    "digits": ("digits.csv", f"composition,sigma_S_per_cm\n{DIGITS},1e-3\n".encode()),
    "blank_rows": ("blank.csv", b"formula,note\nLiCl,a\n\nLiBr,b\n,c\n"),
    "extra_cell": (
        "extra.csv",
        b"composition,sigma_S_per_cm,note\nLiCl,1e-3,a\nLiBr,1e-3,b,c\n",
    ),
    "extra_cell_formulas": ("extra_formulas.csv", b"formula,note\nLiCl,a,b\nLiBr,c\n"),
    "bad_formulas": ("bad_formulas.csv", b"formula\nLiCl\nLi2Q\n"),
}


@dataclass(frozen=True)
class Case:
    """One row of the battery."""

    case: str
    item: str
    setup: str
    command: str
    exit: int
    expect: str
    stores: str
    check: str


def _cases() -> list[Case]:
    with TABLE.open(newline="", encoding="utf-8") as handle:
        return [Case(**{**row, "exit": int(row["exit"])}) for row in csv.DictReader(handle)]


CASES = _cases()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the three models, trained once (bundled data, random forests)."""
    ws = tmp_path_factory.mktemp("trained") / "ws"
    result = CliRunner().invoke(
        app,
        ["-w", str(ws), "train", "--sources", "bundled", "--families", "rf", "--promote"],
    )
    assert result.exit_code == 0, result.output
    return ws


def _digests(root: Path) -> dict[str, str]:
    if root.is_file():
        return {root.name: hashlib.sha256(root.read_bytes()).hexdigest()}
    if not root.is_dir():
        return {}
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _cut_last_byte(ws: Path) -> None:
    log = ws / "measurements" / "measurement_log.csv"
    log.write_bytes(log.read_bytes()[:-1])


def _card(ws: Path, version: str) -> Path:
    return ws / "models" / version.split("-")[0] / version / "card.json"


def _card_family_zzz(ws: Path) -> None:
    path = _card(ws, "sigma-0001")
    card = json.loads(path.read_text())
    card["family"] = "zzz"
    path.write_text(json.dumps(card))


def _non_skops_sigma(ws: Path) -> None:
    artifact = ws / "models" / "sigma" / "sigma-0001" / "model.skops"
    artifact.write_bytes(b"not a zip archive" * 50)
    path = _card(ws, "sigma-0001")
    card = json.loads(path.read_text())
    card["artifact_sha256"] = hashlib.sha256(artifact.read_bytes()).hexdigest()
    path.write_text(json.dumps(card))


def _append_to_sigma_file(ws: Path) -> None:
    with (ws / "models" / "sigma" / "sigma-0001" / "model.skops").open("ab") as handle:
        handle.write(b"x")


def _unquoted_carriage_return(ws: Path) -> None:
    # A row as the log writer wrote it before issue 14: the carriage return left unquoted.
    log = ws / "measurements" / "measurement_log.csv"
    cells = ["LiI", "LiI", "1e-07", *[""] * 8, "unknown", "", "log", "", "", "a\rb"]
    row = ",".join([*cells, "cr.csv", "0" * 64, "2026-01-01T00:00:00+00:00"]) + "\n"
    log.write_bytes(log.read_bytes() + row.encode())


DAMAGE: dict[str, Callable[[Path], None]] = {
    "cut_last_byte": _cut_last_byte,
    "unquoted_carriage_return": _unquoted_carriage_return,
    "current_sigma_is_ea": lambda ws: (ws / "models" / "sigma" / "CURRENT").write_text("ea-0001\n"),
    "card_family_zzz": _card_family_zzz,
    "non_skops_sigma": _non_skops_sigma,
    "append_to_sigma_file": _append_to_sigma_file,
}


def _prepare(
    case: Case, tmp_path: Path, trained: Callable[[], Path]
) -> tuple[Path, dict[str, str]]:
    """The case's workspace path and extra environment, set up as its ``setup`` says."""
    ws = tmp_path / "ws"
    env: dict[str, str] = {}
    for part in case.setup.split("+"):
        if part == "empty":
            pass
        elif part == "log":
            (tmp_path / "first.csv").write_bytes(GOOD)
            added = CliRunner().invoke(
                app, ["-w", str(ws), "data", "add", str(tmp_path / "first.csv")]
            )
            assert added.exit_code == 0, added.output
            # the same bytes as the "good" input: adding that file again is the same file
        elif part == "models":
            shutil.copytree(trained(), ws, dirs_exist_ok=True)
        elif part == "run":
            run_tiny(ws, "tiny")
        elif part == "file_workspace":
            ws = tmp_path / "ws.txt"
            ws.write_text("not a folder\n")
        elif part == "devnull_workspace":
            ws = Path("/dev/null")
        elif part == "env_workspace_empty":
            env["ANIONSCREEN_WORKSPACE"] = ""
        elif part == "read_only":
            pass  # applied around the command
        else:
            DAMAGE[part](ws)
    return ws, env


def _arguments(case: Case, ws: Path, inputs: Path) -> list[str]:
    out = []
    for token in shlex.split(case.command):
        if token.startswith("{file:"):
            out.append(str(inputs / FILES[token[6:-1]][0]))
        elif token.startswith("{text:"):
            out.append(TEXTS[token[6:-1]])
        else:
            out.append(token.format(ws=ws, dir=inputs))
    return out


@dataclass
class Outcome:
    exit_code: int
    output: str


def _run(args: list[str], env: dict[str, str]) -> Outcome:
    result = CliRunner().invoke(app, args, env=env)
    return Outcome(result.exit_code, result.output)


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return (
        subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0
    )


@dataclass
class ReadOnly:
    """Run a command with ``ws`` read-only (chmod, or a read-only bind mount as root)."""

    ws: Path

    def run(self, args: list[str], env: dict[str, str]) -> Outcome:
        if os.geteuid() != 0:
            modes = {p: p.stat().st_mode for p in (self.ws, *self.ws.rglob("*")) if p.is_dir()}
            for path in modes:
                path.chmod(0o555)
            try:
                return _run(args, env)
            finally:
                for path, mode in modes.items():
                    path.chmod(mode)
        if not _unshare_works():
            pytest.skip("running as root without unshare: cannot make a folder read-only")
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
        command = [sys.executable, "-c", "from anionscreen.screening.cli.app import main; main()"]
        proc = subprocess.run(
            ["unshare", "-m", "sh", "-c", script, str(self.ws), *command, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **env},
        )
        return Outcome(proc.returncode, proc.stdout + proc.stderr)


def _log_reads_back(ws: Path, inputs: Path, outcome: Outcome) -> None:
    log = read_log(Settings(workspace=ws, data_mirror=None, cache=inputs / "cache"))
    assert log["formula"].tolist()[:2] == ["Li3InCl6", "Li6PS5Cl"]
    added = log.iloc[2:]
    assert len(added) in (1, 2)
    assert set(added["added_file"]) <= {"cr.csv", "name\rx.csv", "good.csv"}
    if "cr.csv" in set(added["added_file"]):
        assert added["note"].tolist() == ["a\rb"]


def _no_fetch_advice(ws: Path, inputs: Path, outcome: Outcome) -> None:
    assert "fetch it again" not in outcome.output


CHECKS: dict[str, Callable[[Path, Path, Outcome], None]] = {
    "log_reads_back": _log_reads_back,
    "no_fetch_advice": _no_fetch_advice,
}


def _inputs(folder: Path) -> Path:
    folder.mkdir()
    for name, data in FILES.values():
        (folder / name).write_bytes(data)
    (folder / "link.csv").symlink_to(folder / "formulas.csv")
    return folder


@pytest.mark.parametrize("case", CASES, ids=[c.case for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    inputs = _inputs(tmp_path / "inputs")
    ws, env = _prepare(case, tmp_path, lambda: request.getfixturevalue("trained"))
    args = _arguments(case, ws, inputs)
    watched = ws != Path("/dev/null")
    before = (_digests(ws) if watched else {}, _digests(inputs))
    runner = ReadOnly(ws).run if "read_only" in case.setup else _run
    outcome = runner(args, env)
    assert outcome.exit_code == case.exit, outcome.output
    assert case.expect in outcome.output
    if case.exit:
        assert "Traceback" not in outcome.output
        assert outcome.output.count("error: ") == 1
    after = (_digests(ws) if watched else {}, _digests(inputs))
    if case.stores == "unchanged":
        assert after == before
    elif case.stores == "inputs_unchanged":
        assert after[1] == before[1]
    if case.check:
        CHECKS[case.check](ws, inputs, outcome)


def test_the_table_names_each_case_once_with_a_known_setup() -> None:
    names = [c.case for c in CASES]
    assert len(names) == len(set(names))
    known = {"empty", "log", "models", "run", "file_workspace", "devnull_workspace"}
    known |= {"env_workspace_empty", "read_only", *DAMAGE}
    for case in CASES:
        assert set(case.setup.split("+")) <= known, case.case
        assert case.stores in ("unchanged", "inputs_unchanged", "changed", "-"), case.case
        assert case.check in ("", *CHECKS), case.case


def test_docs_name_every_case() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text()
    missing = [c.case for c in CASES if f"`{c.case}`" not in page]
    assert not missing
