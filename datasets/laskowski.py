"""Laskowski et al. 2023 (EES) SI table, as extracted by the OBELiX authors, with DOIs.

Quirks handled: the conductivity column (sigma(RT) in S/cm) is text with censored values (``<1E-10``, kept censored) and a
Unicode minus sign (U+2212, in ``1.2E-4``); glass and mixture notations are parsed by
:func:`~anionscreen.datasets.formula.parse_formula` (doping notations such as
``Li7La3Zr2O12-0.3Ga`` and letter-o typos such as ``Lao.51`` are not guessed: those rows are
skipped with the parser's reason); 350 rows have no DOI (``note`` says so). Two rows are
refused on purpose:

* Li3Lu3Te2O12 (row 716) reads ``<1E10`` S/cm: a bound of 10^10 S/cm is meaningless (likely
  ``<1E-10`` with the minus lost, but that would be a guess), so the row is rejected;
* LiCdCl4 (row 579) is not charge balanced; its source (DOI 10.1016/0025-5408(81)90142-2,
  ICSD 74958) is Li2CdCl4, as OBELiX (entry r5y) and McHaffie have it, so it is corrected
  and the note says so.
"""

from __future__ import annotations

import pandas as pd

from anionscreen.datasets.errors import RowProblem
from anionscreen.datasets.external import external_dataset
from anionscreen.datasets.fetch import read_verified
from anionscreen.datasets.loading import OnError, clean_doi, finish, join_notes, read_text_csv
from anionscreen.datasets.settings import Settings

SIGMA_COLUMN = "\u03c3(RT)(S cm-1)"
IMPLAUSIBLE_BOUND = "<1E10"
LICDCL4_NOTE = "composition LiCdCl4 (not charge balanced) corrected to Li2CdCl4 (ICSD 74958)"


def load_laskowski(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """Laskowski rows in the measurement schema (1346 in the file)."""
    dataset = external_dataset("laskowski")
    file = dataset.file.path
    table = read_text_csv(read_verified(dataset, settings), file)
    dois = [clean_doi(text) for text in table["DOI"]]
    composition = table["Structure"].str.strip()
    fixed = (composition == "LiCdCl4") & (table["DOI"] == "10.1016/0025-5408(81)90142-2")
    raw = pd.DataFrame(
        {
            "composition": composition,
            "formula": ["Li2CdCl4" if f else "" for f in fixed],
            "sigma_S_per_cm": table[SIGMA_COLUMN].str.strip(),
            "temperature_C": "25",
            "ea_eV": table["Ea (eV)"],
            "doi": [doi for doi, _ in dois],
            "published": dataset.published,
            "note": [
                join_notes(f"Laskowski row {i}", LICDCL4_NOTE if f else "", note)
                for i, f, (_, note) in zip(table["Unnamed: 0"], fixed, dois, strict=True)
            ],
        }
    )
    rejected = [
        RowProblem(
            file,
            int(i) + 1,
            SIGMA_COLUMN,
            IMPLAUSIBLE_BOUND,
            "a conductivity bound below 1 S/cm (10^10 S/cm is meaningless; "
            "'<1E-10' with a lost minus is likely but not guessed)",
        )
        for i in range(len(raw))
        if raw["sigma_S_per_cm"].iat[i] == IMPLAUSIBLE_BOUND
    ]
    return finish(raw, dataset.name, file, on_error=on_error, rejected=rejected)
