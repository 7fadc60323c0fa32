"""The bundled dataset: the project's own compilation of measurements, shipped in the wheel.

``data/bundled_measurements.csv`` holds the Li2TaS(1-x)O(x)Cl5 series (Ogbolu et al., ACS
Materials Lett. 2025, DOI 10.1021/acsmaterialslett.5c01054: conductivity, Ea, indentation
modulus, Vickers hardness, true density) and verified literature values. Every row carries its
DOI, or a note saying the DOI was not read and where the value was read. Descriptive
compositions (``"LiPON (RF-sputtered ultrathin film, max N)"``) keep an empty ``formula`` and say
why in ``note``, so training can drop and count them. A row with both a conductivity and a
modulus from the same source stays one row with both columns filled.

The file's sha256 is recorded here and checked on every load, so the bundled data cannot
change underfoot.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

import pandas as pd

from anionscreen.datasets.errors import ChecksumError
from anionscreen.datasets.schema import read_measurements_csv

BUNDLED_FILE = "bundled_measurements.csv"
BUNDLED_SHA256 = "0b5e74099ea146f20f21e272eecd181ca69d4bb69c55d2097f0485605efe6ce9"


def bundled_path() -> str:
    """Filesystem path of the bundled CSV inside the installed package."""
    return str(files("anionscreen.datasets") / "data" / BUNDLED_FILE)


def load_bundled() -> pd.DataFrame:
    """The bundled measurements, validated, in the measurement schema.

    Raises
    ------
    ChecksumError
        If the packaged file is not the one this version of anionscreen was built with.
    """
    path = bundled_path()
    with open(path, "rb") as handle:
        actual = hashlib.sha256(handle.read()).hexdigest()
    if actual != BUNDLED_SHA256:
        raise ChecksumError(path, BUNDLED_SHA256, actual)
    df = read_measurements_csv(path, on_unreadable="keep")
    df["source"] = "bundled"
    return df
