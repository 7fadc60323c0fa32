"""The openly licensed datasets shipped in the package, and publication dates.

Offline (no mirror, empty cache) the packaged copies load; with the mirror, the build script
remakes them byte for byte from the checksummed originals, and both give the same rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from anionscreen.datasets.build_packaged import build
from anionscreen.datasets.errors import AnionscreenError, ChecksumError
from anionscreen.datasets.packaged import PACKAGED, data_path, read_packaged
from anionscreen.datasets.published import check_month, latest_month, published_before
from anionscreen.datasets.settings import Settings
from anionscreen.datasets.sources import list_sources, load_source, source_available

MIRROR = os.environ.get("ANIONSCREEN_DATA_MIRROR")
needs_mirror = pytest.mark.skipif(
    MIRROR is None, reason="ANIONSCREEN_DATA_MIRROR is not set (the shared/data folder)"
)
SHIPPED = ("obelix", "obelix_train", "obelix_test", "mchaffie", "elastic_tensor_2015",
           "mp_binary_elasticity")  # fmt: skip


@pytest.fixture
def offline(tmp_path: Path) -> Settings:
    return Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")


def test_open_datasets_load_offline_with_their_release_as_date(offline: Settings) -> None:
    expected = {
        "obelix": (599, "2025-05"),
        "obelix_train": (478, "2025-05"),
        "obelix_test": (121, "2025-05"),
        "mchaffie": (570, "2025"),
        "elastic_tensor_2015": (3 * 1181, "2015"),
        "mp_binary_elasticity": (3 * 3953, "2025-01"),
    }
    for name, (rows, published) in expected.items():
        assert source_available(name, offline)
        frame = load_source(name, offline)
        assert len(frame) == rows, name
        assert set(frame["published"]) == {published}, name
    dft = load_source("mp_binary_elasticity", offline)
    assert set(dft["modulus_method"]) == {"DFT"}
    assert not source_available("liverpool", offline)
    assert not source_available("laskowski", offline)


def test_list_shows_licences_of_the_shipped_sets(offline: Settings) -> None:
    table = list_sources(offline).set_index("name")
    assert table.loc["obelix", "licence"] == "CC BY 4.0"
    assert table.loc["mchaffie", "licence"] == "CC0 1.0"
    assert bool(table.loc["obelix", "available"])
    assert not bool(table.loc["liverpool", "available"])
    licences = Path(data_path("LICENSES.md")).read_text(encoding="utf-8")
    for needle in (
        "OBELiX",
        "CC BY 4.0",
        "McHaffie",
        "CC0",
        "Materials Project",
        "10.1039/D5DD00441A",
    ):
        assert needle in licences


def test_a_changed_packaged_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = PACKAGED["mchaffie"]
    monkeypatch.setitem(PACKAGED, "mchaffie", type(entry)(entry.path, "0" * 64))
    with pytest.raises(ChecksumError, match=r"mchaffie\.csv"):
        read_packaged("mchaffie")
    with pytest.raises(AnionscreenError, match="'liverpool' is not shipped"):
        read_packaged("liverpool")


@needs_mirror
def test_packaged_copies_rebuild_byte_for_byte_from_the_originals() -> None:
    assert MIRROR is not None
    for name, data in build(Path(MIRROR)).items():
        assert Path(data_path(f"external/{name}")).read_bytes() == data, name


@needs_mirror
def test_packaged_and_original_files_give_the_same_rows(tmp_path: Path) -> None:
    assert MIRROR is not None
    mirrored = Settings(tmp_path / "ws", Path(MIRROR), tmp_path / "cache")
    offline = Settings(tmp_path / "ws", None, tmp_path / "cache")
    for name in SHIPPED:
        original, packaged = load_source(name, mirrored), load_source(name, offline)
        pd.testing.assert_frame_equal(original, packaged, obj=name)


def test_published_before_is_conservative() -> None:
    published = pd.Series(["2025-06", "2025-07", "2025", "2024", "", "2023-12"])
    assert published_before(published, "2025-07").tolist() == [
        True, False, False, True, False, True,
    ]  # fmt: skip
    assert latest_month("2024") == "2024-12"
    assert latest_month("n/a") == ""
    assert check_month("2025") == "2025-01"
    with pytest.raises(AnionscreenError, match="cutoff '2025/07' is not a month"):
        check_month("2025/07")
