"""Campaign files: the default, --example, and errors that name the key before any work."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anionscreen.datasets.errors import ConfigError
from anionscreen.screening.campaign.config import campaign_from_toml, load_campaign
from anionscreen.screening.campaign.default import DEFAULT_CAMPAIGN_TOML, default_campaign
from anionscreen.screening.cli import app

TINY = """
name = "t"
[[space]]
name = "s"
template = "Li2 {M} S{1-x} O{x} Cl5"
M = ["Ta"]
x = { start = 0.0, stop = 1.0, step = 0.5 }
"""


def test_default_campaign_values() -> None:
    campaign = default_campaign()
    assert campaign.name == "ltsoc-neighbourhood"
    assert [o.name for o in campaign.objective] == ["sigma", "modulus", "supply_risk"]
    assert [o.weight for o in campaign.objective] == [1.0, 0.5, 0.2]
    assert campaign.space[0]["M"][:3] == ["Ta", "Nb", "Zr"]
    assert campaign.constraints.sigma_min_S_per_cm == 1e-6
    assert campaign.execution.chunk_size == 8192
    assert campaign.sigma_temperature_c() == 25.0


def test_example_is_the_commented_default(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["screen", "--example"])
    assert result.exit_code == 0
    assert result.output == DEFAULT_CAMPAIGN_TOML
    assert result.output.count("\n#") >= 3  # it is commented
    path = tmp_path / "my.toml"
    path.write_text(result.output)
    assert load_campaign(path) == default_campaign()


def test_defaults_fill_missing_tables() -> None:
    campaign = campaign_from_toml(TINY + '[[objective]]\nname = "sigma"\n')
    assert campaign.ranking.top_n == 50
    assert campaign.acquisition.method == "ucb"
    assert campaign.models.sigma == "current"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[[objective]]\nname = "speed"\n',
            "key 'objective[0].name' = 'speed': unknown objective 'speed'; expected one of "
            "cost, ea, modulus, oxidation_limit, reduction_limit, sigma, stability_window, "
            "supply_risk",
        ),
        (
            '[[objective]]\nname = "sigma"\n[ranking]\ntop_n = "ten"\n',
            "key 'ranking.top_n' = 'ten': Input should be a valid integer",
        ),
        (
            '[[objective]]\nname = "sigma"\ncolour = "red"\n',
            "unknown key 'objective[0].colour' (value 'red')",
        ),
        (
            '[[objective]]\nname = "sigma"\n[constraints]\nallowed_elements = ["Li", "Xx"]\n',
            "key 'constraints.allowed_elements' = ['Li', 'Xx']: unknown element 'Xx'",
        ),
        (
            '[[objective]]\nname = "sigma"\n[acquisition]\nmethod = "thompson"\n',
            "key 'acquisition.method' = 'thompson': Input should be 'ucb' or 'ei'",
        ),
        ('[[objective]]\nname = "sigma"\nweight = -1\n', "key 'objective[0].weight' = -1"),
    ],
)
def test_invalid_campaign_names_the_key(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        campaign_from_toml(TINY + extra, "my.toml")
    assert message in str(err.value)
    assert "my.toml" in str(err.value)


def test_campaign_without_objectives_ranks_by_the_defaults() -> None:
    campaign = campaign_from_toml(TINY, "my.toml")
    assert [(o.name, o.weight, o.temperature_C) for o in campaign.objective] == [
        ("sigma", 1.0, 25.0),
        ("modulus", 0.5, 25.0),
        ("supply_risk", 0.2, 25.0),
    ]
    assert campaign.default_objectives_used
    assert campaign.objectives_note() == (
        "no [[objective]] tables in the campaign: ranking by the default objectives "
        "sigma (weight 1), modulus (weight 0.5), supply_risk (weight 0.2)"
    )
    # the built-in campaign's objectives are the defaults, written out
    builtin = default_campaign()
    assert builtin.objective == campaign.objective
    assert not builtin.default_objectives_used
    assert builtin.objectives_note() is None
    with pytest.raises(ConfigError, match="key 'objective' = \\[\\]: List should have at least 1"):
        campaign_from_toml("objective = []\n" + TINY, "my.toml")


def test_missing_space_is_named() -> None:
    with pytest.raises(ConfigError, match=r"my.toml: missing required key 'space'"):
        campaign_from_toml('name = "t"\n[[objective]]\nname = "sigma"\n', "my.toml")


def test_bad_space_is_reported_by_the_generators() -> None:
    bad = TINY.replace('M = ["Ta"]', 'M = ["Tx"]') + '[[objective]]\nname = "sigma"\n'
    with pytest.raises(ConfigError, match="Tx"):
        campaign_from_toml(bad, "my.toml")


def test_not_toml() -> None:
    with pytest.raises(ConfigError, match=r"my\.toml: not valid TOML"):
        campaign_from_toml("name = ", "my.toml")


def test_cli_rejects_invalid_campaign_before_any_work(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(TINY + '[[objective]]\nname = "speed"\n')
    workspace = tmp_path / "ws"
    result = CliRunner().invoke(app, ["--workspace", str(workspace), "screen", str(path)])
    assert result.exit_code == 1
    assert "objective[0].name" in result.output
    assert "'speed'" in result.output
    assert not workspace.exists()  # nothing was trained or written


def test_default_toml_is_plain_toml() -> None:
    data = tomllib.loads(DEFAULT_CAMPAIGN_TOML)
    assert {"name", "space", "objective", "constraints", "acquisition"} <= set(data)
