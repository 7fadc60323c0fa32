"""The append-only measurement log: validation first, atomic appends, concurrency, crashes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from anionscreen.datasets.errors import AnionscreenError, DataValidationError
from anionscreen.datasets.measurement_log import (
    LOG_COLUMNS,
    append_measurements,
    log_path,
    read_log,
)
from anionscreen.datasets.settings import Settings

GOOD = (
    "composition,sigma_S_per_cm,temperature_C,ea_eV,doi\n"
    "Li2TaS0.4O0.6Cl5,4.17e-3,25,0.33,10.1021/acsmaterialslett.5c01054\n"
    "Li6PS5Cl,2.05e-3,RT,0.452,10.1021/jacs.7b06327\n"
)
BAD = (
    "composition,sigma_S_per_cm,temperature_C\n"
    "Li3InCl6,1.2e-3,25\n"
    "Xq2Cl,1e-3,25\n"  # unknown element
    "Li3YCl6,-5e-4,25\n"  # negative
    "Li3YBr6,high,25\n"  # non-numeric
    "Li6PS5Br,4.2,25\n"  # mS/cm in an S/cm column
    ",1e-3,25\n"  # missing composition
)


def _settings(tmp_path: Path) -> Settings:
    return Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_append_then_read_with_provenance(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert read_log(settings).empty
    csv = _write(tmp_path / "mine.csv", GOOD)
    added = append_measurements(settings, csv)
    assert len(added) == 2
    log = read_log(settings)
    assert list(log.columns) == list(LOG_COLUMNS)
    assert log["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "Li6PS5Cl"]
    assert log["sigma_S_per_cm"].tolist() == [4.17e-3, 2.05e-3]
    assert log["temperature_C"].tolist() == [25.0, 25.0]
    assert set(log["source"]) == {"log"}
    assert set(log["added_file"]) == {"mine.csv"}
    assert set(log["added_sha256"]) == {hashlib.sha256(csv.read_bytes()).hexdigest()}
    assert datetime.fromisoformat(log["added_at"].iloc[0]).tzinfo is not None
    append_measurements(settings, pd.DataFrame({"composition": ["LiCl"], "ea_eV": ["0.5"]}))
    assert read_log(settings)["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "Li6PS5Cl", "LiCl"]


def test_bad_rows_write_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    append_measurements(settings, _write(tmp_path / "first.csv", GOOD))
    before = log_path(settings).read_bytes()
    with pytest.raises(DataValidationError) as info:
        append_measurements(settings, _write(tmp_path / "bad.csv", BAD))
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "composition"),
        (3, "sigma_S_per_cm"),
        (4, "sigma_S_per_cm"),
        (5, "sigma_S_per_cm"),
        (6, "composition"),
    ]
    assert log_path(settings).read_bytes() == before


def test_refuses_to_append_to_a_foreign_file(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    log_path(settings).parent.mkdir(parents=True)
    log_path(settings).write_text("something else\n")
    with pytest.raises(AnionscreenError, match="does not start with the measurement-log header"):
        append_measurements(settings, _write(tmp_path / "g.csv", GOOD))
    assert log_path(settings).read_text() == "something else\n"


_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from anionscreen.datasets.measurement_log import append_measurements
    from anionscreen.datasets.settings import Settings

    workspace, tag, batches = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    settings = Settings(workspace=workspace, data_mirror=None, cache=workspace / "cache")
    for batch in range(batches):
        rows = [f"LiCl,1e-3,25,{tag}-{batch}-{i}" for i in range(40)]
        path = workspace.parent / f"{tag}-{batch}.csv"
        path.write_text("composition,sigma_S_per_cm,temperature_C,note\\n" + "\\n".join(rows))
        append_measurements(settings, path)
    """
)


def test_two_processes_adding_at_once_both_land(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(settings.workspace), tag, "4"])
        for tag in ("a", "b")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    log = read_log(settings)
    assert len(log) == 2 * 4 * 40
    assert log["note"].is_unique
    expected = {f"{t}-{b}-{i}" for t in "ab" for b in range(4) for i in range(40)}
    assert set(log["note"]) == expected
    # each add landed as one contiguous block, in its own order
    for _, block in log.groupby("added_file", sort=False):
        assert block.index.tolist() == list(range(block.index[0], block.index[0] + 40))
        assert block["note"].tolist() == sorted(block["note"], key=lambda n: int(n.split("-")[2]))


_CRASHER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from anionscreen.datasets.measurement_log import append_measurements
    from anionscreen.datasets.settings import Settings

    # Die hard (no cleanup, no finally) right after the new log was written to its temporary
    # file and before it replaces the log: the worst moment for a crash.
    os.fsync = lambda fd: os._exit(9)
    workspace = Path(sys.argv[1])
    settings = Settings(workspace=workspace, data_mirror=None, cache=workspace / "cache")
    append_measurements(settings, sys.argv[2])
    """
)


def test_crash_in_the_middle_leaves_the_log_byte_identical(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    append_measurements(settings, _write(tmp_path / "first.csv", GOOD))
    before = log_path(settings).read_bytes()
    second = _write(tmp_path / "second.csv", "composition,ea_eV\nLiBr,0.4\nLiI,0.3\n")
    crashed = subprocess.run(
        [sys.executable, "-c", _CRASHER, str(settings.workspace), str(second)], check=False
    )
    assert crashed.returncode == 9
    assert log_path(settings).read_bytes() == before
    leftovers = list(log_path(settings).parent.glob(".measurement_log.csv.*.tmp"))
    assert len(leftovers) == 1  # the crashed writer's temporary file, never the log
    append_measurements(settings, second)
    assert read_log(settings)["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "Li6PS5Cl", "LiBr", "LiI"]
    assert not list(log_path(settings).parent.glob(".measurement_log.csv.*.tmp"))


# Issue 14: nothing lost, nothing silently wrong in the log.


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_carriage_return_in_a_text_cell_is_quoted_and_reads_back(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    append_measurements(settings, _write(tmp_path / "first.csv", GOOD))
    cr = tmp_path / "cr.csv"
    cr.write_bytes(b'composition,sigma_S_per_cm,note,family\nLi3InCl6,1e-3,"a\rb","x\r\ny"\n')
    append_measurements(settings, cr)
    assert b',"x\r\ny",log,,,"a\rb",cr.csv,' in log_path(settings).read_bytes()
    log = read_log(settings)
    assert log["note"].tolist()[-1] == "a\rb"
    assert log["family"].tolist()[-1] == "x\r\ny"
    append_measurements(settings, _write(tmp_path / "third.csv", "composition,ea_eV\nLiI,0.3\n"))
    assert read_log(settings)["formula"].tolist() == [
        "Li2TaS0.4O0.6Cl5", "Li6PS5Cl", "Li3InCl6", "LiI",
    ]  # fmt: skip


def test_carriage_return_in_the_file_name_is_quoted_and_reads_back(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    append_measurements(settings, _write(tmp_path / "a\rb.csv", GOOD))
    append_measurements(settings, _write(tmp_path / "c,d.csv", "composition,ea_eV\nLiI,0.3\n"))
    log = read_log(settings)
    assert log["added_file"].tolist() == ["a\rb.csv", "a\rb.csv", "c,d.csv"]
    assert log["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "Li6PS5Cl", "LiI"]


def test_the_old_writer_output_fails_verification(tmp_path: Path) -> None:
    # What the log writer did before issue 14: a carriage return left unquoted. The check that
    # runs before every replace refuses such bytes.
    from anionscreen.datasets.measurement_log import _cells, _header, _verify

    settings = _settings(tmp_path)
    added = append_measurements(settings, _write(tmp_path / "first.csv", GOOD))
    added.loc[0, "note"] = "a\rb"
    unquoted = added.loc[:, list(LOG_COLUMNS)].to_csv(index=False, lineterminator="\n").encode()
    header = _header(LOG_COLUMNS)
    assert unquoted.startswith(header)
    with pytest.raises(AnionscreenError, match="nothing was written"):
        _verify(unquoted[len(header) :], log_path(settings), _cells(added))


def test_log_without_final_newline_is_refused_not_repaired(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    append_measurements(settings, _write(tmp_path / "first.csv", GOOD))
    path = log_path(settings)
    path.write_bytes(path.read_bytes()[:-1])  # truncate -s -1
    before = _digest(path)
    with pytest.raises(AnionscreenError) as info:
        append_measurements(settings, _write(tmp_path / "two.csv", "composition,ea_eV\nLiI,0.3\n"))
    assert str(info.value).startswith(f"{path} does not end with a newline: its last line (ending")
    assert (
        f"Nothing was written. Check that line: if it is complete, end the file with a newline (echo >> {path})"
        in str(info.value)
    )
    assert _digest(path) == before


def test_nul_byte_in_a_note_is_refused_not_cut(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b'composition,sigma_S_per_cm,note\nLi3InCl6,1e-3,"a\x00b"\n')
    with pytest.raises(AnionscreenError, match=r"nul\.csv holds a NUL byte \(U\+0000\) on line 2"):
        append_measurements(settings, nul)
    table = pd.DataFrame({"composition": ["LiCl"], "ea_eV": ["0.5"], "note": ["a\x00b"]})
    with pytest.raises(DataValidationError) as info:
        append_measurements(settings, table)
    assert str(info.value.problems[0]) == (
        "<table>: row 1, column 'note': got 'a\\x00b'; expected text without control "
        "characters (U+0000 at position 1)"
    )
    assert not log_path(settings).exists()


def test_same_file_added_twice_is_refused_unless_allowed(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    csv = _write(tmp_path / "mine.csv", GOOD)
    first = append_measurements(settings, csv)
    before = _digest(log_path(settings))
    with pytest.raises(AnionscreenError) as info:
        append_measurements(settings, csv)
    assert str(info.value) == (
        f"mine.csv (sha256 {first['added_sha256'][0]}) was already added to {log_path(settings)}: "
        f"2 row(s) from 'mine.csv' at {first['added_at'][0]}. Adding it again would count its "
        "rows twice; nothing was written. To add it anyway, use --allow-same-file "
        "(allow_same_file=True)"
    )
    assert _digest(log_path(settings)) == before
    append_measurements(settings, csv, allow_same_file=True)
    assert len(read_log(settings)) == 4


def test_a_row_with_one_cell_too_many_is_refused_as_such(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    bad = _write(tmp_path / "extra.csv", "composition,sigma_S_per_cm\nLiCl,1e-3,25\n")
    with pytest.raises(AnionscreenError) as info:
        append_measurements(settings, bad)
    assert str(info.value) == (
        f"{bad}: row 1 (line 2) has 3 cells; the header has 2 column(s) (composition, "
        'sigma_S_per_cm). A comma inside a value must be quoted, e.g. "a, b"'
    )
    assert not log_path(settings).exists()
