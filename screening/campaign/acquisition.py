"""Proposing a diverse batch of next experiments from predictions and their uncertainty.

The acquisition value of a candidate is computed on the campaign's scalar score, whose
standard deviation comes from the models' 90 % intervals (see
:func:`~anionscreen.screening.campaign.scores.score_columns`):

- ``ucb``: upper confidence bound ``score + kappa * score_std``;
- ``ei``: expected improvement over the best predicted score of the run,
  ``(mu - best) Phi(z) + s phi(z)`` with ``z = (mu - best) / s``.

A batch of the top acquisition values is usually ten neighbours of one formula (x = 0.5,
0.6, 0.7 of the same family). The batch is therefore picked greedily in acquisition order
with two diversity rules: at most ``max_per_family`` picks per family (the values of
``family_columns``, e.g. space, M and X), and no pick closer than ``min_distance`` to an
earlier one, the distance being the total-variation distance of element fractions
(``0.5 * sum |f_i - g_i|``, 0 for the same composition, 1 for disjoint elements). If the pool
runs out before the batch is full, the best remaining candidates fill it and are marked
``selection = "relaxed"``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.descriptors.chunk import compositions_to_fractions
from anionscreen.screening.campaign.config import Acquisition


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return np.asarray(0.5 * (1.0 + erf(z / math.sqrt(2.0))))


def acquisition_values(
    score: np.ndarray, score_std: np.ndarray, settings: Acquisition, best_score: float
) -> np.ndarray:
    """Acquisition value of each row (larger = more worth measuring)."""
    if settings.method == "ucb":
        return np.asarray(score + settings.kappa * score_std, dtype=np.float64)
    improvement = score - best_score
    s = np.where(score_std > 0, score_std, np.nan)
    z = improvement / s
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    ei = improvement * _normal_cdf(np.nan_to_num(z)) + s * pdf
    # Without uncertainty the expected improvement is the plain improvement, if positive.
    return np.asarray(np.where(np.isnan(s), np.maximum(improvement, 0.0), ei), dtype=np.float64)


def _fractions(formulas: pd.Series) -> np.ndarray:
    return compositions_to_fractions([Composition(str(f)) for f in formulas])


def select_batch(pool: pd.DataFrame, settings: Acquisition) -> pd.DataFrame:
    """Greedy diverse batch from ``pool`` (needs ``acquisition``, ``formula``, ``candidate_id``).

    Returns the picked rows in pick order with ``batch_rank`` (1-based), ``selection``
    (``"diverse"`` or ``"relaxed"``) and ``nearest_pick_distance`` (distance to the closest
    earlier pick; NaN for the first).
    """
    if pool.empty:
        return pool.assign(batch_rank=[], selection=[], nearest_pick_distance=[])
    order = np.lexsort(
        (
            pool["candidate_id"].to_numpy(np.int64),
            pool["formula"].to_numpy(str),
            -pool["acquisition"].to_numpy(np.float64),
        )
    )
    ordered = pool.iloc[order].reset_index(drop=True)
    fractions = _fractions(ordered["formula"])
    family_cols = [c for c in settings.family_columns if c in ordered.columns]
    families = (
        ordered[family_cols].astype(str).agg("|".join, axis=1).to_numpy()
        if family_cols
        else np.full(len(ordered), "", dtype=object)
    )
    picked: list[int] = []
    nearest: list[float] = []
    counts: dict[str, int] = {}
    for i in range(len(ordered)):
        if len(picked) == settings.batch_size:
            break
        if counts.get(families[i], 0) >= settings.max_per_family:
            continue
        distance = (
            float(0.5 * np.abs(fractions[picked] - fractions[i]).sum(axis=1).min())
            if picked
            else math.nan
        )
        if picked and distance < settings.min_distance:
            continue
        picked.append(i)
        nearest.append(distance)
        counts[families[i]] = counts.get(families[i], 0) + 1
    selection = ["diverse"] * len(picked)
    for i in range(len(ordered)):
        if len(picked) >= settings.batch_size:
            break
        if i in picked:
            continue
        distance = float(0.5 * np.abs(fractions[picked] - fractions[i]).sum(axis=1).min())
        picked.append(i)
        nearest.append(distance)
        selection.append("relaxed")
    batch = ordered.iloc[picked].reset_index(drop=True)
    return batch.assign(
        batch_rank=np.arange(1, len(batch) + 1),
        selection=selection,
        nearest_pick_distance=nearest,
    )
