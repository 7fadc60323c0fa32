"""External loaders on the mirror, checksums, fetch, the sources API and the bundled set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from anionscreen.datasets.bundled import load_bundled
from anionscreen.datasets.errors import AnionscreenError, ChecksumError, DataValidationError
from anionscreen.datasets.external import EXTERNAL_DATASETS, external_dataset
from anionscreen.datasets.fetch import cache_path, fetch
from anionscreen.datasets.files import sha256_of_file
from anionscreen.datasets.formula import composition_key, normalized_formula, parse_formula
from anionscreen.datasets.laskowski import load_laskowski
from anionscreen.datasets.loading import clean_doi, failures_table
from anionscreen.datasets.obelix import R5Y_NOTE
from anionscreen.datasets.settings import Settings
from anionscreen.datasets.sources import (
    SOURCE_NAMES,
    list_sources,
    load_measurements,
    load_source,
)

MIRROR = os.environ.get("ANIONSCREEN_DATA_MIRROR")
needs_mirror = pytest.mark.skipif(
    not MIRROR, reason="ANIONSCREEN_DATA_MIRROR is not set (CI points it at ../shared/data)"
)


@pytest.fixture
def offline(tmp_path: Path) -> Settings:
    """No mirror, empty cache."""
    return Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")


@pytest.fixture
def mirrored(tmp_path: Path) -> Settings:
    assert MIRROR is not None
    return Settings(workspace=tmp_path / "ws", data_mirror=Path(MIRROR), cache=tmp_path / "cache")


def test_bundled_has_the_li2tas_series() -> None:
    df = load_bundled()
    series = df[df["family"] == "amorphous oxysulfochloride Li2TaS(1-x)O(x)Cl5"]
    assert series["formula"].tolist() == [
        "Li2TaSCl5",
        "Li2TaS0.7O0.3Cl5",
        "Li2TaS0.4O0.6Cl5",
        "Li2TaS0.1O0.9Cl5",
    ]
    assert series["sigma_S_per_cm"].tolist() == [2.7e-4, 8.7e-4, 4.17e-3, 4.29e-3]
    assert series["ea_eV"].tolist() == [0.36, 0.35, 0.33, 0.32]
    assert series["modulus_GPa"].tolist()[::2] == [8.2, 7.3]
    assert series["hardness_GPa"].tolist()[::2] == [0.47, 0.45]
    assert series["density_g_per_cm3"].tolist()[::2] == [3.03, 3.17]
    assert set(series["amorphous"]) == {"true"}
    assert set(series["doi"]) == {"10.1021/acsmaterialslett.5c01054"}


def test_clean_doi() -> None:
    assert clean_doi("https://doi.org/10.1000/x.1") == ("10.1000/x.1", "")
    assert clean_doi("doi.org/10.1002/chem.201502052") == ("10.1002/chem.201502052", "")
    assert clean_doi("10.1/a|10.2/b".replace("10.1/", "10.1000/").replace("10.2/", "10.2000/")) == (
        "10.1000/a|10.2000/b",
        "",
    )
    assert clean_doi("") == ("", "no DOI in source")
    assert clean_doi("Journal De Physique 26 339-341. 1965") == (
        "",
        "reference (no DOI): Journal De Physique 26 339-341. 1965",
    )


def test_unavailable_external_source_says_how_to_get_it(offline: Settings) -> None:
    with pytest.raises(AnionscreenError) as info:
        load_source("liverpool", offline)
    message = str(info.value)
    assert "external dataset 'liverpool' is not available" in message
    assert "ANIONSCREEN_DATA_MIRROR" in message
    assert "`anionscreen datasets fetch liverpool`" in message
    assert EXTERNAL_DATASETS["liverpool"].file.url in message


def test_unknown_source(offline: Settings) -> None:
    with pytest.raises(AnionscreenError, match="unknown source 'obelx'; expected one of bundled"):
        load_source("obelx", offline)


@needs_mirror
def test_obelix_splits_and_censoring(mirrored: Settings) -> None:
    full = load_source("obelix", mirrored)
    train = load_source("obelix_train", mirrored)
    test = load_source("obelix_test", mirrored)
    assert (len(full), len(train), len(test)) == (599, 478, 121)
    assert full.attrs["skipped_rows"] == 0
    assert (full["sigma_censored"] == "<").sum() == 37
    assert set(full.loc[full["sigma_censored"] == "<", "sigma_S_per_cm"]) == {1e-10, 1e-8}
    assert set(test["source"]) == {"obelix_test"}
    r5y = full[full["note"].str.startswith("OBELiX ID r5y")]
    assert r5y["formula"].tolist() == ["Li2CdCl4"]
    assert R5Y_NOTE in r5y["note"].iloc[0]
    assert r5y["sigma_S_per_cm"].tolist() == [5.8e-07]


@needs_mirror
def test_liverpool_bom_glasses_and_temperatures(mirrored: Settings) -> None:
    df = load_source("liverpool", mirrored)
    assert len(df) == 820
    assert df.attrs["skipped_rows"] == 0
    assert df["note"].iloc[0].startswith("Liverpool ID 1;")  # BOM did not eat the ID column
    glass = df[df["composition"] == "(LiCl)0.5 (P2O5)0.5"]
    assert len(glass) == 3
    assert set(glass["formula"]) == {"Li0.5Cl0.5PO2.5"}  # in the order written
    assert set(glass["amorphous"]) == {"true"}
    far = df["note"].str.contains("far from 25 C; not corrected")
    assert far.sum() == 820 - ((df["temperature_C"] - 25).abs() <= 10).sum()


@needs_mirror
def test_laskowski_quirks(mirrored: Settings) -> None:
    df = load_source("laskowski", mirrored)
    failures = failures_table(df)
    assert len(df) + df.attrs["skipped_rows"] == 1346
    assert df.attrs["skipped_rows"] == 59
    outlier = failures[failures["value"] == "<1E10"]
    assert outlier["row"].tolist() == [716]
    assert "10^10 S/cm is meaningless" in outlier["expected"].iloc[0]
    assert (df["sigma_censored"] == "<").sum() == 51
    minus = df[df["note"].str.match(r"Laskowski row 46(;|$)")]  # '1.2E\u22124' in the file
    assert minus["composition"].tolist() == ["Li0.6[Li0.2Sn0.8S2]"]
    assert minus["sigma_S_per_cm"].tolist() == [1.2e-4]
    cd = df[df["doi"] == "10.1016/0025-5408(81)90142-2"]
    assert cd["formula"].tolist() == ["Li2CdCl4"]
    # 350 rows have no DOI; 331 of them are readable and say so in the note
    assert df["note"].str.contains("no DOI in source").sum() == 331
    glass = df[df["composition"] == "0.75(0.6Li2S-0.4SiS2)-0.25Li3BO3"]
    assert set(glass["formula"]) == {"Li1.65S1.05Si0.3B0.25O0.75"}
    with pytest.raises(DataValidationError, match="row 716"):
        load_laskowski(mirrored, on_error="raise")
    with pytest.raises(DataValidationError) as info:
        load_source("laskowski", mirrored, on_error="raise")
    assert len({p.row for p in info.value.problems}) == 59
    with pytest.raises(AnionscreenError, match="on_error must be 'raise' or 'skip'; got 'ignore'"):
        load_source("laskowski", mirrored, on_error="ignore")  # type: ignore[arg-type]


@needs_mirror
def test_mchaffie_extrapolated_and_quirks(mirrored: Settings) -> None:
    df = load_source("mchaffie", mirrored)
    assert len(df) + df.attrs["skipped_rows"] == 571
    assert df.attrs["skipped_rows"] == 1
    assert df["note"].str.contains("extrapolated to RT").sum() == 135
    # "487 distinct compositions" (shared/data/README.md), some written in two element orders;
    # two of them are one composition at two scales
    normalised = df["formula"].map(lambda f: normalized_formula(parse_formula(f)))
    assert normalised.nunique() == 487
    assert df["formula"].map(composition_key).nunique() == 486
    assert df["formula"].nunique() == 490
    assert df["composition"].str.startswith("\t").sum() == 0
    lost = df[df["note"].str.contains("polymorph label lost upstream")]
    assert lost["formula"].tolist() == ["Li8GeP4"]
    assert "10.1002/chem.201502052" in set(df["doi"])


@needs_mirror
@pytest.mark.parametrize(
    ("name", "materials"), [("elastic_tensor_2015", 1181), ("mp_binary_elasticity", 3953)]
)
def test_elastic_rows(mirrored: Settings, name: str, materials: int) -> None:
    df = load_source(name, mirrored)
    assert len(df) == 3 * materials
    assert df["modulus_kind"].value_counts().to_dict() == {
        "bulk": materials, "shear": materials, "Young": materials
    }  # fmt: skip
    first = df.iloc[:3]
    k, g, e = first["modulus_GPa"].tolist()
    assert e == pytest.approx(9 * k * g / (3 * k + g), rel=1e-12)
    assert first["note"].str.contains("DFT-PBE \\(Materials Project\\)").all()
    assert "derived" in first["note"].iloc[2]
    assert df["sigma_S_per_cm"].isna().all()
    if name == "mp_binary_elasticity":
        assert df["formula"].nunique() == 3141  # "3141 distinct formulas" (shared/data/README.md)


@needs_mirror
def test_tampered_mirror_file_fails_with_both_checksums(tmp_path: Path) -> None:
    assert MIRROR is not None
    mirror = tmp_path / "mirror"
    (mirror / "obelix").mkdir(parents=True)
    bad = mirror / "obelix" / "all.csv"
    shutil.copyfile(Path(MIRROR) / "obelix" / "all.csv", bad)
    with bad.open("ab") as handle:
        handle.write(b"zzz,Li9Q,1,Li9,1e-3\n")
    settings = Settings(workspace=tmp_path / "ws", data_mirror=mirror, cache=tmp_path / "cache")
    expected = EXTERNAL_DATASETS["obelix"].file.sha256
    actual = sha256_of_file(bad)
    with pytest.raises(ChecksumError) as info:
        load_source("obelix", settings)
    assert str(info.value).startswith(
        f"checksum mismatch for {bad}: expected sha256 {expected}, got {actual}."
    )
    with pytest.raises(ChecksumError):
        fetch(external_dataset("obelix"), settings)
    assert not cache_path(EXTERNAL_DATASETS["obelix"].file, settings).exists()


@needs_mirror
def test_fetch_copies_from_mirror_into_cache(mirrored: Settings) -> None:
    dataset = external_dataset("liverpool")
    path = fetch(dataset, mirrored)
    assert path == mirrored.cache / "datasets" / "liverpool" / "LiIonDatabase.csv"
    assert sha256_of_file(path) == dataset.file.sha256
    cache_only = Settings(mirrored.workspace, None, mirrored.cache)
    assert len(load_source("liverpool", cache_only)) == 820


@needs_mirror
def test_list_and_load_measurements(mirrored: Settings) -> None:
    table = list_sources(mirrored)
    assert table["name"].tolist() == list(SOURCE_NAMES)
    rows = dict(zip(table["name"], table["rows"], strict=True))
    assert rows["bundled"] == len(load_bundled())
    assert rows["obelix"] == 599
    assert rows["log"] == 0
    assert table.set_index("name").loc["laskowski", "skipped"] == 59
    both = load_measurements(["bundled", "laskowski"], mirrored)
    assert len(both) == len(load_bundled()) + 1287
    assert both.attrs["skipped_by_source"] == {"bundled": 0, "laskowski": 59}
    assert isinstance(both, pd.DataFrame)
