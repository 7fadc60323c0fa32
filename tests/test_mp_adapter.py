"""The Materials Project adapter against recorded responses (no network, no key needed).

``ReplayMPRester`` (tests/mp_replay.py) stands in for the external API and answers from
tests/data/mp/*.json, which are built in the shape of real responses by
tests/data/mp/build_recordings.py. The Li-S-Cl recording's energies are representative values
(eV/atom): Li -1.909, Cl -1.849, S -4.126; formation energies per formula unit LiCl -4.24,
Li2S -4.58, so LiCl's oxidation limit is 4.24 V and Li2S's is 4.58 / 2 = 2.29 V.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from mp_replay import ReplayMPRester
from pymatgen.core import SETTINGS as PMG_SETTINGS

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.materials_project import (
    cached_elastic_records,
    cached_entries,
    elastic_records,
    fetch_chemsys,
    known_phases,
)
from anionscreen.datasets.mp_cache import (
    MPCacheMissingError,
    missing_systems,
    normalize_chemsys,
    write_json_atomic,
)
from anionscreen.datasets.mp_client import (
    ELASTICITY_FIELDS,
    SUMMARY_FIELDS,
    MPUnavailableError,
    api_key_configured,
    redact,
)
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.stability import LiWindowCalculator

KEY = "Zq8rT2vLm4Xc9Pn1Wd6Hs3Jk7Bf0Ga5E"  # 32 characters, like a real key; not a real one


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MP_API_KEY", raising=False)
    monkeypatch.delitem(PMG_SETTINGS, "PMG_MAPI_KEY", raising=False)


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MP_API_KEY", KEY)


def _cache_files(settings: Settings) -> list[Path]:
    root = settings.cache / "mp"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_fetch_writes_one_file_per_system_and_version(settings: Settings) -> None:
    client = ReplayMPRester("li_s_cl")
    cached = fetch_chemsys("S-Cl-Li", settings, client=client)
    assert cached.path == settings.cache / "mp" / "2025.09.25" / "Cl-Li-S.json"
    assert (cached.chemsys, cached.db_version) == ("Cl-Li-S", "2025.09.25")
    assert cached.counts() == {"entries": 8, "summary": 8, "elasticity": 5}
    assert cached.payload["thermo_type"] == "GGA_GGA+U_R2SCAN"
    assert _cache_files(settings) == [cached.path]
    assert [method for method, _ in client.requests] == [
        "get_entries_in_chemsys",
        "materials.summary.search",
        "materials.elasticity.search",
    ]
    summary_params = client.requests[1][1]
    assert summary_params["chemsys"] == ["Cl", "Li", "S", "Cl-Li", "Cl-S", "Li-S", "Cl-Li-S"]
    assert summary_params["fields"] == list(SUMMARY_FIELDS)
    assert client.requests[2][1]["fields"] == list(ELASTICITY_FIELDS)


def test_cached_entries_round_trip_energies_and_ids(settings: Settings) -> None:
    client = ReplayMPRester("li_s_cl")
    fetch_chemsys("Li-S-Cl", settings, client=client)
    served = {
        e.entry_id: e
        for e in client.get_entries_in_chemsys(
            ["Cl", "Li", "S"], additional_criteria={"thermo_types": ["GGA_GGA+U_R2SCAN"]}
        )
    }
    loaded = cached_entries("Li-S-Cl", settings)
    assert sorted(e.entry_id for e in loaded) == sorted(served)
    for entry in loaded:
        original = served[entry.entry_id]
        assert entry.energy == pytest.approx(original.energy, abs=1e-12)
        assert entry.uncorrected_energy == pytest.approx(original.uncorrected_energy, abs=1e-12)
        assert entry.correction == pytest.approx(original.correction, abs=1e-12)
        assert entry.composition == original.composition
        assert entry.data["material_id"] == original.data["material_id"]
    licl = next(e for e in loaded if e.entry_id == "mp-22905-GGA")
    assert licl.energy == pytest.approx(-7.998, abs=1e-12)  # -1.909 - 1.849 - 4.24
    assert licl.correction == pytest.approx(-0.614, abs=1e-12)  # MP2020-style Cl correction
    # A subsystem is served from the covering cached system.
    assert sorted(e.entry_id for e in cached_entries("Li-Cl", settings)) == [
        "mp-1185319-GGA",
        "mp-135-GGA",
        "mp-22848-GGA",
        "mp-22905-GGA",
    ]


def test_windows_from_the_cached_recording(settings: Settings) -> None:
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    calc = LiWindowCalculator(cached_entries("Li-S-Cl", settings))
    licl, li2s = calc.window("LiCl"), calc.window("Li2S")
    assert (licl.reduction_limit_V, licl.oxidation_limit_V) == (0.0, pytest.approx(4.24, abs=1e-9))
    assert licl.oxidation_products == ("Cl2",)
    assert li2s.oxidation_limit_V == pytest.approx(2.29, abs=1e-9)
    assert li2s.oxidation_products == ("S",)


def test_second_fetch_asks_nothing_and_subsystems_are_covered(settings: Settings) -> None:
    first = fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    again = ReplayMPRester("li_s_cl")
    assert fetch_chemsys("Cl-Li-S", settings, client=again).path == first.path
    assert fetch_chemsys("Li-Cl", settings, client=again).path == first.path
    assert again.requests == []
    refreshed = ReplayMPRester("li_s_cl")
    fetch_chemsys("Cl-Li-S", settings, client=refreshed, refresh=True)
    assert len(refreshed.requests) == 3
    with pytest.raises(
        AnionscreenError, match=r"with thermo type 'GGA_GGA\+U_R2SCAN', not 'GGA_GGA\+U'"
    ):
        fetch_chemsys("Li-Cl", settings, client=again, thermo_type="GGA_GGA+U")
    assert again.requests == []


def test_known_phases_lists_lowest_polymorph_first(settings: Settings) -> None:
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    phases = known_phases("Li-Cl", settings)
    assert phases["material_id"].tolist() == ["mp-22848", "mp-135", "mp-22905", "mp-1185319"]
    licl = phases[phases["formula"] == "LiCl"]
    assert licl["e_above_hull_eV"].tolist() == [0.0, 0.03]
    assert licl["is_stable"].tolist() == [True, False]
    assert len(known_phases("Li-S-Cl", settings)) == 8


def test_elastic_records_are_measurement_rows(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    with caplog.at_level(logging.WARNING):
        rows = elastic_records("Li-S-Cl", settings)
    assert (
        "Materials Project elastic data (Cl-Li-S): 2 material(s) left out (failed fit or "
        "K, G <= 0): mp-1185319, mp-96"
    ) in caplog.text
    assert len(rows) == 9  # Li, LiCl, Li2S x (bulk, shear, Young)
    licl = rows[rows["formula"] == "LiCl"].set_index("modulus_kind")["modulus_GPa"]
    assert licl["bulk"] == 30.0
    assert licl["shear"] == 20.0
    assert licl["Young"] == pytest.approx(9 * 30 * 20 / (3 * 30 + 20), abs=1e-12)  # 49.09 GPa
    note = rows.loc[rows["formula"] == "LiCl", "note"].iloc[0]
    assert note == "DFT-PBE (Materials Project) mp-22905; K_VRH; database 2025.09.25"
    assert (
        elastic_records("Li-Cl", settings)["modulus_kind"].tolist()
        == ["bulk", "shear", "Young"] * 2
    )
    everything = cached_elastic_records(settings)
    assert everything.equals(rows)
    assert set(rows["source"]) == {"materials_project"}
    assert set(rows["doi"]) == {"10.1038/sdata.2015.9"}
    assert set(rows["amorphous"]) == {"false"}
    assert rows["sigma_S_per_cm"].isna().all()


def test_error_response_raises_and_writes_nothing(settings: Settings, with_key: None) -> None:
    client = ReplayMPRester("li_cl_error", api_key=KEY)
    with pytest.raises(MPUnavailableError) as info:
        fetch_chemsys("Li-Cl", settings, client=client)
    message = str(info.value)
    assert message.startswith(
        "Materials Project summary search for Cl-Li failed: MPRestError: REST query returned "
        "with error status code 401 on URL https://api.materialsproject.org/materials/summary/"
    )
    assert (
        "Invalid authentication credentials: x-api-key=*** (key *** is not registered)" in message
    )
    assert message.endswith(
        "Nothing was cached; check the network and MP_API_KEY, or work from the cache "
        "(anionscreen mp status)"
    )
    assert _cache_files(settings) == []


def test_timeout_raises_and_writes_nothing(settings: Settings) -> None:
    with pytest.raises(MPUnavailableError) as info:
        fetch_chemsys("Li-Cl", settings, client=ReplayMPRester("li_cl_timeout"))
    assert str(info.value).startswith(
        "Materials Project entries request for Cl-Li failed (the request timed out): "
        "ReadTimeout: HTTPSConnectionPool(host='api.materialsproject.org', port=443): "
        "Read timed out. (read timeout=20)."
    )
    assert _cache_files(settings) == []


def test_key_never_in_errors_logs_or_cache(
    settings: Settings, with_key: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(MPUnavailableError) as info:
        fetch_chemsys("Li-Cl", settings, client=ReplayMPRester("li_cl_error", api_key=KEY))
    assert KEY not in str(info.value)
    # The client's own exception (which holds the key) is not chained onto ours.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl", api_key=KEY))
    for path in _cache_files(settings):
        assert KEY not in path.read_text(encoding="utf-8")
    assert KEY not in caplog.text
    assert api_key_configured()


def test_fetch_without_key_or_client_says_how_to_configure(
    settings: Settings, no_key: None
) -> None:
    assert not api_key_configured()
    with pytest.raises(
        MPUnavailableError, match=r"^no Materials Project API key to fetch Cl-Li: set MP_API_KEY"
    ):
        fetch_chemsys("Li-Cl", settings)


def test_redact_masks_key_and_key_assignments() -> None:
    text = f"GET /x?api_key={KEY} header x-api-key: abc123 and raw {KEY}"
    assert redact(text, KEY) == "GET /x?api_key=*** header x-api-key: *** and raw ***"


def test_missing_cache_says_how_to_fill_it(settings: Settings) -> None:
    with pytest.raises(MPCacheMissingError) as info:
        cached_entries("Li-Ta-S-O-Cl", settings)
    assert str(info.value) == (
        f"no cached Materials Project data for Cl-Li-O-S-Ta in {settings.cache / 'mp'}. "
        "Fill the cache first (needs MP_API_KEY and a network): "
        "anionscreen mp fetch Cl-Li-O-S-Ta"
    )


def test_missing_systems_names_only_the_largest(settings: Settings) -> None:
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    needed = [
        frozenset({"Li", "Cl"}),
        frozenset({"Li", "Ta", "S", "Cl"}),
        frozenset({"Li", "Ta", "S", "O", "Cl"}),
        frozenset({"Li", "Br"}),
    ]
    assert missing_systems(needed, settings) == ["Br-Li", "Cl-Li-O-S-Ta"]


def test_normalize_chemsys_and_its_errors() -> None:
    assert normalize_chemsys("Li-Ta-S-O-Cl") == "Cl-Li-O-S-Ta"
    assert normalize_chemsys(" Cl-Li-Cl ") == "Cl-Li"
    with pytest.raises(
        AnionscreenError, match=r"chemical system 'Li-Xx' has 'Xx', which is not an element symbol"
    ):
        normalize_chemsys("Li-Xx")
    with pytest.raises(AnionscreenError, match=r"chemical system '' is empty"):
        normalize_chemsys("")


def test_corrupt_cache_file_is_named(settings: Settings) -> None:
    cached = fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    cached.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(
        AnionscreenError, match=r"cannot read Materials Project cache file .*Cl-Li-S.json"
    ):
        cached_entries("Li-S-Cl", settings)
    cached.path.write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(
        AnionscreenError, match=r"is not a Materials Project cache file of format 1"
    ):
        cached_entries("Li-S-Cl", settings)


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "mp" / "v" / "Cl-Li.json"
    with pytest.raises(TypeError):
        write_json_atomic(target, {"bad": object()})
    assert list(target.parent.iterdir()) == []
    write_json_atomic(target, {"format": 1})
    assert json.loads(target.read_text(encoding="utf-8")) == {"format": 1}
    assert list(target.parent.iterdir()) == [target]


def test_key_held_only_by_the_client_is_masked_too(settings: Settings, no_key: None) -> None:
    with pytest.raises(MPUnavailableError) as info:
        fetch_chemsys("Li-Cl", settings, client=ReplayMPRester("li_cl_error", api_key=KEY))
    assert KEY not in str(info.value)
    assert "(key *** is not registered)" in str(info.value)
