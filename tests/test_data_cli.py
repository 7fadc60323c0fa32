"""The data CLI: export, add (good and bad), list, combined, datasets fetch."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anionscreen.datasets.external import EXTERNAL_DATASETS
from anionscreen.screening.cli import app

MIRROR = os.environ.get("ANIONSCREEN_DATA_MIRROR")
needs_mirror = pytest.mark.skipif(
    not MIRROR, reason="ANIONSCREEN_DATA_MIRROR is not set (CI points it at ../shared/data)"
)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ANIONSCREEN_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("ANIONSCREEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ANIONSCREEN_DATA_MIRROR", raising=False)
    return CliRunner()


def test_export_bundled_json_has_the_series(runner: CliRunner) -> None:
    result = runner.invoke(app, ["data", "export", "--source", "bundled", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    series = [r for r in rows if r["formula"].startswith("Li2TaS")]
    assert [r["sigma_S_per_cm"] for r in series] == [2.7e-4, 8.7e-4, 4.17e-3, 4.29e-3]
    assert [r["ea_eV"] for r in series] == [0.36, 0.35, 0.33, 0.32]
    assert [r["modulus_GPa"] for r in series] == [8.2, None, 7.3, None]
    assert {r["source"] for r in rows} == {"bundled"}


def test_add_bad_rows_exits_nonzero_names_each_row_log_unchanged(
    runner: CliRunner, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("composition,sigma_mS_per_cm,temperature_C\nLi3InCl6,1.49,25\n")
    first = runner.invoke(app, ["data", "add", str(good)])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("added 1 row(s) from good.csv (sha256 ")
    log = tmp_path / "ws" / "measurements" / "measurement_log.csv"
    before = log.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "composition,sigma_S_per_cm\n"
        "Li3InCl6,1.2e-3\n"
        "Li3Qz,1e-3\n"
        "Li3YCl6,-5e-4\n"
        "Li3YBr6,n/a\n"
        "Li6PS5Br,4.2\n"
        ",1e-3\n"
    )
    result = runner.invoke(app, ["data", "add", str(bad)])
    assert result.exit_code == 1
    err = result.stderr
    assert err.startswith("error: 5 problem(s) found, nothing was written:")
    for row, column, value in [
        (2, "composition", "Li3Qz"),
        (3, "sigma_S_per_cm", "-5e-4"),
        (4, "sigma_S_per_cm", "n/a"),
        (5, "sigma_S_per_cm", "4.2"),
        (6, "composition", ""),
    ]:
        assert f"{bad}: row {row}, column '{column}': got '{value}'" in err
    assert "above 1 S/cm is implausible" in err
    assert log.read_bytes() == before


def test_help_on_every_command(runner: CliRunner) -> None:
    for args in (["data"], ["data", "list"], ["data", "export"], ["data", "add"],
                 ["data", "combined"], ["data", "skipped"], ["datasets"], ["datasets", "fetch"]):  # fmt: skip
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0
        assert "Usage:" in result.output


def test_unknown_dataset_and_missing_data(runner: CliRunner) -> None:
    result = runner.invoke(app, ["datasets", "fetch", "obelixx"])
    assert result.exit_code == 1
    assert "unknown external dataset 'obelixx'" in result.stderr
    result = runner.invoke(app, ["data", "export", "--source", "liverpool"])
    assert result.exit_code == 1
    assert "`anionscreen datasets fetch liverpool`" in result.stderr


@needs_mirror
def test_fetch_from_mirror_then_list_and_combined(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MIRROR is not None
    monkeypatch.setenv("ANIONSCREEN_DATA_MIRROR", MIRROR)
    result = runner.invoke(app, ["datasets", "fetch", "obelix_test", "mchaffie"])
    assert result.exit_code == 0, result.output
    sha = EXTERNAL_DATASETS["obelix_test"].file.sha256
    assert (
        f"obelix_test: {tmp_path / 'cache' / 'datasets' / 'obelix' / 'test.csv'}" in result.stdout
    )
    assert f"(sha256 {sha} verified)" in result.stdout
    monkeypatch.delenv("ANIONSCREEN_DATA_MIRROR")
    listed = runner.invoke(app, ["data", "list"])
    assert listed.exit_code == 0
    line = next(x for x in listed.stdout.splitlines() if "obelix_test" in x)
    assert "True" in line
    assert "121" in line
    combined = runner.invoke(app, ["data", "combined", "-s", "obelix_test", "-s", "mchaffie"])
    assert combined.exit_code == 0
    header = combined.stdout.splitlines()[0]
    assert header == "formula,target,modulus_kind,count,median,min,max,n_censored,n_not_rt,sources"
    assert "note: mchaffie: 1 unreadable row(s) skipped" in combined.stderr


@needs_mirror
def test_fetch_tampered_mirror_names_file_and_checksums(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MIRROR is not None
    mirror = tmp_path / "mirror"
    shutil.copytree(Path(MIRROR) / "liverpool", mirror / "liverpool")
    target = mirror / "liverpool" / "LiIonDatabase.csv"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes().replace(b"Li7La3Zr2O12", b"Li7La3Hf2O12", 1))
    monkeypatch.setenv("ANIONSCREEN_DATA_MIRROR", str(mirror))
    result = runner.invoke(app, ["datasets", "fetch", "liverpool"])
    assert result.exit_code == 1
    expected = EXTERNAL_DATASETS["liverpool"].file.sha256
    assert f"checksum mismatch for {target}: expected sha256 {expected}, got " in result.stderr
    assert not list((tmp_path / "cache").rglob("*.csv"))  # nothing was cached
