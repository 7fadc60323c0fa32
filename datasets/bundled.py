"""The bundled dataset: the project's own compilation of measurements, shipped in the wheel.

``data/compilation.csv`` holds the Li2TaS(1-x)O(x)Cl5 series (Ogbolu et al., ACS Materials
Lett. 2025, DOI 10.1021/acsmaterialslett.5c01054: conductivity, Ea, indentation modulus, Vickers
hardness, true density) and values curated from the literature of the target chemistry:
halides, oxyhalides, sulfide-halides, mixed-anion glasses and amorphous chlorides, poor
conductors included, and measured elastic moduli of solid electrolytes. It follows the curation
protocol of the project (``shared/reference/README.md``): every value was read in a primary text
(abstract, publisher page, open full text), never filled from memory, and every row records
its provenance:

``value_as_written``
    the value and unit as the source writes them (``4.17 mS cm-1``);
``doi``, ``published``
    the source and when it was published (``2025`` or ``2025-10``);
``read_at``
    the address (or ``owner/repo:path``) where the value was read;
``quote``
    at most 200 characters of that text containing the value.

Reports that disagree stay as separate rows (the models see the scatter as noise).
:func:`load_bundled` returns the measurement-schema columns; :func:`load_compilation` the
whole table with the provenance columns. The file's sha256 is recorded here and checked on
every load, so the bundled data cannot change underfoot.
"""

from __future__ import annotations

import io

import pandas as pd

from anionscreen.datasets.errors import ChecksumError
from anionscreen.datasets.files import sha256_of_bytes
from anionscreen.datasets.packaged import data_path
from anionscreen.datasets.schema import validate_measurements

BUNDLED_FILE = "compilation.csv"
BUNDLED_SHA256 = "ba6286712d4c39b35e62b6216fdaa0a0f8cc6ce2b21e222d133bc7e86330bce1"
#: Columns of the compilation beyond the measurement schema: where each value was read.
PROVENANCE_COLUMNS: tuple[str, ...] = ("value_as_written", "read_at", "quote")


def bundled_path() -> str:
    """Filesystem path of the bundled CSV inside the installed package."""
    return data_path(BUNDLED_FILE)


def _raw() -> pd.DataFrame:
    path = bundled_path()
    with open(path, "rb") as handle:
        data = handle.read()
    actual = sha256_of_bytes(data)
    if actual != BUNDLED_SHA256:
        raise ChecksumError(path, BUNDLED_SHA256, actual)
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")


def load_bundled() -> pd.DataFrame:
    """The bundled measurements, validated, in the measurement schema.

    Raises
    ------
    ChecksumError
        If the packaged file is not the one this version of anionscreen was built with.
    """
    raw = _raw()
    df = validate_measurements(raw.drop(columns=list(PROVENANCE_COLUMNS)), bundled_path())
    df["source"] = "bundled"
    return df


def load_compilation() -> pd.DataFrame:
    """The bundled measurements with their provenance columns (``value_as_written``, ...)."""
    raw = _raw()
    df = load_bundled()
    for col in PROVENANCE_COLUMNS:
        df[col] = raw[col].to_numpy()
    return df
