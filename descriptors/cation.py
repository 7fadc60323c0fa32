"""Oxidation-state descriptors of the cations, from the assigned (never guessed) states."""

from __future__ import annotations

import numpy as np

from anionscreen.descriptors.anion import m_element_mask
from anionscreen.descriptors.base import Block, CompositionTransformer
from anionscreen.descriptors.tables import MIN_STATE, shannon_radius_table


def _weighted(values: np.ndarray, weights: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over ``mask`` weighted by ``weights``; NaN for an empty mask."""
    total = np.where(mask, weights, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore"):
        summed = np.where(mask, weights * values, 0.0).sum(axis=0)
    return np.where(total > 0, summed / np.where(total > 0, total, 1.0), np.nan)


class CationCharge(CompositionTransformer):
    """Cation oxidation state, M-cation size and charge density.

    Oxidation states are the generator's (``CompositionChunk.oxidation_states``) or the exact
    neutral assignment of :func:`anionscreen.descriptors.charge.assign_oxidation_states`; a
    row without one follows the error policy. M is every element that is neither Li nor one
    of the anions O, S, Se, Te, N, F, Cl, Br, I.

    Features (4):

    - ``"mean cation oxidation state"``: fraction-weighted mean of the positive states (Li
      included), elementary charges. NaN when no element has a positive state.
    - ``"M mean oxidation state"``: fraction-weighted mean state of the M elements. NaN
      without M.
    - ``"M mean Shannon radius"``: fraction-weighted Shannon (1976) ionic radius of M at its
      state, CN VI (high spin where both are listed), A, from pymatgen. NaN without M, or when
      an M element's state has no CN VI radius (e.g. a non-integer or untabulated state).
    - ``"M charge density"``: fraction-weighted ``q / r^3`` of M (elementary charges per A^3
      with ``r`` the radius above), the cation's polarising power, e.g. Ta5+ 5 / 0.64^3 =
      19.1. NaN as the radius.

    Parameters
    ----------
    on_error : {"raise", "skip"}, default "raise"

    References
    ----------
    R. D. Shannon, "Revised effective ionic radii and systematic studies of interatomic
    distances in halides and chalcogenides", Acta Cryst. A32, 751-767 (1976).
    """

    needs_states = True

    def __init__(self, *, on_error: str = "raise") -> None:
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return [
            "mean cation oxidation state",
            "M mean oxidation state",
            "M mean Shannon radius",
            "M charge density",
        ]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        present = block.present
        q = block.slot_states()
        w = present.weights
        valid = present.valid
        with np.errstate(invalid="ignore"):
            cation = valid & (q > 0)
        out[:, 0] = _weighted(q, w, cation)
        is_m = present.gather(m_element_mask()) & valid
        out[:, 1] = _weighted(q, w, is_m)
        radii = shannon_radius_table()
        slot = np.where(np.isfinite(q) & (q == np.round(q)), q, MIN_STATE - 1) - MIN_STATE
        inside = (slot >= 0) & (slot < radii.shape[1])
        r = np.full(q.shape, np.nan)
        r[inside] = radii[present.columns[inside], slot[inside].astype(np.intp)]
        unknown = (is_m & np.isnan(r)).any(axis=0)
        out[:, 2] = np.where(unknown, np.nan, _weighted(r, w, is_m))
        with np.errstate(invalid="ignore", divide="ignore"):
            density = q / r**3
        out[:, 3] = np.where(unknown, np.nan, _weighted(density, w, is_m))
