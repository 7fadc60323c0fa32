"""``anionscreen generate`` and ``anionscreen check-formula`` through typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli import app
from anionscreen.screening.cli.generate import _write

SPACES = """
[[space]]
name = "Li-M-(S,O)-X5"
template = "Li{n} {M} S{1-x} O{x} {X}5"
M = ["Ta", "Nb", "Zr", "Hf", "W"]
X = ["Cl", "Br"]
x = { start = 0.0, stop = 1.0, step = 0.1 }
n = "balance"

[[space]]
name = "Li-Y-Cl"
cations = ["Y"]
anions = ["Cl"]
amounts = { start = 1, stop = 6, step = 1 }
"""

runner = CliRunner()


@pytest.fixture
def space_file(tmp_path: Path) -> Path:
    path = tmp_path / "spaces.toml"
    path.write_text(SPACES, encoding="utf-8")
    return path


def test_generate_count(space_file: Path) -> None:
    result = runner.invoke(app, ["generate", str(space_file), "--count"])
    assert result.exit_code == 0, result.output
    # Li-Y-Cl: Y1 with Cl 4, 5, 6 gives Li 1, 2, 3 (Y2 would need Cl >= 7).
    # grid points by arithmetic (5 M x 2 X x 11 x; Y 1..6 x Cl 1..6), candidates counted
    assert "│ Li-M-(S,O)-X5 │ template │         110 │        132 │" in result.output
    assert "│ Li-Y-Cl       │ system   │          36 │          3 │" in result.output
    assert "│ total         │          │         146 │        135 │" in result.output


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".json":
        return pd.DataFrame(json.loads(path.read_text()))
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".json"])
def test_generate_writes_candidates(space_file: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"cands{suffix}"
    args = ["generate", str(space_file), "--out", str(out), "--fractions"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"wrote 135 candidates to {out}" in result.output.replace("\n", "")
    table = _read(out)
    assert len(table) == 135
    assert list(table.columns[:11]) == [
        "formula", "formula_key", "space", "M", "X", "x", "n", "n_Li", "ox_M", "cations", "anions",
    ]  # fmt: skip
    # As the template writes it, and the normalised key beside it for joins.
    assert table["formula"].iloc[6] == "Li2TaS0.4O0.6Cl5"
    assert table["formula_key"].iloc[6] == "Li2TaS0.4Cl5O0.6"
    assert table["formula_key"].tolist()[-3:] == ["LiYCl4", "Li2YCl5", "Li3YCl6"]
    assert table["frac_Li"].iloc[-1] == pytest.approx(0.3)  # Li3YCl6
    assert table["formula"].tolist()[-3:] == ["LiYCl4", "Li2YCl5", "Li3YCl6"]
    assert table.loc[table["space"] == "Li-Y-Cl", "ox_M"].isna().all()
    assert not list(out.parent.glob(f".{out.name}.*.tmp"))  # no temporary file is left


def test_generate_reads_the_spaces_of_a_campaign_file(space_file: Path, tmp_path: Path) -> None:
    campaign = tmp_path / "campaign.toml"
    campaign.write_text('name = "c"\n' + SPACES + '[[objective]]\nname = "sigma"\n')
    spaces_only = runner.invoke(
        app, ["generate", str(space_file), "--out", str(tmp_path / "a.csv")]
    )
    from_campaign = runner.invoke(
        app, ["generate", str(campaign), "--out", str(tmp_path / "b.csv")]
    )
    assert spaces_only.exit_code == from_campaign.exit_code == 0, from_campaign.output
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    # a campaign file is validated as one: its mistakes are named like `screen` names them
    campaign.write_text('name = "c"\n' + SPACES + "[ranking]\ntop_n = 0\n")
    bad = runner.invoke(app, ["generate", str(campaign), "--count"])
    assert bad.exit_code == 1
    assert "key 'ranking.top_n' = 0" in bad.stderr
    # a space file with a stray top-level key still says what a space file may hold
    stray = tmp_path / "stray.toml"
    stray.write_text("spaces = 1\n" + SPACES)
    refused = runner.invoke(app, ["generate", str(stray), "--count"])
    assert refused.exit_code == 1
    assert "unknown top-level key(s) ['spaces']; expected [[space]] tables" in refused.stderr


def test_generate_limit_and_preview(space_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "few.csv"
    result = runner.invoke(app, ["generate", str(space_file), "--out", str(out), "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 5
    preview = runner.invoke(app, ["generate", str(space_file)])
    assert preview.exit_code == 0
    assert "Li2TaS0.9O0.1Cl5" in preview.output
    assert "first 20 of 135" in preview.output


def test_generate_bad_space_fails_before_enumerating(tmp_path: Path) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(SPACES.replace('"Hf"', '"Hff"'), encoding="utf-8")
    result = runner.invoke(app, ["generate", str(path), "--count"])
    assert result.exit_code == 1
    assert "key 'M'" in result.output
    assert "'Hff' is not an element" in result.output


def test_generate_rejects_unknown_output_type(space_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", str(space_file), "--out", str(tmp_path / "a.xlsx")])
    assert result.exit_code == 1
    assert (
        "--out must end in .csv, .parquet or .json (the format follows the suffix); got 'a.xlsx'"
        in result.output
    )
    assert "candidates" not in result.stdout  # refused before counting, no table printed


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_failure_while_writing_leaves_no_file(tmp_path: Path, suffix: str) -> None:
    def frames() -> Iterator[pd.DataFrame]:
        yield pd.DataFrame({"formula": ["LiCl"]})
        raise AnionscreenError("enumeration failed")

    out = tmp_path / f"c{suffix}"
    with pytest.raises(AnionscreenError, match="enumeration failed"):
        _write(frames(), out, ["formula"], {"formula"})
    assert list(tmp_path.iterdir()) == []


def test_check_formula_neutral_and_not() -> None:
    ok = runner.invoke(app, ["check-formula", "Li2TaS0.4O0.6Cl5"])
    assert ok.exit_code == 0
    assert ok.output.strip() == "Li2TaS0.4O0.6Cl5 is neutral with Li+1, Ta+5, S-2, O-2, Cl-1"
    bad = runner.invoke(app, ["check-formula", "Li2TaS0.4O0.5Cl5"])
    assert bad.exit_code == 1
    assert bad.output.strip() == (
        "Li2TaS0.4O0.5Cl5 is not neutral: the closest assignment (Li+1, Ta+5, S-2, O-2, Cl-1) "
        "leaves a charge of +0.2 per formula unit"
    )


def test_check_formula_with_states() -> None:
    default = runner.invoke(app, ["check-formula", "LiWCl6"])
    assert default.exit_code == 1  # W is 4 or 6 by default
    override = runner.invoke(app, ["check-formula", "LiWCl6", "--oxidation-states", "W=4,5,6"])
    assert override.exit_code == 0
    assert override.output.strip() == "LiWCl6 is neutral with Li+1, W+5, Cl-1"
    wrong = runner.invoke(app, ["check-formula", "LiWCl6", "--oxidation-states", "W=four"])
    assert wrong.exit_code == 1
    assert "--oxidation-states expects El=a,b,... with integers; got 'W=four'" in wrong.output


def test_check_formula_unreadable() -> None:
    result = runner.invoke(app, ["check-formula", "Li2Qq"])
    assert result.exit_code == 1
    assert "cannot read formula 'Li2Qq'" in result.output


def test_generate_empty_space(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text(
        '[[space]]\nname = "none"\ntemplate = "Li3 {M} Cl6"\nM = ["Zr"]\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["generate", str(path)])
    assert result.exit_code == 0, result.output
    assert "no candidates" in result.output
    out = tmp_path / "none.parquet"
    written = runner.invoke(app, ["generate", str(path), "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert len(pd.read_parquet(out)) == 0
