"""Per-chunk Materials Project columns (window and novelty) read from a cache filled by replay.

Hand check for LiS0.5Cl (= LiCl + S/2) with the recording's energies (tests/test_mp_adapter.py):
reduced to Li2S at 4.58 / 2 = 2.29 V; oxidised first by 2 S + 2 LiCl -> S2Cl2 (reduced formula SCl) + 2 Li at
mu = (2 E(S) + 2 E(LiCl) - E(S2Cl2)) / 2 = (-8.252 - 15.996 + 12.56) / 2 = -5.844 eV,
i.e. -1.909 + 5.844 = 3.935 V (before SCl2 forms at 3.98 V).
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest
from mp_replay import ReplayMPRester
from pymatgen.core.composition import Composition

from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.mp_cache import MPCacheMissingError
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.chunk import chunk_from_compositions
from anionscreen.descriptors.mp_columns import MP_COLUMNS, MPColumnProvider


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")
    fetch_chemsys("Li-S-Cl", s, client=ReplayMPRester("li_s_cl"))
    return s


def _chunk(*formulas: str):  # type: ignore[no-untyped-def]
    return chunk_from_compositions([Composition(f) for f in formulas])


def test_columns_give_window_products_and_novelty(settings: Settings) -> None:
    provider = MPColumnProvider(settings)
    assert provider.systems == ["Cl-Li-S@2025.09.25"]
    table = provider.columns(_chunk("LiCl", "Li2S", "LiS0.5Cl", "Li2Cl2", "S"))
    assert tuple(table.columns) == MP_COLUMNS
    assert table["reduction_limit_V"].tolist()[:4] == pytest.approx([0.0, 0.0, 2.29, 0.0])
    assert table["oxidation_limit_V"].tolist()[:4] == pytest.approx([4.24, 2.29, 3.935, 4.24])
    assert table["oxidation_products"].tolist() == ["Cl2", "S", "LiCl + SCl", "Cl2", ""]
    assert table["reduction_products"].tolist() == ["", "", "Li2S + LiCl", "", "Li2S"]
    assert math.isinf(table["oxidation_limit_V"].iloc[4])
    # Li2Cl2 is LiCl at another scale; the lowest polymorph's id and hull energy are given.
    assert table["known_mp_id"].tolist() == ["mp-22905", "mp-1153", "", "mp-22905", "mp-96"]
    assert table["e_above_hull_eV"].tolist()[:2] == [0.0, 0.0]
    assert math.isnan(table["e_above_hull_eV"].iloc[2])


def test_uncovered_candidates_raise_with_the_fetch_command(settings: Settings) -> None:
    with pytest.raises(MPCacheMissingError, match=r"no cached Materials Project data for Br-Li"):
        MPColumnProvider(settings).columns(_chunk("LiCl", "LiBr"))
    table = MPColumnProvider(settings, on_missing="nan").columns(_chunk("LiCl", "LiBr"))
    assert table["oxidation_limit_V"].iloc[0] == pytest.approx(4.24)
    assert math.isnan(table["oxidation_limit_V"].iloc[1])
    assert table["known_mp_id"].tolist() == ["mp-22905", ""]


def test_empty_cache_gives_no_windows_but_a_clear_error(tmp_path: Path) -> None:
    empty = Settings(workspace=tmp_path, data_mirror=None, cache=tmp_path / "nothing")
    provider = MPColumnProvider(empty)
    assert provider.systems == []
    with pytest.raises(MPCacheMissingError, match=r"anionscreen mp fetch Cl-Li$"):
        provider.columns(_chunk("LiCl"))


def test_provider_pickles_with_identical_results(settings: Settings) -> None:
    provider = MPColumnProvider(settings)
    chunk = _chunk("LiCl", "LiS0.5Cl", "Li3S1.5Cl")
    before = provider.columns(chunk)
    clone = pickle.loads(pickle.dumps(provider))
    assert clone.columns(chunk).equals(before)


def test_pickled_provider_leaves_cache_payloads_behind(settings: Settings) -> None:
    provider = MPColumnProvider(settings)
    blob = pickle.dumps(provider)
    # The raw entries stay on disk; a worker without built diagrams reads them from the cache.
    assert b"energy_adjustments" not in blob
    chunk = _chunk("LiCl", "LiS0.5Cl")
    assert pickle.loads(blob).columns(chunk).equals(provider.columns(chunk))
