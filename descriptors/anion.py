"""Mixed-anion descriptors for Li-M-(S, O, X) chemistry (no oxidation states needed).

Anions are the monatomic anion elements O, S, Se, Te, N, F, Cl, Br, I, counted as anions
whatever their state in a particular compound (the monatomic-anion picture of the screening
space; an S of a sulfate would also count). M is every element that is neither Li nor an
anion. Shares ``p_A`` are fractions of the anion sites: ``p_A = x_A / sum_B x_B`` with ``x``
the atomic fractions.
"""

from __future__ import annotations

import numpy as np

from anionscreen.descriptors.base import Block, CompositionTransformer
from anionscreen.descriptors.elements import HALOGENS, N_ELEMENTS, element_index
from anionscreen.descriptors.tables import ANIONS, anion_table, pymatgen_column

_CONTRAST_ANIONS = ("O", "S", "F", "Cl", "Br", "I")
_CHALCOGENIDES = ("O", "S", "Se", "Te")


def anion_columns() -> np.ndarray:
    """Element columns of :data:`~anionscreen.descriptors.tables.ANIONS`, in that order."""
    index = element_index()
    return np.array([index[a] for a in ANIONS], dtype=np.intp)


def m_element_mask() -> np.ndarray:
    """(118,) bool: True for the M elements (neither Li nor an anion)."""
    mask = np.ones(N_ELEMENTS, dtype=bool)
    mask[anion_columns()] = False
    mask[element_index()["Li"]] = False
    return mask


def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


class AnionComposition(CompositionTransformer):
    """Anion-sublattice composition, size, softness and electronegativity contrast.

    Features (29), with units and NaN cases:

    - ``"anion share <A>"`` for A in O, S, Se, Te, N, F, Cl, Br, I: share of anion sites
      (dimensionless). NaN when the composition has no anion.
    - ``"anion mixing entropy"``: ``-sum_A p_A ln p_A`` (k_B per anion site; ln 3 = 1.0986
      for three equal anions). NaN without anions.
    - ``"anion atomic fraction"``: anions per atom. Never NaN.
    - ``"anion mean Shannon radius"`` / ``"anion std Shannon radius"``: share-weighted mean
      and population standard deviation of the Shannon (1976) ionic radii, CN VI (N3- has only
      CN IV, 1.46 A, which is used), in A; from pymatgen's Shannon table (R. D. Shannon, Acta
      Cryst. A32, 751 (1976)). NaN without anions.
    - ``"anion mean polarisability"`` / ``"anion std polarisability"``: the same statistics
      of the electronic polarisabilities of Tessman, Kahn & Shockley, Phys. Rev. 92, 890
      (1953), A^3 (F- 0.64, Cl- 2.96, Br- 4.16, I- 6.43; O2-, S2-, Se2-, Te2- given there as
      ranges, the midpoint is used: 1.85, 5.35, 6.75, 9.25). NaN without anions or when N is
      present (not tabulated).
    - ``"halide share of anions"``: F + Cl + Br + I share (dimensionless). NaN without anions.
    - ``"halide polarisability share"``: ``sum_X p_X alpha_X / sum_A p_A alpha_A``, the part of
      the anion sublattice's polarisability carried by halides (halide softness; halide
      electrolyte studies credit anion polarisability and lattice softness). NaN as the
      polarisability mean.
    - ``"Li atomic fraction"`` (never NaN) and ``"Li per anion"`` (NaN without anions).
    - ``"M atomic fraction"``: atoms that are neither Li nor anions, per atom. Never NaN.
    - ``"chalcogenide per M"``: (O + S + Se + Te) atoms per M atom; 1 in Li2TaS(1-x)O(x)Cl5,
      where S/O bridge the TaCl4 octahedra axially (Ogbolu et al., ACS Mater. Lett. 7,
      4029 (2025)). NaN without M.
    - ``"M mean electronegativity"``: fraction-weighted Pauling electronegativity of M
      (pymatgen ``Element.X``). NaN without M or when an M element has none (noble gases).
    - ``"electronegativity contrast <A>-M"`` for A in O, S, F, Cl, Br, I: ``X_A - X_M``
      (Pauling units). NaN when A is absent or the M mean is NaN.
    - ``"mean electronegativity contrast anion-M"``: ``sum_A p_A X_A - X_M``. NaN without
      anions or when the M mean is NaN.

    Parameters
    ----------
    on_error : {"raise", "skip"}, default "raise"

    Examples
    --------
    >>> f = AnionComposition().fit(["Li2TaS0.4O0.6Cl5"])
    >>> row = dict(zip(f.get_feature_names_out(), f.transform(["Li2TaS0.4O0.6Cl5"])[0]))
    >>> round(float(row["anion mixing entropy"]), 4), float(row["chalcogenide per M"])
    (0.5627, 1.0)
    """

    def __init__(self, *, on_error: str = "raise") -> None:
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return [
            *(f"anion share {a}" for a in ANIONS),
            "anion mixing entropy",
            "anion atomic fraction",
            "anion mean Shannon radius",
            "anion std Shannon radius",
            "anion mean polarisability",
            "anion std polarisability",
            "halide share of anions",
            "halide polarisability share",
            "Li atomic fraction",
            "Li per anion",
            "M atomic fraction",
            "chalcogenide per M",
            "M mean electronegativity",
            *(f"electronegativity contrast {a}-M" for a in _CONTRAST_ANIONS),
            "mean electronegativity contrast anion-M",
        ]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        table = anion_table()
        amounts = block.fractions(anion_columns())
        total = amounts.sum(axis=1)
        share = _safe_divide(amounts, total[:, None])
        n_an = len(ANIONS)
        out[:, :n_an] = share
        with np.errstate(invalid="ignore", divide="ignore"):
            plogp = np.where(share > 0, share * np.log(np.where(share > 0, share, 1.0)), 0.0)
        # 0.0 - sum avoids printing -0.0 for a single anion.
        out[:, n_an] = np.where(total > 0, 0.0 - plogp.sum(axis=1), np.nan)
        out[:, n_an + 1] = total
        col = n_an + 2
        for prop in ("shannon_radius_A", "polarisability_A3"):
            values = table[prop].to_numpy(np.float64)
            missing = np.isnan(values)
            filled = np.where(missing, 0.0, values)
            mean = share @ filled
            spread = np.sqrt(np.maximum((share * (filled - mean[:, None]) ** 2).sum(axis=1), 0))
            unknown = (share[:, missing] > 0).any(axis=1) if missing.any() else False
            out[:, col] = np.where(unknown, np.nan, mean)
            out[:, col + 1] = np.where(unknown, np.nan, spread)
            col += 2
        halide = np.isin(np.array(ANIONS), HALOGENS)
        out[:, col] = share[:, halide].sum(axis=1)
        alpha = table["polarisability_A3"].to_numpy(np.float64)
        alpha_halide = share[:, halide] @ alpha[halide]
        out[:, col + 1] = _safe_divide(alpha_halide, out[:, col - 2])
        out[:, col + 1][np.isnan(out[:, col - 2])] = np.nan
        index = element_index()
        li = block.fractions(index["Li"])
        out[:, col + 2] = li
        out[:, col + 3] = _safe_divide(li, total)
        present = block.present
        is_m = present.gather(m_element_mask()) & present.valid
        m_frac = np.where(is_m, present.weights, 0.0).sum(axis=0)
        out[:, col + 4] = m_frac
        chalco = amounts[:, [ANIONS.index(a) for a in _CHALCOGENIDES]].sum(axis=1)
        out[:, col + 5] = _safe_divide(chalco, m_frac)
        x = present.gather(pymatgen_column("X_pauling"))
        with np.errstate(invalid="ignore"):
            x_sum = np.where(is_m, present.weights * x, 0.0).sum(axis=0)
        x_m = _safe_divide(x_sum, m_frac)
        out[:, col + 6] = x_m
        col += 7
        x_anion = pymatgen_column("X_pauling")[anion_columns()]
        for a in _CONTRAST_ANIONS:
            k = ANIONS.index(a)
            out[:, col] = np.where(amounts[:, k] > 0, x_anion[k] - x_m, np.nan)
            col += 1
        out[:, col] = share @ x_anion - x_m
