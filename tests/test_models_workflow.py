"""Training, prediction and the CLI end to end on the bundled data (no external data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core.composition import Composition
from typer.testing import CliRunner

from anionscreen.datasets.bundled import load_bundled
from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import get_settings
from anionscreen.models.arrhenius import shift_log10_sigma
from anionscreen.models.predict import PREDICTION_COLUMNS, Predictor
from anionscreen.models.registry import ModelRegistry
from anionscreen.screening.cli import app

LTSOC = ["Li2TaSCl5", "Li2TaS0.7O0.3Cl5", "Li2TaS0.4O0.6Cl5", "Li2TaS0.1O0.9Cl5"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("ws")
    # Bundled data only (fast): an experiment (not the default sources), promoted on request.
    result = CliRunner().invoke(
        app, ["-w", str(ws), "train", "--sources", "bundled", "--target", "all", "--promote"]
    )
    assert result.exit_code == 0, result.output
    assert "sigma-0001 now current: experiment promoted on request (--promote)" in result.output
    assert "modulus-0001 now current" in result.output
    return ws


def test_train_registers_cards(workspace: Path) -> None:
    reg = ModelRegistry(workspace)
    card = reg.card("sigma-0001")
    assert card["sources"] == ["bundled"]
    assert card["experiment"] is True
    bundled = load_bundled()
    sigma_rows = bundled[bundled["sigma_S_per_cm"].notna()]
    report = card["data_report"]
    assert report["input_rows"] == len(bundled)
    assert report["censored"] == int((sigma_rows["sigma_censored"] != "").sum())
    counted = report["rows"] + report["duplicates_merged"] + report["censored"]
    assert counted + report.get("far_from_25C", 0) == len(sigma_rows)
    # sigma trains the default recipe; the baselines are in the same card
    assert set(card["metrics"]) == {"et+hgb", "mean", "magpie_rf"}
    assert card["family"] == "et+hgb"
    assert card["validation"]["label_floor"] == -12.0
    ea = reg.card("ea-0001")
    assert set(ea["metrics"]) == {"rf", "et", "hgb", "et+hgb", "mean", "magpie_rf"}
    # The one-standard-error rule: the cheapest family grouped CV cannot tell from the best.
    families = ("rf", "et", "hgb", "et+hgb")
    maes = [ea["metrics"][f]["mae"] for f in families]
    chosen = families.index(ea["family"])
    assert maes[chosen] >= min(maes)
    assert all(m > min(maes) for m in maes[:chosen])  # every cheaper family was worse
    assert ea["family"] == "rf"
    assert len(card["content_sha256"]) == 64
    assert reg.card("modulus-0001")["data_report"]["modulus_training"] == "measured"
    listing = CliRunner().invoke(app, ["-w", str(workspace), "models", "list"])
    assert listing.exit_code == 0
    assert "* sigma-0001" in listing.output


def test_predict_columns_intervals_and_domain(workspace: Path) -> None:
    predictor = Predictor.from_registry(get_settings(workspace), train_if_missing=False)
    assert predictor.versions == {"sigma": "sigma-0001", "ea": "ea-0001", "modulus": "modulus-0001"}
    table = predictor.predict([*LTSOC, "Li3ScCl6"])
    assert tuple(table.columns) == (*PREDICTION_COLUMNS, "error")
    assert table["error"].isna().all()
    assert table["formula"].tolist() == [*LTSOC, "Li3ScCl6"]
    for col in ("log10_sigma_S_per_cm", "ea_eV", "modulus_GPa"):
        assert (table[f"{col}_lo"] < table[col]).all()
        assert (table[col] < table[f"{col}_hi"]).all()
    np.testing.assert_allclose(table["sigma_S_per_cm"], 10 ** table["log10_sigma_S_per_cm"])
    # Training compositions are their own nearest neighbours.
    assert table["nearest_known"].iloc[0] == "Li2TaSCl5"
    assert table["nearest_distance"].iloc[0] == pytest.approx(0.0, abs=1e-6)
    assert bool(table["sigma_in_domain"].iloc[0])
    # Measured compositions come back with their measured value and source.
    assert table["known"].iloc[:4].tolist() == [True] * 4
    assert table["measured_sigma_S_per_cm"].iloc[2] == pytest.approx(4.17e-3)
    assert "10.1021/acsmaterialslett.5c01054" in table["measured_source"].iloc[2]
    np.testing.assert_allclose(table["sigma_mS_per_cm"], 1e3 * table["sigma_S_per_cm"])
    np.testing.assert_allclose(table["sigma_S_per_cm_lo"], 10 ** table["log10_sigma_S_per_cm_lo"])
    assert (
        table["in_domain"].tolist()
        == (table["sigma_in_domain"] & table["ea_in_domain"] & table["modulus_in_domain"]).tolist()
    )
    assert str(table["model_versions"].iloc[0]) == "sigma-0001,ea-0001,modulus-0001"


def test_asc_predict_keeps_the_index_and_skips_a_bad_row_with_its_reason(workspace: Path) -> None:
    import anionscreen as asc

    frame = pd.DataFrame(
        {
            "formula": ["Li2TaS0.4O0.6Cl5", "Li2Q", Composition("Li3InCl6")],
            "batch": ["seed", "typo", "comp"],
        },
        index=pd.Index(["s1", "s2", "s3"], name="sample"),
    )
    out = asc.predict(
        frame, column="formula", on_error="skip", temperature_C=80, amorphous=True,
        workspace=workspace,
    )  # fmt: skip
    assert out.index.equals(frame.index)
    assert list(out.columns) == ["formula", "batch", *PREDICTION_COLUMNS[1:], "error"]
    assert out["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "Li2Q", "Li3InCl6"]
    assert out["error"].tolist() == [None, "cannot read formula 'Li2Q': unknown element 'Q'", None]
    assert np.isnan(out.loc["s2", "sigma_S_per_cm"])
    assert out["in_domain"].dtype == bool
    assert not out.loc["s2", "in_domain"]
    assert out["temperature_C"].tolist()[::2] == [80.0, 80.0]
    # the good rows are exactly what the predictor gives for them alone
    glassy = Predictor.from_registry(
        get_settings(workspace), train_if_missing=False, amorphous=True
    )
    alone = glassy.predict(["Li2TaS0.4O0.6Cl5", "Li3InCl6"], temperature_c=80.0)
    good = out.loc[["s1", "s3"], list(alone.columns[1:-1])].reset_index(drop=True)
    pd.testing.assert_frame_equal(good, alone.iloc[:, 1:-1], check_dtype=False)
    assert out.loc["s1", "modulus_kind"] == glassy.modulus_kind
    # the tables people read have sigma in mS/cm and its interval in S/cm
    row = out.loc["s1"]
    assert row["sigma_mS_per_cm"] == pytest.approx(1e3 * row["sigma_S_per_cm"])
    assert row["sigma_S_per_cm_lo"] < row["sigma_S_per_cm"] < row["sigma_S_per_cm_hi"]
    at25 = glassy.predict(frame.iloc[[0]])
    assert row["sigma_S_per_cm"] > at25["sigma_S_per_cm"].iloc[0]
    # under on_error="raise" (the default) the failed row is named by its label
    with pytest.raises(AnionscreenError, match=r"^1 of 3 row\(s\) failed: row 's2' \('Li2Q'\)"):
        glassy.predict(frame)


def test_predictor_reads_a_column_of_a_two_column_frame(workspace: Path) -> None:
    predictor = Predictor.from_registry(get_settings(workspace), train_if_missing=False)
    two = pd.DataFrame({"id": [7, 8], "composition": ["LiCl", "Li3YCl6"]}, index=[5, 6])
    out = predictor.predict(two, column="composition")
    assert out.index.tolist() == [5, 6]
    assert out["composition"].tolist() == ["LiCl", "Li3YCl6"]  # not the header
    assert out["id"].tolist() == [7, 8]
    assert out["error"].isna().all()
    with pytest.raises(AnionscreenError, match=r"has no column 'formula' \(pass column=...\)"):
        predictor.predict(two)


def test_temperature_follows_arrhenius(workspace: Path) -> None:
    predictor = Predictor.from_registry(get_settings(workspace), train_if_missing=False)
    at25 = predictor.predict(["Li3ScCl6"])
    at80 = predictor.predict(["Li3ScCl6"], temperature_c=80.0)
    expected = shift_log10_sigma(at25["log10_sigma_S_per_cm"], at25["ea_eV"], 25.0, 80.0)
    np.testing.assert_allclose(at80["log10_sigma_S_per_cm"], expected)
    assert at80["temperature_C"].iloc[0] == 80.0
    width25 = at25["log10_sigma_S_per_cm_hi"] - at25["log10_sigma_S_per_cm_lo"]
    width80 = at80["log10_sigma_S_per_cm_hi"] - at80["log10_sigma_S_per_cm_lo"]
    assert float(width80.iloc[0]) > float(width25.iloc[0])  # Ea's interval adds width


def test_cli_predict_formats_and_errors(workspace: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(
        app, ["-w", str(workspace), "predict", "Li2TaS0.4O0.6Cl5", "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert rows[0]["formula"] == "Li2TaS0.4O0.6Cl5"
    assert rows[0]["model_versions"] == "sigma-0001,ea-0001,modulus-0001"
    infile = tmp_path / "in.csv"
    infile.write_text("formula\nLiCl\nLi3InCl6\n")
    csv = runner.invoke(
        app, ["-w", str(workspace), "predict", "--in", str(infile), "--format", "csv"]
    )
    assert csv.exit_code == 0, csv.output
    assert pd.read_csv(pd.io.common.StringIO(csv.stdout))["formula"].tolist() == [
        "LiCl",
        "Li3InCl6",
    ]
    # --column names the formula column; --out writes the format of its suffix
    named = tmp_path / "named.parquet"
    pd.DataFrame({"id": [1, 2], "comp": ["LiCl", "Li3InCl6"]}).to_parquet(named)
    out_csv = tmp_path / "predictions.csv"
    written = runner.invoke(
        app,
        [
            "predict",
            "--in",
            str(named),
            "--column",
            "comp",
            "--out",
            str(out_csv),
            "-w",
            str(workspace),
        ],
    )
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    table = pd.read_csv(out_csv)
    assert table["formula"].tolist() == ["LiCl", "Li3InCl6"]
    assert list(table.columns) == list(PREDICTION_COLUMNS)
    first = out_csv.read_text().splitlines()[1].split(",")
    assert first[5] == f"{table['sigma_S_per_cm'].iloc[0]:.7g}"  # 7 significant digits
    missing = runner.invoke(
        app, ["-w", str(workspace), "predict", "--in", str(named), "--column", "formula"]
    )
    assert missing.exit_code == 1
    assert "named.parquet has no column 'formula'; its columns are ['id', 'comp']" in missing.stderr
    alone = runner.invoke(app, ["-w", str(workspace), "predict", "LiCl", "--column", "comp"])
    assert alone.exit_code == 1
    assert "--column names the formula column of --in FILE; give --in too" in alone.stderr
    pretty = runner.invoke(app, ["-w", str(workspace), "predict", "Li2TaS0.4O0.6Cl5"])
    assert "sigma(25 C) mS/cm" in pretty.stdout
    assert "[lo, hi]: 90% intervals" in pretty.stdout
    bad = runner.invoke(app, ["-w", str(workspace), "predict", "Li2Q"])
    assert bad.exit_code == 1
    assert "cannot read formula 'Li2Q'" in bad.output
    fmt = runner.invoke(app, ["-w", str(workspace), "predict", "LiCl", "--format", "xml"])
    assert fmt.exit_code == 1
    assert "--format must be table, csv or json; got 'xml'" in fmt.output
    # Bad options are refused before anything is trained in an empty workspace.
    empty = tmp_path / "empty"
    for args, message in (
        (["--level", "90"], "--level must be in (0, 1), e.g. 0.9; got 90.0"),
        (["--temperature", "-300"], "--temperature must be a temperature in C in [-200, 1500]"),
    ):
        out = runner.invoke(app, ["-w", str(empty), "predict", "LiCl", *args])
        assert out.exit_code == 1
        assert message in out.output
    assert not (empty / "models").exists()
    (tmp_path / "blank.csv").write_text("")
    blank = runner.invoke(app, ["-w", str(empty), "predict", "--in", str(tmp_path / "blank.csv")])
    assert blank.exit_code == 1
    assert "blank.csv is empty; expected a header line" in blank.output


def test_new_measurement_moves_prediction(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws"
    train = ["-w", str(ws), "train", "--target", "sigma", "--sources", "bundled,log", "--promote"]
    assert runner.invoke(app, train).exit_code == 0
    settings = get_settings(ws)
    before = Predictor.from_registry(settings, train_if_missing=False).predict(["Li3ScCl6"])
    measured = np.log10(3.0e-3)
    new = tmp_path / "new.csv"
    new.write_text(
        "composition,sigma_S_per_cm,temperature_C,doi\nLi3ScCl6,3.0e-3,25,10.1021/jacs.0c10900\n"
    )
    added = runner.invoke(app, ["-w", str(ws), "data", "add", str(new)])
    assert added.exit_code == 0, added.output
    retrained = runner.invoke(app, train)
    assert retrained.exit_code == 0, retrained.output
    assert "log 1)" in retrained.output
    assert "sigma-0002 now current" in retrained.output
    after = Predictor.from_registry(settings, train_if_missing=False).predict(["Li3ScCl6"])
    assert after["model_versions"].iloc[0].startswith("sigma-0002")
    gap_before = abs(float(before["log10_sigma_S_per_cm"].iloc[0]) - measured)
    gap_after = abs(float(after["log10_sigma_S_per_cm"].iloc[0]) - measured)
    assert gap_after < gap_before
    assert after["nearest_known"].iloc[0] == "Li3ScCl6"


def test_tampered_model_is_refused_by_predict(workspace: Path, tmp_path: Path) -> None:
    import shutil

    ws = tmp_path / "copy"
    shutil.copytree(workspace, ws)
    artifact = ws / "models/ea/ea-0001/model.skops"
    artifact.write_bytes(artifact.read_bytes() + b"\0")
    out = CliRunner().invoke(app, ["-w", str(ws), "predict", "LiCl"])
    assert out.exit_code == 1
    assert "checksum mismatch" in out.output


def test_evaluate_saves_metrics_and_plots(tmp_path: Path) -> None:
    out = CliRunner().invoke(
        app,
        [
            "-w",
            str(tmp_path),
            "evaluate",
            "--target",
            "ea",
            "--sources",
            "bundled",
            "--out",
            str(tmp_path / "ev"),
        ],
    )
    assert out.exit_code == 0, out.output
    metrics = json.loads((tmp_path / "ev/metrics.json").read_text())
    assert set(metrics["ea"]["metrics"]) == {"rf", "et", "hgb", "et+hgb", "mean", "magpie_rf"}
    assert (tmp_path / "ev/ea_parity.png").stat().st_size > 1000
    assert (tmp_path / "ev/ea_coverage.png").stat().st_size > 1000
    assert not (tmp_path / "models").exists()  # evaluation registers nothing


def test_empty_chunk_gives_empty_table(workspace: Path) -> None:
    from anionscreen.descriptors.chunk import CompositionChunk

    predictor = Predictor.from_registry(get_settings(workspace), train_if_missing=False)
    empty = CompositionChunk(fractions=np.zeros((0, 118)), formulas=np.empty(0, dtype=object))
    table = predictor.predict_chunk(empty)
    assert tuple(table.columns) == PREDICTION_COLUMNS
    assert len(table) == 0
    assert table["in_domain"].dtype == bool
