"""Per-chunk scores: objective values, the scalar score and the constraints, row by row.

Everything a single row needs (objective values, score, feasibility) is computed chunk by
chunk from that chunk alone, so results do not depend on how the space is split or on which
worker ran a chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from anionscreen.descriptors.elements import element_index
from anionscreen.screening.campaign.config import Campaign, ObjectiveSpec
from anionscreen.screening.campaign.objectives import get_objective, log10_sigma_at


def objective_columns(table: pd.DataFrame, objectives: Sequence[ObjectiveSpec]) -> pd.DataFrame:
    """Per objective, ``obj_<name>`` (value) and ``obj_<name>_std`` columns."""
    out: dict[str, np.ndarray] = {}
    for spec in objectives:
        definition = get_objective(spec.name)
        value, std = definition.value(table, spec.temperature_C)
        out[f"obj_{spec.name}"] = value
        out[f"obj_{spec.name}_std"] = std
    return pd.DataFrame(out, index=table.index)


def score_columns(table: pd.DataFrame, objectives: Sequence[ObjectiveSpec]) -> pd.DataFrame:
    """``score`` (weighted sum of utilities) and ``score_std`` (from the objective intervals)."""
    score = np.zeros(len(table))
    var = np.zeros(len(table))
    for spec in objectives:
        definition = get_objective(spec.name)
        value = table[f"obj_{spec.name}"].to_numpy(np.float64)
        std = table[f"obj_{spec.name}_std"].to_numpy(np.float64)
        score += spec.weight * definition.sign * value / definition.scale
        var += (spec.weight * std / definition.scale) ** 2
    return pd.DataFrame({"score": score, "score_std": np.sqrt(var)}, index=table.index)


def constraint_columns(
    table: pd.DataFrame, fractions: np.ndarray, campaign: Campaign
) -> pd.DataFrame:
    """``feasible`` (bool) and ``infeasible_reason`` (first failed constraint, or "")."""
    n = len(table)
    reason = np.full(n, "", dtype=object)
    c = campaign.constraints

    def fail(mask: np.ndarray, why: str) -> None:
        reason[mask & (reason == "")] = why

    fail(table["score"].isna().to_numpy(), "no score (missing objective value)")
    if c.sigma_min_S_per_cm is not None:
        log_sigma, _ = log10_sigma_at(table, campaign.sigma_temperature_c())
        fail(np.asarray(~(log_sigma >= np.log10(c.sigma_min_S_per_cm))), "sigma below floor")
    if c.modulus_max_GPa is not None:
        modulus = table["modulus_GPa"].to_numpy(np.float64)
        fail(np.asarray(~(modulus <= c.modulus_max_GPa)), "modulus above cap")
    if c.oxidation_limit_min_V is not None:
        oxidation = table["oxidation_limit_V"].to_numpy(np.float64)
        fail(np.asarray(~(oxidation >= c.oxidation_limit_min_V)), "oxidation limit below floor")
    if c.reduction_limit_max_V is not None:
        reduction = table["reduction_limit_V"].to_numpy(np.float64)
        fail(np.asarray(~(reduction <= c.reduction_limit_max_V)), "reduction limit above cap")
    if c.in_domain_only:
        fail(~table["in_domain"].to_numpy(bool), "outside the applicability domain")
    index = element_index()
    present = fractions > 0
    if c.allowed_elements is not None:
        allowed = np.zeros(present.shape[1], dtype=bool)
        allowed[[index[s] for s in c.allowed_elements]] = True
        fail(np.asarray((present & ~allowed).any(axis=1)), "element not allowed")
    if c.forbidden_elements:
        cols = [index[s] for s in c.forbidden_elements]
        fail(np.asarray(present[:, cols].any(axis=1)), "forbidden element")
    return pd.DataFrame({"feasible": reason == "", "infeasible_reason": reason}, index=table.index)
