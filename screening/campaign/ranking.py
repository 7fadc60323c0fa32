"""Multi-objective ranking: objective columns, constraints, scalar score and Pareto ranks.

Everything a single row needs (objective values, score, feasibility) is computed chunk by
chunk from that chunk alone, so results do not depend on how the space is split or on which
worker ran a chunk.

Pareto ranks use non-dominated sorting by *peeling*: the feasible row with the largest sum of
normalised utilities is non-dominated, so it joins the front and every row it dominates is
dropped from the front search; repeating until no row is left yields the front in
``O(n * |front| * d)`` vectorised numpy work (a front of this problem holds tens of rows, not
thousands). The next front is peeled from what remains. Only ranks ``1..depth`` are computed
(``pareto_depth`` in the campaign); deeper rows get rank ``0`` meaning "beyond depth". This
scales to 10^7 rows because a row whose rank within its own chunk exceeds ``depth`` cannot
have a global rank within ``depth`` (a subset has fewer dominators), so the run keeps only the
per-chunk fronts ``1..depth`` and ranks their union.
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


def utilities(table: pd.DataFrame, objectives: Sequence[ObjectiveSpec]) -> np.ndarray:
    """Utility matrix (n, d): objective values scaled and signed so that larger is better.

    NaN values become ``-inf`` so that a row without a value never dominates.
    """
    cols = []
    for spec in objectives:
        definition = get_objective(spec.name)
        value = table[f"obj_{spec.name}"].to_numpy(np.float64)
        cols.append(definition.sign * value / definition.scale)
    u = np.column_stack(cols) if cols else np.zeros((len(table), 0))
    return np.where(np.isnan(u), -np.inf, u)


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


def _dominated_by(u: np.ndarray, point: np.ndarray) -> np.ndarray:
    return np.asarray((u <= point).all(axis=1) & (u < point).any(axis=1))


def pareto_ranks(u: np.ndarray, depth: int) -> np.ndarray:
    """Pareto rank (1 = non-dominated) of each row of a utility matrix, up to ``depth``.

    Parameters
    ----------
    u : ndarray of shape (n, d)
        Utilities, larger is better; rows containing ``-inf`` or ``+inf`` are ranked like
        any other.
    depth : int
        Ranks beyond it are reported as 0.

    Returns
    -------
    ndarray of shape (n,), int32
    """
    n = u.shape[0]
    ranks = np.zeros(n, dtype=np.int32)
    if n == 0:
        return ranks
    # The row with the largest sum of normalised utilities is non-dominated. Normalising keeps
    # one objective's units from deciding alone; -inf (no value) becomes a finite value below
    # every real one and +inf (e.g. the oxidation limit of a Li-free composition) one above
    # every real one, so the sum stays strictly increasing in each coordinate.
    finite = np.where(np.isfinite(u), u, np.nan)
    with np.errstate(all="ignore"):
        lo = np.nan_to_num(np.nanmin(finite, axis=0), nan=0.0)
        span = np.nan_to_num(np.nanmax(finite, axis=0), nan=0.0) - lo
    span = np.where(span > 0, span, 1.0)
    bounded = np.where(u == np.inf, lo + 2.0 * span, np.where(u == -np.inf, lo - span, u))
    key = (bounded / span).sum(axis=1)
    remaining = np.arange(n)
    for rank in range(1, depth + 1):
        if remaining.size == 0:
            break
        search = remaining.copy()
        front: list[int] = []
        while search.size:
            best = search[np.argmax(key[search])]
            front.append(int(best))
            keep = ~_dominated_by(u[search], u[best])
            keep &= search != best
            search = search[keep]
        ranks[front] = rank
        remaining = remaining[ranks[remaining] == 0]
    return ranks


def rank_order(table: pd.DataFrame) -> np.ndarray:
    """Row order of the ranked table: score descending, then formula, then candidate id.

    The formula and candidate id make the order total, so equal scores never depend on the
    order in which chunks finished.
    """
    return np.lexsort(
        (
            table["candidate_id"].to_numpy(np.int64),
            table["formula"].to_numpy(str),
            -table["score"].to_numpy(np.float64),
        )
    )
