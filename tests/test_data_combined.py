"""The combined (deduplicated) view keeps the spread of repeated measurements."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from anionscreen.datasets.combined import COMBINED_COLUMNS, combine
from anionscreen.datasets.formula import composition_key
from anionscreen.datasets.schema import validate_measurements


def test_combine_counts_median_min_max_and_exclusions() -> None:
    rows = validate_measurements(
        pd.DataFrame(
            {
                "composition": [
                    "Li6PS5Cl",
                    "ClLi6PS5",
                    "Li6PS5Cl",
                    "Li6PS5Cl",
                    "LiI",
                    "LiPON film",
                ],
                "sigma_S_per_cm": ["1e-3", "1e-2", "1e-4", "<1e-8", "1e-5", "1e-6"],
                "temperature_C": ["25", "25", "25", "25", "300", "25"],
                "ea_eV": ["0.3", "0.4", "", "", "", ""],
                "modulus_GPa": ["", "", "20", "", "", ""],
                "modulus_kind": ["", "", "Young", "", "", ""],
                "source": ["a", "b", "a", "c", "a", "a"],
            }
        ),
        "t.csv",
        on_unreadable="keep",
    )
    out = combine(rows)
    assert tuple(out.columns) == COMBINED_COLUMNS
    assert out.attrs["dropped_no_formula"] == 1
    sigma = out[(out["formula"] == "Li6PS5Cl") & (out["target"] == "log10_sigma")].iloc[0]
    assert sigma["count"] == 3
    assert sigma["median"] == pytest.approx(-3.0)
    assert (sigma["min"], sigma["max"]) == (pytest.approx(-4.0), pytest.approx(-2.0))
    assert sigma["n_censored"] == 1
    assert sigma["sources"] == "a,b,c"
    ea = out[(out["formula"] == "Li6PS5Cl") & (out["target"] == "ea_eV")].iloc[0]
    assert (ea["count"], ea["median"]) == (2, pytest.approx(0.35))
    modulus = out[out["target"] == "log10_modulus"].iloc[0]
    assert (modulus["modulus_kind"], modulus["median"]) == ("Young", pytest.approx(math.log10(20)))
    lii = out[out["formula"] == "LiI"].iloc[0]
    assert (lii["count"], lii["n_not_rt"]) == (0, 1)
    assert math.isnan(lii["median"])


def test_one_compound_written_at_two_scales_is_one_group() -> None:
    rows = validate_measurements(
        pd.DataFrame(
            {
                "composition": ["Li7P3S11", "70Li2S-30P2S5", "(Li2S)0.75(P2S5)0.25", "Li3PS4"],
                "sigma_S_per_cm": ["1e-2", "1e-4", "1e-4", "1e-6"],
                "source": ["obelix", "liverpool", "liverpool", "bundled"],
            }
        ),
        "t.csv",
    )
    # The glasses keep the order they were written in (Li2S first); keys group them.
    assert rows["formula"].tolist() == ["Li7P3S11", "Li1.4S2.2P0.6", "Li1.5S2P0.5", "Li3PS4"]
    out = combine(rows)
    assert out["formula"].tolist() == ["Li3PS4", "Li7P3S11"]
    assert out["count"].tolist() == [2, 2]
    assert out["median"].tolist() == [pytest.approx(-5.0), pytest.approx(-3.0)]
    assert out["sources"].tolist() == ["bundled,liverpool", "liverpool,obelix"]


def test_composition_key_ignores_scale_only() -> None:
    assert composition_key("Li10.2Si1.2P1.8S12") == composition_key("Li3.4Si0.4P0.6S4")
    assert composition_key("Li3.4Si0.4P0.6S4") == "Li17Si2P3S20"
    assert composition_key("Li2TaS0.4Cl5O0.6") != composition_key("Li2TaS0.5Cl5O0.5")
    assert composition_key("LiCl") == "LiCl"
    # six-decimal prints of small ratios are the ratios: Li2Sc2/3Cl4 is Li3ScCl6 ...
    assert composition_key("Li2Sc0.666667Cl4") == composition_key("Li3ScCl6") == "Li3ScCl6"
    assert composition_key("Li1.166667O2.666667P0.833333") == "Li7P5O16"
    # ... but a value written to four decimals is what it says
    assert composition_key("Li2Sc0.6667Cl4") == "Li20000Sc6667Cl40000"
