"""``anionscreen mp fetch|status`` through typer's CliRunner (no network, no real key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mp_replay import ReplayMPRester
from pymatgen.core import SETTINGS as PMG_SETTINGS
from typer.testing import CliRunner

from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.settings import get_settings
from anionscreen.screening.cli import app

KEY = "Zq8rT2vLm4Xc9Pn1Wd6Hs3Jk7Bf0Ga5E"  # shaped like a key; not a real one


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ANIONSCREEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MP_API_KEY", raising=False)
    monkeypatch.delitem(PMG_SETTINGS, "PMG_MAPI_KEY", raising=False)
    return tmp_path / "cache"


def test_status_of_an_empty_cache(cache: Path) -> None:
    result = CliRunner().invoke(app, ["mp", "status"])
    assert result.exit_code == 0, result.output
    assert f"Materials Project cache: {cache / 'mp'}" in result.output
    assert "API key: not configured (set MP_API_KEY to fetch)" in result.output
    assert (
        "No cached systems. Fill the cache with: anionscreen mp fetch Li-Ta-S-O-Cl" in result.output
    )


def test_status_lists_cached_systems_and_never_prints_the_key(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetch_chemsys("Li-S-Cl", get_settings(), client=ReplayMPRester("li_s_cl"))
    monkeypatch.setenv("MP_API_KEY", KEY)
    result = CliRunner().invoke(app, ["mp", "status"])
    assert result.exit_code == 0, result.output
    assert "API key: configured" in result.output
    assert KEY not in result.output
    row = next(line for line in result.output.splitlines() if "Cl-Li-S" in line)
    cells = [cell.strip() for cell in row.split("│")[1:7]]
    assert cells == ["Cl-Li-S", "2025.09.25", "GGA_GGA+U_R2SCAN", "8", "8", "5"]


def test_fetch_without_key_fails_and_says_why(cache: Path) -> None:
    result = CliRunner().invoke(app, ["mp", "fetch", "Li-Cl"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: no Materials Project API key to fetch Cl-Li: set MP_API_KEY"
    )


def test_fetch_offline_of_a_cached_system_is_a_no_op(cache: Path) -> None:
    fetch_chemsys("Li-S-Cl", get_settings(), client=ReplayMPRester("li_s_cl"))
    result = CliRunner().invoke(app, ["mp", "fetch", "Li-Cl"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Cl-Li: cached as Cl-Li-S (database 2025.09.25) in ")
    assert "no API key configured, so not checked for a newer version" in result.output
    other = CliRunner().invoke(app, ["mp", "fetch", "Li-Cl", "--thermo-type", "GGA_GGA+U"])
    assert other.exit_code == 1
    assert "with thermo type 'GGA_GGA+U_R2SCAN', not 'GGA_GGA+U'" in other.stderr


def test_status_and_fetch_of_a_campaign(cache: Path, tmp_path: Path) -> None:
    campaign = tmp_path / "c.toml"
    campaign.write_text(
        'name = "c"\n[[space]]\nname = "s"\ntemplate = "Li{n} S Cl{y}"\n'
        'y = { start = 0, stop = 2, step = 1 }\nn = "balance"\n'
        '[[space]]\nname = "b"\ntemplate = "Li Br"\n'
    )
    before = CliRunner().invoke(
        app, ["mp", "status", "--campaign", str(campaign)], terminal_width=200
    )
    assert before.exit_code == 0, before.output
    assert f"Campaign {campaign}: 2 chemical system(s) not cached: Br-Li, Cl-Li-S" in before.output
    assert f"Fetch them with: anionscreen mp fetch --campaign {campaign}" in before.output
    fetch_chemsys("Li-S-Cl", get_settings(), client=ReplayMPRester("li_s_cl"))
    after = CliRunner().invoke(
        app, ["mp", "status", "--campaign", str(campaign)], terminal_width=200
    )
    assert f"Campaign {campaign}: 1 chemical system(s) not cached: Br-Li" in after.output
    # fetching the campaign asks only for what is missing (here: no key, so it says so)
    fetched = CliRunner().invoke(app, ["mp", "fetch", "--campaign", str(campaign)])
    assert fetched.exit_code == 1
    assert f"campaign {campaign}: 1 chemical system(s) not cached yet" in fetched.stdout
    assert "error: no Materials Project API key to fetch Br-Li" in fetched.stderr
    default = CliRunner().invoke(app, ["mp", "status", "--campaign", "default"])
    assert "Campaign default: 35 chemical system(s) not cached" in default.output
    nothing = CliRunner().invoke(app, ["mp", "fetch"])
    assert nothing.exit_code == 1
    assert "give chemical systems (e.g. Li-Ta-S-O-Cl) or --campaign FILE" in nothing.stderr


def test_fetch_rejects_a_bad_chemical_system(cache: Path) -> None:
    result = CliRunner().invoke(app, ["mp", "fetch", "Li-Xx"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: chemical system 'Li-Xx' has 'Xx', which is not an element symbol\n"
    )


def test_window_prints_limits_products_and_novelty_from_the_cache(cache: Path) -> None:
    fetch_chemsys("Li-S-Cl", get_settings(), client=ReplayMPRester("li_s_cl"))
    result = CliRunner().invoke(app, ["mp", "window", "LiCl", "LiS0.5Cl"])
    assert result.exit_code == 0, result.output
    rows = [
        [cell.strip() for cell in line.split("│")[1:7]]
        for line in result.output.splitlines()
        if line.startswith("│")
    ]
    assert rows == [
        ["LiCl", "0.00", "4.24", "(stable vs Li)", "Cl2", "mp-22905 (0.000 eV/atom)"],
        ["LiS0.5Cl", "2.29", "3.94", "Li2S + LiCl", "LiCl + SCl", ""],
    ]


def test_window_without_cached_data_says_how_to_fetch(cache: Path) -> None:
    result = CliRunner().invoke(app, ["mp", "window", "LiBr"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: no cached Materials Project data for Br-Li in {cache / 'mp'}. Fill the cache "
        "first (needs MP_API_KEY and a network): anionscreen mp fetch Br-Li\n"
    )
