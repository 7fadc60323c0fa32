"""Materials Project elastic data, once cached, is a named source the modulus model trains on.

The cache is filled from the recorded Li-S-Cl responses (tests/data/mp, see tests/mp_replay.py):
LiCl K = 30, G = 20 GPa; Li and Li2S also have elastic documents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mp_replay import ReplayMPRester

from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.settings import Settings
from anionscreen.datasets.sources import list_sources, load_source, source_available
from anionscreen.models.targets import build_target_table
from anionscreen.models.workflow import default_sources


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("ANIONSCREEN_DATA_MIRROR", raising=False)
    return Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")


def test_mp_elastic_is_unavailable_until_something_is_cached(settings: Settings) -> None:
    assert not source_available("mp_elastic", settings)
    assert "mp_elastic" not in default_sources(settings)
    row = list_sources(settings).set_index("name").loc["mp_elastic"]
    assert (row["kind"], bool(row["available"]), int(row["rows"])) == ("modulus", False, 0)


def test_cached_elastic_rows_feed_the_modulus_training_table(settings: Settings) -> None:
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    assert source_available("mp_elastic", settings)
    assert "mp_elastic" in default_sources(settings)
    rows = load_source("mp_elastic", settings)
    assert len(rows) == 9  # Li, LiCl, Li2S x (bulk, shear, Young)
    assert set(rows["source"]) == {"mp_elastic"}
    licl = rows[rows["formula"] == "LiCl"].set_index("modulus_kind")["modulus_GPa"]
    np.testing.assert_allclose(licl["Young"], 9 * 30 * 20 / (3 * 30 + 20), rtol=1e-12)
    # The rows count as DFT rows of the modulus model: LiCl and Li2S (Li metal is not an ionic
    # compound and is left out); two are fewer than MIN_DFT_FORMULAS, so the measured moduli
    # stay the training rows here.
    report = build_target_table("modulus", rows).report
    assert (report["dft_formulas"], report["dft_not_ionic"]) == (2, 1)
    assert report["modulus_training"] == "measured"
