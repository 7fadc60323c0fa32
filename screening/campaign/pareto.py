"""Pareto ranks over the whole run: utilities, non-dominated sorting and the final order.

Pareto ranks use non-dominated sorting by *peeling*: the feasible row with the largest sum of
normalised utilities is non-dominated, so it joins the front and every row it dominates is
dropped from the front search; repeating until no row is left yields the front in
``O(n * |front| * d)`` vectorised numpy work (a front of this problem holds tens to hundreds
of rows per chunk, not thousands). The next front is peeled from what remains. Only ranks
``1..depth`` are computed (``pareto_depth`` in the campaign); deeper rows get rank ``0``
meaning "beyond depth". This scales to 10^7 rows because a row whose rank within its own
chunk exceeds ``depth`` cannot have a global rank within ``depth`` (a subset has fewer
dominators), so the run keeps only the per-chunk fronts ``1..depth`` and ranks their union.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from anionscreen.screening.campaign.config import ObjectiveSpec
from anionscreen.screening.campaign.objectives import get_objective


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


def _sort_key(u: np.ndarray) -> np.ndarray:
    """Sum of normalised utilities: strictly larger for a row that dominates another.

    Normalising keeps one objective's units from deciding alone; -inf (no value) becomes a
    finite value below every real one and +inf (e.g. the oxidation limit of a Li-free
    composition) one above every real one, so the sum stays strictly increasing in each
    coordinate.
    """
    finite = np.where(np.isfinite(u), u, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column without a finite value
        lo = np.nan_to_num(np.nanmin(finite, axis=0), nan=0.0)
        span = np.nan_to_num(np.nanmax(finite, axis=0), nan=0.0) - lo
    span = np.where(span > 0, span, 1.0)
    bounded = np.where(u == np.inf, lo + 2.0 * span, np.where(u == -np.inf, lo - span, u))
    return np.asarray((bounded / span).sum(axis=1))


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
    n, d = u.shape
    ranks = np.zeros(n, dtype=np.int32)
    if n == 0:
        return ranks
    if d == 0:  # no objective: nothing dominates anything
        ranks[:] = 1 if depth >= 1 else 0
        return ranks
    # Rows in descending key order (stable: ties keep the input order): the first row still
    # searched is then always non-dominated. Each objective is one contiguous column, so the
    # dominance test is d elementwise comparisons, not a reduction along a short axis (this
    # is 5-8x faster on chunks whose fronts hold hundreds of rows).
    order = np.argsort(-_sort_key(u), kind="stable")
    columns = [np.ascontiguousarray(u[order, j]) for j in range(d)]
    remaining = np.arange(n)  # positions in ``order``
    for rank in range(1, depth + 1):
        if remaining.size == 0:
            break
        search = remaining
        values = [column[search] for column in columns]
        front: list[int] = []
        while search.size:
            front.append(int(search[0]))
            point = [v[0] for v in values]
            at_most = values[0] <= point[0]
            below = values[0] < point[0]
            for v, p in zip(values[1:], point[1:], strict=True):
                at_most &= v <= p
                below |= v < p
            keep = ~(at_most & below)
            keep[0] = False
            search = search[keep]
            values = [v[keep] for v in values]
        ranks[order[front]] = rank
        remaining = remaining[ranks[order[remaining]] == 0]
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
