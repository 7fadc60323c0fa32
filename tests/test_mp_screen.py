"""Campaigns with the stability window: preflight through ``anionscreen screen``, and real
scoring of Li-S-Cl candidates with the cached (recorded) Materials Project data.

Window limits of the recording (tests/test_mp_adapter.py): LiCl 0-4.24 V; Li2S and every
Li2S + LiCl mixture (Li2S, Li3SCl, Li4SCl2) 0-2.29 V.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from campaign_fixtures import TinyPredictor
from mp_replay import ReplayMPRester
from pymatgen.core import SETTINGS as PMG_SETTINGS
from typer.testing import CliRunner

from anionscreen.datasets.materials_project import fetch_chemsys
from anionscreen.datasets.settings import Settings
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.cli import app
from anionscreen.screening.run.execute import ChunkSource, ExecutorSpec, PackedChunk, iter_results
from anionscreen.screening.run.mp_data import plan_mp_columns
from anionscreen.screening.run.scoring import ChunkScorer
from anionscreen.screening.spaces.generators import count_all, generate_all

WINDOW_CAMPAIGN = """
name = "window"

[[space]]
name = "Li-Ta-(S,O)-Cl5"
template = "Li{n} Ta S{1-x} O{x} Cl5"
x = { start = 0.0, stop = 1.0, step = 0.5 }
n = "balance"

[[objective]]
name = "sigma"

[[objective]]
name = "oxidation_limit"

[constraints]
oxidation_limit_min_V = 4.2
"""


def test_screen_asking_for_the_window_without_cache_fails_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANIONSCREEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MP_API_KEY", raising=False)
    monkeypatch.delitem(PMG_SETTINGS, "PMG_MAPI_KEY", raising=False)
    campaign = tmp_path / "window.toml"
    campaign.write_text(WINDOW_CAMPAIGN, encoding="utf-8")
    workspace = tmp_path / "ws"
    result = CliRunner().invoke(app, ["--workspace", str(workspace), "screen", str(campaign)])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "error: the campaign asks for objective 'oxidation_limit', constraint "
        "'oxidation_limit_min_V', but there is no cached Materials Project data for "
        f"Cl-Li-O-S-Ta in {tmp_path / 'cache' / 'mp'}. Fill the cache first (needs "
        "MP_API_KEY and a network): anionscreen mp fetch Cl-Li-O-S-Ta\n"
    )
    assert not workspace.exists() or not any(workspace.rglob("run.json"))


def _li_s_cl_campaign(chunk_size: int = 10) -> Campaign:
    return campaign_from_dict(
        {
            "name": "li-s-cl",
            "space": [
                {"name": "Li-S-Cl", "template": "Li{n} S Cl{y}", "n": "balance",
                 "y": {"start": 0, "stop": 2, "step": 1}},
                {"name": "LiCl", "template": "Li Cl"},
            ],
            "objective": [{"name": "sigma"}, {"name": "oxidation_limit", "weight": 2.0}],
            "constraints": {"oxidation_limit_min_V": 4.2},
            "execution": {"chunk_size": chunk_size},
        },
        "<test>",
    )  # fmt: skip


@pytest.fixture
def cached(tmp_path: Path) -> Settings:
    settings = Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")
    fetch_chemsys("Li-S-Cl", settings, client=ReplayMPRester("li_s_cl"))
    return settings


def _scorer(campaign: Campaign, settings: Settings) -> tuple[ChunkScorer, ChunkSource]:
    spaces = campaign.spaces
    plan = plan_mp_columns(
        spaces, settings, objective_names=[o.name for o in campaign.objective],
        constraints=campaign.constraints,
    )  # fmt: skip
    assert plan.provider is not None
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign, providers=(plan.provider,))
    size = campaign.execution.chunk_size
    source = ChunkSource(chunks=lambda: generate_all(spaces, size), total=count_all(spaces))
    return scorer, source


def _frame(table: object) -> pd.DataFrame:
    # A scored chunk travels as a DataFrame or an Arrow table, depending on the version.
    return table if isinstance(table, pd.DataFrame) else table.to_pandas()


def test_window_objective_and_constraint_score_cached_candidates(cached: Settings) -> None:
    campaign = _li_s_cl_campaign()
    scorer, source = _scorer(campaign, cached)
    tables = [_frame(scorer(chunk, i, 0).table) for i, chunk in enumerate(source.chunks())]
    table = pd.concat(tables, ignore_index=True).set_index("formula")
    assert table.loc[["Li2S", "Li3SCl", "Li4SCl2", "LiCl"], "oxidation_limit_V"].tolist() == (
        pytest.approx([2.29, 2.29, 2.29, 4.24])
    )
    assert table.loc["LiCl", "known_mp_id"] == "mp-22905"
    assert table.loc["LiCl", "feasible"]
    assert table.loc["Li2S", "infeasible_reason"] == "oxidation limit below floor"
    assert table.loc["Li3SCl", "infeasible_reason"] == "oxidation limit below floor"
    # The objective value is the limit itself (maximised); score counts it per 0.5 V.
    assert table.loc["LiCl", "obj_oxidation_limit"] == pytest.approx(4.24)
    assert table.loc["Li2S", "obj_oxidation_limit"] == pytest.approx(2.29)


def test_scorer_with_the_window_ships_to_workers_with_identical_results(cached: Settings) -> None:
    campaign = _li_s_cl_campaign(chunk_size=1)  # 4 chunks, so both workers get some
    scorer, source = _scorer(campaign, cached)
    tasks = []
    offset = 0
    for index, chunk in enumerate(source.chunks()):
        tasks.append(PackedChunk.pack(chunk, index, offset))
        offset += len(chunk)
    frames = {}
    for executor in (ExecutorSpec(), ExecutorSpec(workers=2)):
        results = sorted(iter_results(tasks, scorer, executor), key=lambda r: r.index)
        frames[executor.kind] = pd.concat([_frame(r.table) for r in results], ignore_index=True)
    pd.testing.assert_frame_equal(frames["serial"], frames["joblib"])
    assert frames["joblib"]["oxidation_limit_V"].tolist() == pytest.approx([2.29, 2.29, 2.29, 4.24])
