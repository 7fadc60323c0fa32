"""One command-line convention: examples in every help, no markup leaks, global options anywhere.

Every command and subcommand is found from ``screening/cli/app.py:COMMANDS`` (the root's
registry), so a new command is checked without being listed here.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rich.text import Text
from typer.testing import CliRunner

from anionscreen.screening.cli import app
from anionscreen.screening.cli.app import (
    COMMANDS,
    GLOBAL_OPTIONS,
    global_options_first,
    load_command,
)
from anionscreen.screening.cli.options import parse_sources

runner = CliRunner()


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, click command) of every command and subcommand."""

    def walk(path: tuple[str, ...], command: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk((*path, name), sub)

    for name in COMMANDS:
        yield from walk((name,), load_command(name))


COMMAND_PATHS = [path for path, _ in _commands()]


@pytest.mark.parametrize("path", [(), *COMMAND_PATHS], ids=lambda path: " ".join(path) or "root")
def test_every_help_has_an_example_of_itself(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert f"Example: anionscreen {' '.join(path)}".strip() in result.output, result.output


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_help_shows_no_typer_types_and_no_markup(path: tuple[str, ...]) -> None:
    output = runner.invoke(app, [*path, "--help"], terminal_width=200).output
    for leak in ("<bool>", "<path>", "<str>", "<int>", "<float>", "<list", "``"):
        assert leak not in output, (leak, output)


def test_help_texts_have_no_rich_markup() -> None:
    # typer renders help as rich markup: "[[space]]" or "[csv|json]" would silently vanish.
    texts = {"anionscreen": app.info.help or ""}
    for path, command in _commands():
        texts[" ".join(path)] = command.help or ""
        for param in command.params:
            texts[f"{' '.join(path)} {param.name}"] = getattr(param, "help", None) or ""
    lost = {where: text for where, text in texts.items() if Text.from_markup(text).plain != text}
    assert lost == {}


def test_no_command_takes_a_global_option_name() -> None:
    for path, command in _commands():
        for param in command.params:
            assert not set(param.opts) & set(GLOBAL_OPTIONS), (path, param.opts)


def test_help_loads_no_scientific_stack() -> None:
    # The root help (with its placeholders tidied) stays as light as the import.
    heavy = ("numpy", "pandas", "sklearn", "pymatgen", "pyarrow", "duckdb", "matplotlib")
    code = (
        "import sys\n"
        "from anionscreen.screening.cli.app import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--workspace" in out.stdout
    assert out.stderr.strip() == "[]"


def test_global_options_are_moved_in_front_of_the_command() -> None:
    assert global_options_first(["screen", "c.toml", "--workspace", "ws", "--traceback"]) == [
        "--workspace", "ws", "--traceback", "screen", "c.toml",
    ]  # fmt: skip
    assert global_options_first(["-w", "a", "runs", "list", "-w=b"]) == [
        "-w", "a", "-w=b", "runs", "list",
    ]  # fmt: skip
    # after "--" everything is the command's
    assert global_options_first(["query", "x", "--", "--traceback"]) == [
        "query", "x", "--", "--traceback",
    ]  # fmt: skip
    assert global_options_first(["--help"]) == ["--help"]


def test_global_options_after_the_command_work(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("composition,sigma_S_per_cm,temperature_C,doi\nLi3ScCl6,3.0e-3,25,10.1/x\n")
    added = runner.invoke(app, ["data", "add", str(rows), "--workspace", str(tmp_path / "ws")])
    assert added.exit_code == 0, added.output
    assert (tmp_path / "ws").is_dir()
    shown = runner.invoke(app, ["data", "export", "-s", "log", "-w", str(tmp_path / "ws")])
    assert shown.exit_code == 0, shown.output
    assert "Li3ScCl6" in shown.stdout
    # --traceback after the command: the project error propagates instead of "error: ..."
    failed = runner.invoke(app, ["featurize", "Li2Q", "--traceback"])
    assert failed.exit_code == 1
    assert type(failed.exception).__name__ == "AnionscreenError"
    assert "error:" not in failed.output


def test_sources_as_a_comma_list_or_repeated(tmp_path: Path) -> None:
    assert parse_sources(["bundled,log", "obelix", "log"]) == ("bundled", "log", "obelix")
    assert parse_sources(None) is None
    ws = ["-w", str(tmp_path)]
    listed = runner.invoke(app, [*ws, "data", "export", "--sources", "bundled,log"])
    repeated = runner.invoke(app, [*ws, "data", "export", "-s", "bundled", "-s", "log"])
    singular = runner.invoke(app, [*ws, "data", "export", "--source", "bundled"])
    assert listed.exit_code == repeated.exit_code == singular.exit_code == 0
    assert listed.stdout == repeated.stdout == singular.stdout  # the log is empty
    empty = runner.invoke(app, [*ws, "data", "export", "--sources", ","])
    assert empty.exit_code == 1
    assert "--sources needs source names, e.g. bundled,log; got ','" in empty.stderr


def test_data_export_out_follows_the_suffix(tmp_path: Path) -> None:
    ws = ["-w", str(tmp_path)]
    printed = runner.invoke(app, [*ws, "data", "export", "--sources", "bundled"]).stdout
    expected = pd.read_csv(pd.io.common.StringIO(printed))
    for suffix in (".csv", ".parquet", ".json"):
        out = tmp_path / f"bundled{suffix}"
        done = runner.invoke(app, [*ws, "data", "export", "--sources", "bundled", "-o", str(out)])
        assert done.exit_code == 0, done.output
        assert f"wrote {len(expected)} row(s) to {out}" in done.stderr
    # values as recorded: the CSV file is what stdout shows, byte for byte
    assert (tmp_path / "bundled.csv").read_text() == printed
    assert pd.read_parquet(tmp_path / "bundled.parquet")["composition"].tolist() == (
        expected["composition"].tolist()
    )
    assert len(pd.read_json(tmp_path / "bundled.json")) == len(expected)
