"""The bundled compilation: the seed series against the reference, and every row's provenance.

The reference tables (``shared/reference`` next to the data mirror) are not shipped with the
package; the series test checks that the compilation transcribes them exactly and skips when
the reference folder is not there. The provenance test runs everywhere: every row must say
where its value was read, with a DOI, a date, an address and a quote that holds the value
(the curation protocol of ``shared/reference/README.md``).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from anionscreen.datasets.bundled import PROVENANCE_COLUMNS, load_bundled, load_compilation
from anionscreen.datasets.schema import MEASUREMENT_COLUMNS

MIRROR = os.environ.get("ANIONSCREEN_DATA_MIRROR")
REFERENCE = Path(MIRROR).parent / "reference" if MIRROR else None
needs_reference = pytest.mark.skipif(
    REFERENCE is None or not (REFERENCE / "ltsoc_series.csv").exists(),
    reason="shared/reference (next to ANIONSCREEN_DATA_MIRROR) is not available",
)
DOI = re.compile(r"10\.\d{4,9}/\S+")
PUBLISHED = re.compile(r"(19|20)\d\d(-(0[1-9]|1[0-2]))?")


def _ref(name: str) -> pd.DataFrame:
    assert REFERENCE is not None
    return pd.read_csv(REFERENCE / name, dtype=str, keep_default_na=False)


def _num(text: str) -> float:
    return float(text) if text else math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)


@needs_reference
def test_ltsoc_series_matches_reference() -> None:
    ref = _ref("ltsoc_series.csv")
    rows = load_bundled().iloc[: len(ref)]
    for (_, r), (_, b) in zip(ref.iterrows(), rows.iterrows(), strict=True):
        assert b["composition"] == r["composition"]
        # mS/cm in the reference, S/cm in the schema
        assert b["sigma_S_per_cm"] == pytest.approx(float(r["sigma_total_mS_per_cm"]) / 1000)
        for ours, theirs in [
            ("temperature_C", "temperature_C"),
            ("ea_eV", "ea_eV"),
            ("modulus_GPa", "indentation_modulus_GPa"),
            ("hardness_GPa", "vickers_hardness_GPa"),
            ("density_g_per_cm3", "true_density_g_per_cm3"),
        ]:
            assert _same(b[ours], _num(r[theirs])), (r["composition"], ours)
        measured = bool(r["indentation_modulus_GPa"])
        assert b["modulus_kind"] == ("indentation" if measured else "")
        assert b["modulus_method"] == ("nanoindentation" if measured else "")
        assert b["amorphous"] == "true"
        assert b["doi"] == r["doi"]


def test_every_compilation_row_has_its_provenance() -> None:
    table = load_compilation()
    assert list(table.columns) == [*MEASUREMENT_COLUMNS, *PROVENANCE_COLUMNS]
    problems = []
    for i, row in table.iterrows():
        what = f"row {i + 1} {row['composition']!r}"
        if not DOI.fullmatch(row["doi"]):
            problems.append(f"{what}: doi {row['doi']!r}")
        if not PUBLISHED.fullmatch(row["published"]):
            problems.append(f"{what}: published {row['published']!r}")
        if not row["read_at"].strip():
            problems.append(f"{what}: no read_at")
        quote = row["quote"].strip()
        if not quote or len(quote) > 200:
            problems.append(f"{what}: quote of {len(quote)} characters")
        written = row["value_as_written"].strip()
        # the leading number of the value as written appears in the quote
        if not written or _digits(written.split()[0])[:2] not in _digits(quote):
            problems.append(f"{what}: value {written!r} not in the quote")
        if not row["formula"]:
            problems.append(f"{what}: no parsed formula")
        if not any(math.isfinite(row[c]) for c in ("sigma_S_per_cm", "ea_eV", "modulus_GPa")):
            problems.append(f"{what}: no value")
        if math.isfinite(row["modulus_GPa"]) and not (
            row["modulus_kind"] and row["modulus_method"]
        ):
            problems.append(f"{what}: a modulus without its kind and method")
        if row["modulus_method"] == "DFT":
            problems.append(f"{what}: the compilation holds measurements only")
    assert problems == []
