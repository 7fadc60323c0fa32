"""McHaffie et al. 2025: ICSD-linked room-temperature Li conductivities (571 rows).

Quirks handled: CRLF line ends; leading tab characters and trailing spaces inside fields
(stripped); ``?-Li8GeP4`` whose polymorph letter was lost upstream (the ``?-`` label is dropped
and noted); one DOI cell holds a free-text reference (moved to ``note``) and one a
``doi.org/`` address (reduced to the DOI). 135 values were extrapolated to RT from
Arrhenius data (``lowest_extrapolation_temperature_K`` not ``na``), some down to 1e-31 S/cm:
the note says so and gives the lowest measured temperature, so a model can drop or down-weight
them.
"""

from __future__ import annotations

import pandas as pd

from anionscreen.datasets.external import external_dataset
from anionscreen.datasets.fetch import read_dataset
from anionscreen.datasets.loading import OnError, clean_doi, finish, join_notes, read_text_csv
from anionscreen.datasets.settings import Settings

LOST_LABEL = "?-"


def _extrapolation_note(kelvin: str) -> str:
    if kelvin.strip().lower() in ("", "na"):
        return ""
    try:
        celsius = f" ({float(kelvin) - 273.15:g} C)"
    except ValueError:
        celsius = ""
    return f"extrapolated to RT from Arrhenius data measured down to {kelvin.strip()} K{celsius}"


def load_mchaffie(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """McHaffie rows in the measurement schema."""
    dataset = external_dataset("mchaffie")
    table = read_text_csv(read_dataset(dataset, settings)[0], dataset.file.path)
    table = table.apply(lambda col: col.str.strip())
    dois = [clean_doi(text) for text in table["conductivity_doi"]]
    lost = table["compound"].str.startswith(LOST_LABEL)
    raw = pd.DataFrame(
        {
            "composition": table["compound"].where(~lost, table["compound"].str[2:]),
            "sigma_S_per_cm": table["conductivity_siemens_per_cm"],
            "temperature_C": "25",
            "doi": [doi for doi, _ in dois],
            "published": dataset.published,
            "note": [
                join_notes(
                    f"ICSD {icsd}",
                    f"polymorph label lost upstream ({name!r})" if was_lost else "",
                    _extrapolation_note(kelvin),
                    note,
                )
                for icsd, name, was_lost, kelvin, (_, note) in zip(
                    table["icsd_collectioncode"],
                    table["compound"],
                    lost,
                    table["lowest_extrapolation_temperature_K"],
                    dois,
                    strict=True,
                )
            ],
        }
    )
    return finish(raw, dataset.name, dataset.file.path, on_error=on_error)
