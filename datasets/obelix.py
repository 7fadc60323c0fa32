"""OBELiX (Therrien et al. 2025): experimental room-temperature Li-ion conductivities.

Columns used: ``Reduced Composition`` (the measured composition, may be fractional),
``Ionic conductivity (S cm-1)`` (text: 37 values are censored such as ``<1E-10``; they stay
censored), ``Family``, ``DOI``, and ``ID`` (kept in ``note``). All values are at room
temperature and are recorded at 25 C.

Entry r5y: OBELiX lists ``Reduced Composition`` Li2CdCl4 with Z = 8 but ``True Composition``
``Li1.6Cd8.0Cl32.0``, which is not 8 x Li2CdCl4 (= Li16Cd8Cl32) but Li0.2CdCl4 - a slipped
decimal point. Its source row in the Laskowski SI (ref. 199) even reads ``LiCdCl4``, which is not
charge balanced (Li+ Cd2+ 4 Cl- leaves -1); OBELiX marks the entry "composition corrected". The
compound of DOI 10.1016/0025-5408(81)90142-2 (ICSD 74958, spinel Fd-3m, a = 10.635 A, as in the
McHaffie set) is Li2CdCl4. We use the reduced composition Li2CdCl4, never the cell composition,
and say so in the row's note. Every other entry's cell composition agrees with Z x reduced
composition; the loader checks that and would note any other disagreement.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from anionscreen.datasets.errors import FormulaError
from anionscreen.datasets.external import external_dataset
from anionscreen.datasets.fetch import read_dataset
from anionscreen.datasets.formula import formula_amounts
from anionscreen.datasets.loading import OnError, finish, read_text_csv
from anionscreen.datasets.settings import Settings

Split = Literal["all", "train", "test"]
R5Y_NOTE = (
    "OBELiX r5y: True Composition Li1.6Cd8Cl32 is a typo (Z = 8 x Li2CdCl4 = Li16Cd8Cl32; "
    "Laskowski SI lists LiCdCl4, not charge balanced); charge-balanced Li2CdCl4 used"
)


def _cell_disagrees(reduced: str, cell: str, z: str) -> bool:
    """True when the unit-cell composition is not Z times the reduced composition (>5 %)."""
    try:
        red, tru, n = formula_amounts(reduced), formula_amounts(cell), float(z)
    except (FormulaError, ValueError):
        return False  # the reduced composition is validated later with its own message
    for el in set(red) | set(tru):
        expected, got = float(red.get(el, 0)) * n, float(tru.get(el, 0))
        if abs(expected - got) > 0.05 * max(got, expected):
            return True
    return False


def _note(row: pd.Series) -> str:
    parts = [f"OBELiX ID {row['ID']}"]
    if row["ID"] == "r5y":
        parts.append(R5Y_NOTE)
    elif _cell_disagrees(row["Reduced Composition"], row["True Composition"], row["Z"]):
        parts.append(f"True Composition {row['True Composition']} disagrees with Z x reduced")
    if row.get("note"):
        parts.append(f"OBELiX note: {row['note']}")
    return "; ".join(parts)


def load_obelix(
    settings: Settings, split: Split = "all", *, on_error: OnError = "skip"
) -> pd.DataFrame:
    """OBELiX rows in the measurement schema (``split`` = all 599, train 478 or test 121)."""
    name = "obelix" if split == "all" else f"obelix_{split}"
    dataset = external_dataset(name)
    data, packaged = read_dataset(dataset, settings)
    table = read_text_csv(data, dataset.file.path)
    if packaged and split != "all":  # one packaged file holds both splits
        table = table[table["split"] == split].reset_index(drop=True)
    raw = pd.DataFrame(
        {
            "composition": table["Reduced Composition"],
            "sigma_S_per_cm": table["Ionic conductivity (S cm-1)"],
            "temperature_C": "25",
            "amorphous": "unknown",
            "family": table["Family"],
            "doi": table["DOI"],
            "published": dataset.published,
            "note": table.apply(_note, axis=1),
        }
    )
    return finish(raw, name, dataset.file.path, on_error=on_error)
