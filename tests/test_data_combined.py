"""The combined (deduplicated) view keeps the spread of repeated measurements."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from anionscreen.datasets.combined import COMBINED_COLUMNS, combine
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
