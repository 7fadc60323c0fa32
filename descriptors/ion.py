"""Ionic character and charge neutrality: matminer's ``IonProperty`` without its guessing.

matminer's ``IonProperty`` decides "compound possible" by enumerating oxidation states per
composition (seconds per formula, and no answer for most fractional formulas). Here the
states are the ones the generator assigned (``CompositionChunk.oxidation_states``) or, for
input without states, the exact neutral assignment of
:func:`anionscreen.descriptors.charge.assign_oxidation_states`; a row with no neutral
assignment follows the error policy (raise, or skip with the reason), it is never guessed.
"""

from __future__ import annotations

import numpy as np

from anionscreen.descriptors.base import Block, CompositionTransformer
from anionscreen.descriptors.tables import pymatgen_column


class IonProperty(CompositionTransformer):
    """Ionic-character features of matminer's ``IonProperty`` (Ward et al. 2016).

    Features (3):

    - ``"compound possible"``: 1.0 when the oxidation states make the composition neutral
      (``|sum_i x_i q_i| <= 1e-8`` on atomic fractions, matminer's ``np.isclose`` test),
      else 0.0; 1.0 for a single element (as matminer). With states from the exact neutral
      assignment it is 1.0 for every row that is featurized.
    - ``"max ionic char"``: ``max_(i,j) 1 - exp(-(X_i - X_j)^2 / 4)`` over pairs of elements,
      ``X`` = Pauling electronegativity as matminer's ``PymatgenData`` serves it; 0 for a
      single element. Dimensionless, in [0, 1).
    - ``"avg ionic char"``: ``sum_(i<j) x_i x_j (1 - exp(-(X_i - X_j)^2 / 4))``.

    NaN cases: with ``impute_nan=False`` an element without a Pauling electronegativity
    (He, Ne, Ar) makes both ionic-character features NaN (unless it is alone).

    Parameters
    ----------
    impute_nan : bool, default True
        True, matminer's default: missing electronegativities replaced by matminer's mean
        over elements (1.713). False: NaN as above.
    on_error : {"raise", "skip"}, default "raise"

    References
    ----------
    L. Ward et al., npj Comput. Mater. 2, 16028 (2016), doi:10.1038/npjcompumats.2016.28.
    """

    needs_states = True

    def __init__(self, *, impute_nan: bool = True, on_error: str = "raise") -> None:
        self.impute_nan = impute_nan
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return ["compound possible", "max ionic char", "avg ionic char"]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        present = block.present
        column = "X_matminer_imputed" if self.impute_nan else "X_matminer_raw"
        x = present.gather(pymatgen_column(column))
        weights = present.weights
        single = present.counts < 2
        q = block.slot_states()
        charge = np.where(present.valid, q * weights, 0.0).sum(axis=0)
        out[:, 0] = np.where(single | (np.abs(charge) <= 1e-8), 1.0, 0.0)
        spread = x.max(axis=0) - x.min(axis=0)
        out[:, 1] = np.where(single, 0.0, 1.0 - np.exp(-0.25 * spread**2))
        avg = np.zeros(weights.shape[1])
        m = len(weights)
        for i in range(m):
            for j in range(i + 1, m):
                pair = 1.0 - np.exp(-0.25 * (x[i] - x[j]) ** 2)
                avg += weights[i] * weights[j] * pair
        out[:, 2] = np.where(single, 0.0, avg)
