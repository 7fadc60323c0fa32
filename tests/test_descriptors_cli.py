"""``anionscreen featurize`` through typer's CliRunner."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from anionscreen.descriptors.composite import featurize
from anionscreen.screening.cli import app

runner = CliRunner()


def test_inline_formulas_to_stdout() -> None:
    result = runner.invoke(app, ["featurize", "Li2TaS0.4O0.6Cl5", "LiCl", "--preset", "magpie"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table.shape == (2, 134)
    assert list(table["formula"]) == ["Li2TaS0.4O0.6Cl5", "LiCl"]
    assert table.loc[1, "magpie mean Number"] == 10.0
    assert "featurized 2 of 2 row(s), 132 features" in result.stderr


def test_file_to_parquet_with_skipped_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"composition": ["LiCl", "Li2Q", "Li3YCl6", "Fe3O4"]}).to_csv(src, index=False)
    out = tmp_path / "features.parquet"
    result = runner.invoke(
        app,
        ["featurize", "--in", str(src), "--column", "composition", "--out", str(out),
         "--on-error", "skip"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert list(table["row"]) == [0, 2]
    assert table.shape[1] == 2 + 185
    expected = featurize(["LiCl", "Li3YCl6"]).features
    assert table.iloc[1, 2:].to_numpy(float) == pytest.approx(
        expected.iloc[1, 1:].to_numpy(float), nan_ok=True
    )
    failures = pd.read_csv(tmp_path / "features.failures.csv")
    assert list(failures["row"]) == [1, 3]
    assert "unknown element 'Q'" in failures.loc[0, "reason"]
    assert "skipped 2" in result.stderr
    # A clean rerun to the same output removes the earlier failure listing.
    pd.DataFrame({"composition": ["LiCl"]}).to_csv(src, index=False)
    again = runner.invoke(
        app, ["featurize", "--in", str(src), "--column", "composition", "--out", str(out)]
    )
    assert again.exit_code == 0, again.output
    assert not (tmp_path / "features.failures.csv").exists()
    src.write_text("")
    empty = runner.invoke(app, ["featurize", "--in", str(src), "--out", str(out)])
    assert empty.exit_code == 1
    assert f"--in file {src} is empty; expected a header line" in empty.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["featurize", "LiCl", "Li2Q"], "row 1 ('Li2Q'): cannot read formula 'Li2Q'"),
        (["featurize"], "give formulas as arguments or --in FILE"),
        (["featurize", "LiCl", "--preset", "all"], "'preset' parameter"),
        (["featurize", "LiCl", "--out", "x.txt"], "--out must end in .csv, .parquet or .json"),
    ],
)
def test_errors_exit_1_with_a_message(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_missing_column_and_missing_out(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"f": ["LiCl"]}).to_csv(src, index=False)
    result = runner.invoke(app, ["featurize", "--in", str(src), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1
    assert "in.csv has no column 'formula'; its columns are ['f']" in result.stderr
    result = runner.invoke(app, ["featurize", "--in", str(src), "--column", "f"])
    assert result.exit_code == 1
    assert "--in needs --out FILE" in result.stderr
    assert not (tmp_path / "o.csv").exists()
