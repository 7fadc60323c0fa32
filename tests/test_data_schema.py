"""Measurement schema validation and the room-temperature (Arrhenius) helper."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from anionscreen.datasets.errors import AnionscreenError, DataValidationError
from anionscreen.datasets.schema import MEASUREMENT_COLUMNS, validate_measurements
from anionscreen.datasets.temperature import (
    BOLTZMANN_EV_PER_K,
    bring_to_room_temperature,
    far_from_room_temperature,
    to_25C,
)


def _frame(**columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_columns_in_contract_order() -> None:
    assert MEASUREMENT_COLUMNS == (
        "composition", "formula", "sigma_S_per_cm", "sigma_censored", "temperature_C", "ea_eV",
        "modulus_GPa", "modulus_kind", "modulus_method", "hardness_GPa", "density_g_per_cm3",
        "amorphous", "family", "source", "doi", "published", "note",
    )  # fmt: skip


def test_clean_rows_are_typed_and_normalised() -> None:
    df = _frame(
        composition=["Li2TaO0.6S0.4Cl5", "Li6PS5Cl", "Li7La3Zr2O12"],
        sigma_mS_per_cm=["4.17", "<1E-7", ""],
        temperature_C=["25", "RT", ""],
        ea_eV=["0.33", "", ""],
        modulus_GPa=["7.3", "", "150"],
        modulus_kind=["indentation", "", "young"],
        amorphous=["yes", "", "false"],
        doi=["10.1021/acsmaterialslett.5c01054", "", ""],
    )
    out = validate_measurements(df, "in.csv")
    assert list(out.columns) == list(MEASUREMENT_COLUMNS)
    assert out["formula"].tolist() == ["Li2TaO0.6S0.4Cl5", "Li6PS5Cl", "Li7La3Zr2O12"]  # as written
    assert out["sigma_S_per_cm"].tolist()[:2] == [4.17e-3, 1e-10]
    assert out["sigma_censored"].tolist() == ["", "<", ""]
    assert math.isnan(out["sigma_S_per_cm"].iloc[2])
    # mS/cm -> S/cm exactly as the decimal text says (0.07 * 1e-3 is 7.000000000000001e-05)
    small = validate_measurements(_frame(composition=["LiI"], sigma_mS_per_cm=["0.07"]), "in.csv")
    assert small["sigma_S_per_cm"].tolist() == [7e-05]
    assert out["temperature_C"].iloc[1] == 25.0
    assert out["note"].iloc[1] == "temperature given as RT, taken as 25 C"
    assert out["modulus_kind"].tolist() == ["indentation", "", "Young"]
    assert out["amorphous"].tolist() == ["true", "unknown", "false"]
    assert out["sigma_S_per_cm"].dtype == "float64"


def test_every_bad_row_is_reported_with_row_column_value_reason() -> None:
    df = _frame(
        composition=[
            "Q2O",
            "Li3PS4",
            "Li3PS4",
            "",
            "Li6PS5Cl",
            "LiCl",
            "LiCl",
            "LiI",
            "LiBr",
            "LiF",
        ],
        sigma_S_per_cm=[
            "1e-3",
            "-1e-4",
            "fast",
            "1e-3",
            "12",
            "1e-3",
            "1e-3",
            "1_0e-3",
            "inf",
            "1e-3",
        ],
        modulus_GPa=["", "", "", "", "", "5", "4", "", "", ""],
        modulus_kind=["", "", "", "", "", "", "Poisson", "", "", "bulk"],
    )
    with pytest.raises(DataValidationError) as info:
        validate_measurements(df, "bad.csv")
    got = [(p.row, p.column, p.value) for p in info.value.problems]
    assert got == [
        (1, "composition", "Q2O"),
        (2, "sigma_S_per_cm", "-1e-4"),
        (3, "sigma_S_per_cm", "fast"),
        (4, "composition", ""),
        (5, "sigma_S_per_cm", "12"),
        (6, "modulus_kind", ""),
        (7, "modulus_kind", "Poisson"),
        (8, "sigma_S_per_cm", "1_0e-3"),
        (9, "sigma_S_per_cm", "inf"),
        (10, "modulus_kind", "bulk"),
    ]
    text = str(info.value)
    assert text.startswith("10 problem(s) found, nothing was written:")
    assert (
        "bad.csv: row 1, column 'composition': got 'Q2O'; "
        "expected a readable formula (unknown element 'Q')"
    ) in text
    assert (
        "bad.csv: row 5, column 'sigma_S_per_cm': got '12'; expected a conductivity in S/cm "
        "in [1e-35, 1] (above 1 S/cm is implausible: mS/cm in an S/cm column?)"
    ) in text


def test_unknown_column_and_missing_composition_column() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_measurements(_frame(formula_x=["Li"], sigma_S_cm=["1e-3"]), "f.csv")
    assert [(p.row, p.column) for p in info.value.problems] == [
        (0, "formula_x"),
        (0, "sigma_S_cm"),
        (0, "composition"),
    ]


def test_ms_and_s_columns_together_and_inconsistent_censoring() -> None:
    df = _frame(
        composition=["LiCl", "LiCl"],
        sigma_S_per_cm=["1e-3", "<1e-8"],
        sigma_mS_per_cm=["1", ""],
        sigma_censored=["", ">"],
    )
    with pytest.raises(DataValidationError) as info:
        validate_measurements(df, "f.csv")
    assert [(p.row, p.column, p.expected) for p in info.value.problems] == [
        (1, "sigma_mS_per_cm", "empty when sigma_S_per_cm is given"),
        (2, "sigma_censored", "'<' as in sigma_S_per_cm"),
    ]


def test_descriptive_composition_kept_only_when_asked() -> None:
    df = _frame(composition=["LiPON (sputtered film)"], sigma_S_per_cm=["1e-6"])
    with pytest.raises(DataValidationError):
        validate_measurements(df, "f.csv")
    kept = validate_measurements(df, "f.csv", on_unreadable="keep")
    assert kept["formula"].tolist() == [""]
    assert kept["note"].tolist() == ["formula not readable: unexpected character 's' at position 7"]


def test_to_25c_arrhenius_values() -> None:
    assert to_25C(1e-3, 25.0, 0.3) == pytest.approx(1e-3, rel=1e-15)
    t, t25 = 373.15, 298.15
    expected = 1e-2 * (t / t25) * math.exp(-0.4 / BOLTZMANN_EV_PER_K * (1 / t25 - 1 / t))
    assert to_25C(1e-2, 100.0, 0.4) == pytest.approx(expected, rel=1e-14)
    assert to_25C(1e-2, 100.0, 0.4) == pytest.approx(5.476e-4, rel=1e-3)
    with pytest.raises(AnionscreenError, match="to_25C needs sigma > 0"):
        to_25C(-1.0, 25.0, 0.3)


def test_far_rows_corrected_or_flagged() -> None:
    df = validate_measurements(
        _frame(
            composition=["LiCl", "LiBr", "LiI", "LiF"],
            sigma_S_per_cm=["1e-2", "1e-2", "<1e-8", "1e-5"],
            temperature_C=["100", "100", "300", "30"],
            ea_eV=["0.4", "", "0.5", "0.5"],
        ),
        "f.csv",
    )
    out = bring_to_room_temperature(df)
    assert far_from_room_temperature(df["temperature_C"]).tolist() == [True, True, True, False]
    assert out["sigma_S_per_cm"].iloc[0] == pytest.approx(to_25C(1e-2, 100.0, 0.4))
    assert out["temperature_C"].tolist() == [25.0, 100.0, 300.0, 30.0]
    assert out["note"].tolist() == [
        "sigma brought to 25 C by Arrhenius (Ea 0.4 eV) from 0.01 S/cm at 100 C",
        "measured at 100 C, far from 25 C; not corrected (no Ea)",
        "measured at 300 C, far from 25 C; not corrected (censored)",
        "",
    ]
    assert out["sigma_S_per_cm"].iloc[2] == 1e-8  # a censored bound is never moved
    assert df["sigma_S_per_cm"].iloc[0] == 1e-2  # the input is not modified
    assert bring_to_room_temperature(out)["note"].tolist() == out["note"].tolist()
