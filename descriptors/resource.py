"""Supply risk and raw-material cost of a composition, from pymatgen's element data."""

from __future__ import annotations

import numpy as np

from anionscreen.descriptors.base import Block, CompositionTransformer
from anionscreen.descriptors.tables import pymatgen_column

_COLUMNS = ("hhi_production", "hhi_reserve", "cost_usd_per_kg")


class ResourceRisk(CompositionTransformer):
    """Herfindahl-Hirschman supply-risk indices and element cost, weight-fraction weighted.

    Features (3):

    - ``"HHI production"`` and ``"HHI reserve"``: ``sum_i w_i HHI_i`` with ``w_i`` the weight
      fraction of element ``i`` and ``HHI_i`` (0-10,000) from pymatgen's
      ``pymatgen.analysis.hhi.HHIModel`` (M. W. Gaultois et al., "Data-driven review of
      thermoelectric materials: performance and resource considerations", Chem. Mater. 25,
      2911 (2013)); the same numbers as ``HHIModel().get_hhi``. Lower is less concentrated.
    - ``"raw-material cost"``: ``sum_i w_i c_i``, USD per kg, with ``c_i`` the element prices of
      pymatgen's ``CostDBElements`` (Wikipedia / Wolfram Alpha 2013-2019). With elements only
      in the database, this is what ``CostAnalyzer(CostDBElements()).get_cost_per_kg`` gives.

    NaN cases: any present element without an entry (HHI: 78 elements, e.g. H, Og; cost:
    83 elements, e.g. Po, Tc is present but Pm is not) makes that feature NaN (pymatgen
    returns ``None`` or fails).

    Parameters
    ----------
    on_error : {"raise", "skip"}, default "raise"
    """

    def __init__(self, *, on_error: str = "raise") -> None:
        self.on_error = on_error

    def _feature_names(self) -> list[str]:
        return ["HHI production", "HHI reserve", "raw-material cost"]

    def _compute(self, block: Block, out: np.ndarray) -> None:
        present = block.present
        weight = present.weights * present.gather(pymatgen_column("atomic_mass"))
        weight /= weight.sum(axis=0, keepdims=True)
        for j, column in enumerate(_COLUMNS):
            values = present.gather(pymatgen_column(column))
            with np.errstate(invalid="ignore"):
                total = np.where(present.valid, weight * values, 0.0).sum(axis=0)
            unknown = (present.valid & np.isnan(values)).any(axis=0)
            out[:, j] = np.where(unknown, np.nan, total)
