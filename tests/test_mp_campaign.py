"""The campaign side of the Materials Project columns: needed systems and the preflight."""

from __future__ import annotations

import math
import pickle
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from mp_replay import ReplayMPRester

from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.mp_cache import MPCacheMissingError
from anionscreen.datasets.settings import Settings
from anionscreen.screening.run.mp_data import plan_mp_columns, space_element_sets
from anionscreen.screening.spaces.generators import generate_all
from anionscreen.screening.spaces.specs import SpaceSpec, spaces_from_config

ISSUE_EXAMPLE = """
[[space]]
name = "Li-M-(S,O)-X5"
template = "Li{n} {M} S{1-x} O{x} {X}5"
M = ["Ta", "Nb", "Zr", "Hf", "W"]
X = ["Cl", "Br"]
x = { start = 0.0, stop = 1.0, step = 0.1 }
n = "balance"

[[space]]
name = "Li3M(Cl,Br)6"
template = "Li3 {M} Cl{6-y} Br{y}"
M = ["Y", "In", "Sc", "Er", "Zr"]
y = { start = 0, stop = 6, step = 1 }
"""
LI_S_CL = """
[[space]]
name = "Li-S-Cl"
template = "Li{n} S Cl{y}"
y = { start = 0, stop = 2, step = 1 }
n = "balance"
"""
LI_BR = """
[[space]]
name = "Li-Br"
template = "Li Br"
"""


def _spaces(*texts: str) -> list[SpaceSpec]:
    tables = [t for text in texts for t in tomllib.loads(text)["space"]]
    return spaces_from_config(tables, "test.toml")


@pytest.fixture
def empty(tmp_path: Path) -> Settings:
    return Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")


@pytest.fixture
def cached(empty: Settings) -> Settings:
    fetch_chemsys("Li-S-Cl", empty, client=ReplayMPRester("li_s_cl"))
    return empty


def test_element_sets_of_the_issue_example() -> None:
    sets = space_element_sets(_spaces(ISSUE_EXAMPLE))
    first = [
        frozenset({"Li", m, "S", "O", x})
        for m in ["Ta", "Nb", "Zr", "Hf", "W"]
        for x in ["Cl", "Br"]
    ]
    second = [frozenset({"Li", m, "Cl", "Br"}) for m in ["Y", "In", "Sc", "Er", "Zr"]]
    assert sets == first + second


def test_element_sets_of_a_system_space() -> None:
    system = """
[[space]]
name = "sys"
cations = ["Ta", "Nb"]
anions = ["S", "Cl", "Br"]
amounts = { start = 1, stop = 2, step = 1 }
max_anions = 2
"""
    sets = space_element_sets(_spaces(system))
    assert len(sets) == 6  # 2 cations x C(3, 2) anion pairs
    assert frozenset({"Li", "Nb", "Cl", "Br"}) in sets


def test_window_objective_without_cache_fails_before_any_work(empty: Settings) -> None:
    with pytest.raises(MPCacheMissingError) as info:
        plan_mp_columns(
            _spaces(ISSUE_EXAMPLE)[:1], empty, objective_names=["sigma", "oxidation_limit"]
        )
    message = str(info.value)
    assert message.startswith(
        "the campaign asks for objective 'oxidation_limit', but there is no cached Materials "
        "Project data for Br-Hf-Li-O-S, Br-Li-Nb-O-S,"
    )
    assert message.endswith(
        "Fill the cache first (needs MP_API_KEY and a network): anionscreen mp fetch "
        "Br-Hf-Li-O-S Br-Li-Nb-O-S Br-Li-O-S-Ta Br-Li-O-S-W Br-Li-O-S-Zr "
        "Cl-Hf-Li-O-S Cl-Li-Nb-O-S Cl-Li-O-S-Ta Cl-Li-O-S-W Cl-Li-O-S-Zr"
    )
    assert len(info.value.chemsys) == 10


def test_window_constraint_without_cache_fails_too(cached: Settings) -> None:
    constraints = SimpleNamespace(oxidation_limit_min_V=4.2, reduction_limit_max_V=None)
    with pytest.raises(
        MPCacheMissingError,
        match=r"^the campaign asks for constraint 'oxidation_limit_min_V', but there is no cached Materials Project data for Br-Li in .*anionscreen mp fetch Br-Li$",
    ):
        plan_mp_columns(_spaces(LI_S_CL, LI_BR), cached, constraints=constraints)


def test_nothing_cached_and_nothing_asked_leaves_the_columns_out(empty: Settings) -> None:
    plan = plan_mp_columns(_spaces(LI_S_CL), empty, objective_names=["sigma"])
    assert plan.provider is None
    assert plan.note == (
        "Materials Project columns (stability window, novelty) absent: nothing cached; with "
        "MP_API_KEY and a network, fill the cache with: anionscreen mp fetch Cl-Li-S"
    )


def test_many_missing_systems_make_a_one_line_note(empty: Settings, cached: Settings) -> None:
    for settings in (empty, cached):
        plan = plan_mp_columns(_spaces(ISSUE_EXAMPLE), settings)
        assert "\n" not in plan.note
        assert len(plan.note) < 250
        assert plan.note.endswith(
            "anionscreen mp fetch --campaign FILE (its 15 systems; "
            "`anionscreen mp status --campaign FILE` lists them))"
            if settings is cached
            else "anionscreen mp fetch --campaign FILE (its 15 systems; "
            "`anionscreen mp status --campaign FILE` lists them)"
        )
        assert len(plan.data.missing) == 15  # the run record keeps the full list


def test_covered_campaign_gets_the_columns(cached: Settings) -> None:
    spaces = _spaces(LI_S_CL)
    plan = plan_mp_columns(spaces, cached, objective_names=["oxidation_limit"])
    assert plan.note == "Materials Project columns from the cache (Cl-Li-S@2025.09.25)"
    assert plan.provider is not None
    chunk = next(generate_all(spaces, 100))
    table = plan.provider.columns(chunk)
    assert chunk.formulas.tolist() == ["Li2S", "Li3SCl", "Li4SCl2"]
    # All three are Li2S + LiCl mixtures: Li2S gives off Li first, at 4.58 / 2 = 2.29 V.
    assert table["oxidation_limit_V"].tolist() == pytest.approx([2.29, 2.29, 2.29])
    assert table["reduction_limit_V"].tolist() == [0.0, 0.0, 0.0]
    assert table["known_mp_id"].tolist() == ["mp-1153", "", ""]


def test_partly_covered_campaign_gets_nan_where_not_cached(cached: Settings) -> None:
    spaces = _spaces(LI_S_CL, LI_BR)
    plan = plan_mp_columns(spaces, cached)
    assert plan.note == (
        "Materials Project columns from the cache (Cl-Li-S@2025.09.25); NaN for systems not "
        "cached: Br-Li (fill with: anionscreen mp fetch Br-Li)"
    )
    assert plan.provider is not None
    libr = list(generate_all(spaces, 100))[1]
    assert math.isnan(plan.provider.columns(libr)["oxidation_limit_V"].iloc[0])


def test_key_is_not_in_notes_or_the_shipped_provider(
    cached: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "Zq8rT2vLm4Xc9Pn1Wd6Hs3Jk7Bf0Ga5E"  # shaped like a key; not a real one
    monkeypatch.setenv("MP_API_KEY", key)
    plan = plan_mp_columns(_spaces(LI_S_CL, LI_BR), cached, objective_names=["sigma"])
    assert key not in plan.note
    assert key.encode() not in pickle.dumps(plan.provider)
