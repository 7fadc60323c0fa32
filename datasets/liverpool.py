"""The Liverpool Ionics Dataset (Hargreaves et al. 2023): conductivities at many temperatures.

Quirks handled: the file starts with a UTF-8 byte-order mark and has CRLF line ends; glass
compositions are wrapped in literal double quotes (``"(LiCl)0.5 (P2O5)0.5"`` inside the CSV
field), which are removed before parsing; ``temperature`` is in C and spans 5-873 C, so values
far from 25 C are brought to 25 C when possible or flagged in ``note``
(:mod:`anionscreen.datasets.temperature`; this set has no Ea, so they are flagged); some
``source`` cells are journal references rather than DOIs (moved to ``note``). Rows of family
``Glass`` are marked amorphous.
"""

from __future__ import annotations

import pandas as pd

from anionscreen.datasets.external import external_dataset
from anionscreen.datasets.fetch import read_verified
from anionscreen.datasets.loading import OnError, clean_doi, finish, join_notes, read_text_csv
from anionscreen.datasets.settings import Settings


def load_liverpool(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """Liverpool rows in the measurement schema (820 in the file)."""
    dataset = external_dataset("liverpool")
    table = read_text_csv(read_verified(dataset, settings), dataset.file.path)
    dois = [clean_doi(text) for text in table["source"]]
    raw = pd.DataFrame(
        {
            "composition": table["composition"].str.strip().str.strip('"').str.strip(),
            "sigma_S_per_cm": table["target"],
            "temperature_C": table["temperature"],
            "amorphous": ["true" if f == "Glass" else "unknown" for f in table["family"]],
            "family": table["family"],
            "doi": [doi for doi, _ in dois],
            "published": dataset.published,
            "note": [
                join_notes(f"Liverpool ID {i}", note)
                for i, (_, note) in zip(table["ID"], dois, strict=True)
            ],
        }
    )
    return finish(raw, dataset.name, dataset.file.path, on_error=on_error)
