"""The combined view: one row per formula and target across sources, keeping the spread.

The same compound often differs by up to two orders of magnitude between papers (synthesis,
density, bulk vs total), and the public datasets copy from each other. :func:`combine` groups
measurement rows by composition and target and reports how many values there are and their
median, minimum and maximum, instead of picking one. Rows are grouped by
:func:`~anionscreen.datasets.formula.composition_key`, so one compound written at two scales
(``Li7P3S11`` in OBELiX, the glass ``70Li2S-30P2S5`` = ``Li1.4P0.6S2.2`` in Liverpool) is one
group; its ``formula`` is the spelling the sources use most for it (:func:`name_by_composition`),
in the order they write it.

Targets: ``log10_sigma`` (log10 of S/cm), ``ea_eV`` and ``log10_modulus`` (log10 of GPa, one
target per ``modulus_kind``, since bulk, shear, Young and indentation moduli differ).
Censored conductivities are bounds, not values: they are counted in ``n_censored`` but kept
out of the statistics. Conductivities measured far from 25 C (``temperature_C`` more than
:data:`~anionscreen.datasets.temperature.RT_TOLERANCE_C` away, i.e. not brought to 25 C) are
counted in ``n_not_rt`` and kept out too. Rows without a formula (descriptive compositions)
cannot be grouped; their number is in ``attrs["dropped_no_formula"]``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from anionscreen.datasets.formula import composition_key
from anionscreen.datasets.temperature import far_from_room_temperature

COMBINED_COLUMNS: tuple[str, ...] = (
    "formula",
    "target",
    "modulus_kind",
    "count",
    "median",
    "min",
    "max",
    "n_censored",
    "n_not_rt",
    "sources",
)


def _long(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (measurement, target) with the value and its exclusion reasons."""
    sigma = df["sigma_S_per_cm"].to_numpy(dtype=np.float64)
    modulus = df["modulus_GPa"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_sigma, log_modulus = np.log10(sigma), np.log10(modulus)
    censored = (df["sigma_censored"].astype(str) != "").to_numpy()
    not_rt = far_from_room_temperature(df["temperature_C"])
    base = {"formula": df["formula"].to_numpy(), "source": df["source"].to_numpy()}
    parts = [
        pd.DataFrame(
            {
                **base,
                "target": "log10_sigma",
                "modulus_kind": "",
                "value": log_sigma,
                "censored": censored,
                "not_rt": not_rt & ~censored,
            }
        )[~np.isnan(sigma)],
        pd.DataFrame(
            {
                **base,
                "target": "ea_eV",
                "modulus_kind": "",
                "value": df["ea_eV"].to_numpy(),
                "censored": False,
                "not_rt": False,
            }
        )[df["ea_eV"].notna().to_numpy()],
        pd.DataFrame(
            {
                **base,
                "target": "log10_modulus",
                "modulus_kind": df["modulus_kind"].to_numpy(),
                "value": log_modulus,
                "censored": False,
                "not_rt": False,
            }
        )[~np.isnan(modulus)],
    ]
    long: pd.DataFrame = pd.concat(parts, ignore_index=True)
    return long


def name_by_composition(formulas: pd.Series, keys: pd.Series | None = None) -> dict[str, str]:
    """Each formula -> the name of its composition among the spellings given.

    The name is the spelling written most often, then the shortest, then the first
    alphabetically, so ``Li6PS5Cl`` (three rows) names the group that ``ClLi6PS5`` (one row)
    also belongs to. ``keys`` are the formulas'
    :func:`~anionscreen.datasets.formula.composition_key` when the caller has them already.
    """
    texts = formulas.astype(str)
    counts = Counter(texts)
    if keys is None:
        key_of = {f: composition_key(f) for f in counts}
    else:
        key_of = dict(zip(texts, keys.astype(str), strict=True))
    by_key: dict[str, list[str]] = {}
    for formula in sorted(counts):
        by_key.setdefault(key_of[formula], []).append(formula)
    return {
        f: min(group, key=lambda g: (-counts[g], len(g), g))
        for group in by_key.values()
        for f in group
    }


def combine(df: pd.DataFrame) -> pd.DataFrame:
    """Deduplicate measurement rows by composition and target, keeping count, median, min, max.

    Parameters
    ----------
    df : DataFrame
        Rows in the measurement schema (e.g. from
        :func:`~anionscreen.datasets.sources.load_measurements`).

    Returns
    -------
    DataFrame
        Columns :data:`COMBINED_COLUMNS`, sorted by formula, target, modulus_kind. ``count``
        is the number of values in the statistics (NaN statistics when 0, e.g. only censored
        values); ``sources`` lists the contributing sources, comma-separated.
    """
    has_formula = df["formula"].astype(str) != ""
    kept = df[has_formula.to_numpy()].copy()
    kept["formula"] = kept["formula"].map(name_by_composition(kept["formula"]))
    long = _long(kept)
    long["used"] = ~(long["censored"] | long["not_rt"])
    long["used_value"] = long["value"].where(long["used"])
    keys = ["formula", "target", "modulus_kind"]
    grouped = long.groupby(keys, sort=True)
    out = grouped["used_value"].agg(["count", "median", "min", "max"])
    out["n_censored"] = grouped["censored"].sum().astype(int)
    out["n_not_rt"] = grouped["not_rt"].sum().astype(int)
    out["sources"] = grouped["source"].agg(lambda s: ",".join(sorted(set(s))))
    out = out.reset_index().loc[:, list(COMBINED_COLUMNS)]
    out["count"] = out["count"].astype(int)
    out.attrs["dropped_no_formula"] = int((~has_formula).sum())
    return out
