"""Objectives, score, constraints, Pareto ranks and the diverse next batch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from anionscreen.descriptors.elements import element_index
from anionscreen.screening.campaign.acquisition import acquisition_values, select_batch
from anionscreen.screening.campaign.config import Acquisition, campaign_from_dict
from anionscreen.screening.campaign.objectives import log10_sigma_at
from anionscreen.screening.campaign.pareto import pareto_ranks, utilities
from anionscreen.screening.campaign.scores import (
    constraint_columns,
    objective_columns,
    score_columns,
)

SPACE = [{"name": "s", "template": "Li2 {M} S{1-x} O{x} Cl5", "M": ["Ta"], "x": [0, 1]}]


def _campaign(**extra: object) -> object:
    data: dict[str, object] = {
        "name": "r",
        "space": SPACE,
        "objective": [{"name": "sigma"}, {"name": "modulus", "weight": 0.5}],
    }
    data.update(extra)
    return campaign_from_dict(data)


def _predictions(log_sigma: list[float], modulus: list[float]) -> pd.DataFrame:
    s = np.array(log_sigma)
    m = np.array(modulus)
    return pd.DataFrame(
        {
            "log10_sigma_S_per_cm": s,
            "log10_sigma_S_per_cm_lo": s - 2 * 1.6448536269514722,
            "log10_sigma_S_per_cm_hi": s + 2 * 1.6448536269514722,
            "ea_eV": 0.3,
            "ea_eV_lo": 0.25,
            "ea_eV_hi": 0.35,
            "modulus_GPa": m,
            "modulus_GPa_lo": m / 10,
            "modulus_GPa_hi": m * 10,
            "in_domain": [True, False, True][: len(s)],
        }
    )


def _brute_ranks(u: np.ndarray, depth: int) -> np.ndarray:
    dominated = (u[None, :, :] >= u[:, None, :]).all(2) & (u[None, :, :] > u[:, None, :]).any(2)
    ranks = np.zeros(len(u), int)
    left = np.ones(len(u), bool)
    for rank in range(1, depth + 1):
        front = left & ~dominated[:, left].any(1)
        ranks[front] = rank
        left &= ~front
    return ranks


def test_score_is_weighted_sum_of_utilities() -> None:
    campaign = _campaign()
    table = _predictions([-3.0, -2.0], [10.0, 100.0])
    table = pd.concat([table, objective_columns(table, campaign.objective)], axis=1)
    scores = score_columns(table, campaign.objective)
    # -3 (decades of sigma) - 0.5 * log10(10 GPa) and -2 - 0.5 * 2
    np.testing.assert_allclose(scores["score"], [-3.5, -3.0])
    # sigma std = 2 decades; modulus std = 1 decade (interval x/10..x*10 is +-1 decade) * 0.5
    np.testing.assert_allclose(scores["score_std"], np.hypot(2.0, 0.5 / 1.6448536269514722))


def test_sigma_at_another_temperature_follows_arrhenius() -> None:
    table = _predictions([-3.0], [10.0])
    mean, bounds = log10_sigma_at(table, 100.0)
    # log10 sigma(T) = -3 + log10(298.15/373.15) + 0.3 / (k ln10) * (1/298.15 - 1/373.15)
    expected = (
        -3
        + np.log10(298.15 / 373.15)
        + 0.3 / (8.617333262e-5 * np.log(10)) * (1 / 298.15 - 1 / 373.15)
    )
    assert mean[0] == pytest.approx(expected, rel=1e-12)
    assert bounds[0][0] < mean[0] < bounds[1][0]


def test_constraints_mark_reasons() -> None:
    campaign = _campaign(
        constraints={
            "sigma_min_S_per_cm": 1e-3,
            "in_domain_only": True,
            "forbidden_elements": ["Nb"],
        }
    )
    table = _predictions([-2.0, -2.5, -4.0], [5.0, 5.0, 5.0])
    table = pd.concat([table, objective_columns(table, campaign.objective)], axis=1)
    table = pd.concat([table, score_columns(table, campaign.objective)], axis=1)
    fractions = np.zeros((3, 118))
    fractions[:, element_index()["Li"]] = 0.5
    fractions[:, element_index()["Ta"]] = 0.5
    fractions[0] = 0
    fractions[0, element_index()["Nb"]] = 1.0
    result = constraint_columns(table, fractions, campaign)
    assert result["infeasible_reason"].tolist() == [
        "forbidden element",
        "outside the applicability domain",
        "sigma below floor",
    ]
    assert not result["feasible"].any()


def test_pareto_ranks_small_known_example() -> None:
    u = np.array([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0], [1.0, 1.0], [0.5, 0.5], [2.0, 2.0]])
    assert pareto_ranks(u, 5).tolist() == [1, 1, 1, 2, 3, 1]
    assert pareto_ranks(u, 1).tolist() == [1, 1, 1, 0, 0, 1]
    # +inf is the best value, not a missing one: (inf, 1) dominates (5, 1)
    assert pareto_ranks(np.array([[np.inf, 1.0], [5.0, 1.0], [0.0, 2.0]]), 3).tolist() == [1, 2, 1]
    # no objective: nothing dominates, every row is on the front
    assert pareto_ranks(np.zeros((3, 0)), 2).tolist() == [1, 1, 1]


def test_pareto_ranks_match_brute_force_in_three_objectives() -> None:
    u = np.random.default_rng(3).normal(size=(1500, 3)).round(1)  # rounding makes ties
    u[:7, 1] = -np.inf  # missing values rank but never dominate
    u[7:12, 0] = np.inf  # e.g. the oxidation limit of a Li-free composition
    np.testing.assert_array_equal(pareto_ranks(u, 4), _brute_ranks(u, 4))


def test_pareto_ranks_chunked_equal_global() -> None:
    u = np.random.default_rng(5).normal(size=(4000, 2))
    depth = 3
    whole = pareto_ranks(u, depth)
    kept = np.concatenate(
        [
            np.arange(s, s + 500)[pareto_ranks(u[s : s + 500], depth) > 0]
            for s in range(0, 4000, 500)
        ]
    )
    merged = np.zeros(4000, np.int32)
    merged[kept] = pareto_ranks(u[kept], depth)
    np.testing.assert_array_equal(merged, whole)


def test_pareto_ranks_scale_to_a_million_rows() -> None:
    u = np.random.default_rng(0).normal(size=(1_000_000, 2))
    # How long this takes is measured in benchmarks/RESULTS.md, not asserted here.
    ranks = pareto_ranks(u, 1)
    front = u[ranks == 1]
    assert 3 <= len(front) <= 60
    # the front is exactly the non-dominated set: nothing dominates any front point
    for p in front:
        assert not ((u >= p).all(1) & (u > p).any(1)).any()


def test_utilities_flip_minimised_objectives() -> None:
    campaign = _campaign()
    table = _predictions([-3.0], [100.0])
    table = pd.concat([table, objective_columns(table, campaign.objective)], axis=1)
    np.testing.assert_allclose(utilities(table, campaign.objective), [[-3.0, -2.0]])


def test_ucb_and_ei_values() -> None:
    score = np.array([1.0, 0.0, 0.0])
    std = np.array([0.0, 1.0, 0.0])
    ucb = acquisition_values(score, std, Acquisition(method="ucb", kappa=2.0), best_score=1.0)
    np.testing.assert_allclose(ucb, [1.0, 2.0, 0.0])
    ei = acquisition_values(score, std, Acquisition(method="ei"), best_score=1.0)
    # EI at z = -1 with s = 1: -1 * Phi(-1) + phi(-1)
    assert ei[1] == pytest.approx(-0.15865525393145707 + 0.24197072451914337, rel=1e-9)
    assert ei[0] == 0.0
    assert ei[2] == 0.0


def test_batch_is_diverse() -> None:
    # Ten neighbours of one family at the top, then other families.
    rows = [("Ta", "Cl", x / 10, 10 - x / 10) for x in range(10)]
    rows += [("Nb", "Cl", 0.5, 5.0), ("Ta", "Br", 0.5, 4.0), ("Zr", "Cl", 0.5, 3.0)]
    formulas = {
        "Ta": "Li2TaS{s}O{o}{X}5",
        "Nb": "Li2NbS{s}O{o}{X}5",
        "Zr": "Li3ZrS{s}O{o}{X}5",
    }
    pool = pd.DataFrame(
        {
            "candidate_id": range(len(rows)),
            "M": [r[0] for r in rows],
            "X": [r[1] for r in rows],
            "space": "s",
            "formula": [
                formulas[m].format(s=round(1 - x, 1), o=round(x, 1), X=hal) for m, hal, x, _ in rows
            ],
            "acquisition": [r[3] for r in rows],
        }
    )
    settings = Acquisition(batch_size=4, max_per_family=2, min_distance=0.05)
    batch = select_batch(pool, settings)
    # Li2TaS(1-x)O(x)Cl5 members are x/9 apart (9 atoms): x = 0.5 is the first >= 0.05 away,
    # and the family cap (2) then moves on to other families.
    assert batch["formula"].tolist()[:2] == ["Li2TaS1.0O0.0Cl5", "Li2TaS0.5O0.5Cl5"]
    assert batch["M"].tolist()[2:] == ["Nb", "Ta"]
    assert batch["X"].tolist()[3] == "Br"
    assert (batch["selection"] == "diverse").all()
    assert batch["batch_rank"].tolist() == [1, 2, 3, 4]
    assert batch["nearest_pick_distance"].iloc[1:].min() >= 0.05


def test_batch_relaxes_when_pool_is_too_uniform() -> None:
    pool = pd.DataFrame(
        {
            "candidate_id": [0, 1, 2],
            "formula": ["Li2TaSCl5", "Li2TaS0.9O0.1Cl5", "Li2TaS0.8O0.2Cl5"],
            "M": "Ta",
            "acquisition": [3.0, 2.0, 1.0],
        }
    )
    batch = select_batch(pool, Acquisition(batch_size=2, max_per_family=1, family_columns=["M"]))
    assert batch["selection"].tolist() == ["diverse", "relaxed"]
    assert batch["formula"].tolist() == ["Li2TaSCl5", "Li2TaS0.9O0.1Cl5"]


def test_supply_columns_match_pymatgen() -> None:
    from pymatgen.analysis.hhi import HHIModel
    from pymatgen.core.composition import Composition

    from anionscreen.descriptors.chunk import chunk_from_compositions
    from anionscreen.screening.run.scoring import SupplyColumns

    chunk = chunk_from_compositions([Composition("Li2TaS0.4O0.6Cl5"), Composition("Li3InCl6")])
    columns = SupplyColumns().columns(chunk)
    expected = [HHIModel().get_hhi_production(f) for f in ("Li2TaS0.4O0.6Cl5", "Li3InCl6")]
    np.testing.assert_allclose(columns["hhi_production"], expected, rtol=1e-9)
    assert (columns["cost_USD_per_kg"] > 0).all()
