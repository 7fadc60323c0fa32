"""matminer's composition featurizers, reproduced value for value and vectorised.

Each class gives the values of the matminer featurizer of the same name (matminer 0.10.1,
``matminer.featurizers.composition``) to 1e-9 relative, NaN where matminer gives NaN, in
matminer's column order; ``tests/test_descriptors_matminer.py`` proves it on more than a
thousand compositions. Weights are atomic fractions (matminer uses amounts and divides by
their sum, the same thing up to rounding); ``mode`` ties use ``np.isclose`` on the fractions.
One deliberate difference: the ``avg_dev`` of equal values is exactly 0 here, where matminer
can return rounding residue (e.g. 3.6e-15 for ``H4.33333333``, from ``|x - sum(a*x)/sum(a)|``).

Citation for all four: L. Ward, A. Agrawal, A. Choudhary, C. Wolverton, "A general-purpose
machine learning framework for predicting properties of inorganic materials", npj Comput.
Mater. 2, 16028 (2016), doi:10.1038/npjcompumats.2016.28.
"""

from __future__ import annotations

import numpy as np

from anionscreen.descriptors.base import Block, CompositionTransformer
from anionscreen.descriptors.elements import element_symbols
from anionscreen.descriptors.engine import MAGPIE_STATS, magpie_stats, weighted_sum
from anionscreen.descriptors.tables import MAGPIE_PROPERTIES, magpie_table

_VALENCE = ("NsValence", "NpValence", "NdValence", "NfValence", "NValence")
_P_NORMS = (2, 3, 5, 7, 10)


class ElementProperty(CompositionTransformer):
    """Magpie element-property statistics: matminer's ``ElementProperty.from_preset("magpie")``.

    Features (132): for each of the 22 Magpie properties (Number, MendeleevNumber,
    AtomicWeight, MeltingT, Column, Row, CovalentRadius, Electronegativity, Ns/Np/Nd/Nf/N
    Valence, Ns/Np/Nd/Nf/N Unfilled, GSvolume_pa, GSbandgap, GSmagmom, SpaceGroupNumber) the
    fraction-weighted minimum, maximum, range, mean, avg_dev (mean absolute deviation) and
    mode (value of the most abundant element; ties take the smallest value), named
    ``"magpie <stat> <property>"``. Units are those of the Magpie tables (K, pm, amu,
    A^3/atom, eV, Bohr magneton; see matminer's ``magpie_elementdata`` README).

    Parameters
    ----------
    impute_nan : bool, default False
        False: an element without a value (e.g. MeltingT of He, most properties beyond
        Z = 100) makes all six statistics of that property NaN, as matminer with
        ``impute_nan=False``. True: matminer's default, missing values replaced by the mean
        over elements.
    on_error : {"raise", "skip"}, default "raise"
        Policy for unreadable rows (see :mod:`anionscreen.descriptors.base`).

    Examples
    --------
    >>> f = ElementProperty().fit(["LiCl"])
    >>> float(f.transform(["LiCl"])[0, list(f.get_feature_names_out()).index(
    ...     "magpie mean Number")])
    10.0
    """

    def __init__(self, *, impute_nan: bool = False, on_error: str = "raise") -> None:
        self.impute_nan = impute_nan
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return [f"magpie {stat} {prop}" for prop in MAGPIE_PROPERTIES for stat in MAGPIE_STATS]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        table = magpie_table(bool(self.impute_nan))
        magpie_stats(block.present.gather(table), block.present, out)


class Stoichiometry(CompositionTransformer):
    """Lp norms of the atomic fractions: matminer's ``Stoichiometry()`` (p = 0, 2, 3, 5, 7, 10).

    Features (6, dimensionless): ``"stoichiometry 0-norm"`` is the number of elements;
    ``"stoichiometry p-norm"`` is ``(sum_i x_i^p)^(1/p)`` over atomic fractions ``x_i``.
    Never NaN.

    Parameters
    ----------
    on_error : {"raise", "skip"}, default "raise"
    """

    def __init__(self, *, on_error: str = "raise") -> None:
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return [f"stoichiometry {p}-norm" for p in (0, *_P_NORMS)]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        weights = block.present.weights
        out[:, 0] = block.present.counts
        for j, p in enumerate(_P_NORMS, start=1):
            out[:, j] = np.power(np.power(weights, p).sum(axis=0), 1.0 / p)


class ValenceOrbital(CompositionTransformer):
    """Valence-shell electron counts: matminer's ``ValenceOrbital()``.

    Features (8): ``"avg s valence electrons"`` .. ``"avg f valence electrons"`` (fraction-
    weighted mean number of valence electrons in each shell, electrons per atom) and
    ``"frac s valence electrons"`` .. (that mean divided by the mean total valence count,
    dimensionless). NaN when an element lacks Magpie valence data (``impute_nan=False``), or
    for ``frac`` when the mean total is 0.

    Parameters
    ----------
    impute_nan : bool, default False
        As in :class:`ElementProperty`.
    on_error : {"raise", "skip"}, default "raise"
    """

    def __init__(self, *, impute_nan: bool = False, on_error: str = "raise") -> None:
        self.impute_nan = impute_nan
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return [f"{kind} {orb} valence electrons" for kind in ("avg", "frac") for orb in "spdf"]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        table = magpie_table(bool(self.impute_nan))
        cols = [MAGPIE_PROPERTIES.index(name) for name in _VALENCE]
        values = block.present.gather(np.ascontiguousarray(table[:, cols]))
        means = weighted_sum(values, block.present.weights)
        out[:, :4] = means[:, :4]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, 4:] = means[:, :4] / means[:, 4:5]


class ElementFraction(CompositionTransformer):
    """Atomic fraction of each element: matminer's ``ElementFraction()``.

    Features (118, dimensionless): ``"fraction H"`` .. ``"fraction Og"`` in order of atomic
    number. Never NaN.

    Parameters
    ----------
    on_error : {"raise", "skip"}, default "raise"
    """

    def __init__(self, *, on_error: str = "raise") -> None:
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return [f"fraction {sym}" for sym in element_symbols()]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        np.divide(block.amounts, block.totals, out=out)
