"""Generate the element data files in ``descriptors/data/`` from matminer and pymatgen.

Run ``python -m anionscreen.descriptors.build_tables`` after upgrading matminer or pymatgen;
the files are committed, so the package never needs this script at run time. Values are
read through the libraries' own accessors (``MagpieData.get_elemental_property``,
``PymatgenData.get_elemental_property``, ``HHIModel``, ``CostDBElements``,
``Element.data["Shannon radii"]``), so imputation and unit conventions are theirs, not
re-implemented here. ``sources.json`` records the library versions and date of the build.

The anion polarisabilities are literature values (no library carries them); they are written
from the small cited table below.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.periodic_table import Element

from anionscreen.descriptors.elements import element_symbols
from anionscreen.descriptors.tables import MAGPIE_PROPERTIES

DATA_DIR = Path(__file__).resolve().parent / "data"


# Tessman, Kahn & Shockley, "Electronic polarizabilities of ions in crystals",
# Phys. Rev. 92, 890 (1953), doi:10.1103/PhysRev.92.890; sodium-D-line values in A^3.
# O, S, Se, Te are given there as ranges (they "cannot be treated additively"); we keep both
# ends and use the midpoint. N3- is not in that table.
ANION_POLARISABILITY_TKS1953: dict[str, tuple[float, float]] = {
    "F": (0.64, 0.64),
    "Cl": (2.96, 2.96),
    "Br": (4.16, 4.16),
    "I": (6.43, 6.43),
    "O": (0.5, 3.2),
    "S": (4.8, 5.9),
    "Se": (6.0, 7.5),
    "Te": (8.3, 10.2),
}

ANION_CHARGES: dict[str, int] = {
    "N": -3, "O": -2, "S": -2, "Se": -2, "Te": -2, "F": -1, "Cl": -1, "Br": -1, "I": -1,
}  # fmt: skip
"""Monatomic anions of the mixed-anion descriptors and their formal charges."""

SHANNON_CN = "VI"


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def magpie_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Magpie element data as matminer serves it, without and with its NaN imputation."""
    from matminer.utils.data import MagpieData

    frames = []
    for impute in (False, True):
        source = MagpieData(impute_nan=impute)
        rows = {
            prop: [
                _float(source.get_elemental_property(Element(sym), prop))
                for sym in element_symbols()
            ]
            for prop in MAGPIE_PROPERTIES
        }
        frames.append(pd.DataFrame(rows, index=pd.Index(element_symbols(), name="symbol")))
    return frames[0], frames[1]


def pymatgen_table() -> pd.DataFrame:
    """Per-element pymatgen data: electronegativity, mass, HHI and raw-material cost."""
    from matminer.utils.data import PymatgenData
    from pymatgen.analysis.cost import CostDBElements
    from pymatgen.analysis.hhi import HHIModel

    avogadro = 6.02214076e23
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns for every element without X
        raw = PymatgenData(impute_nan=False)
        imputed = PymatgenData(impute_nan=True)
        hhi = HHIModel()  # type: ignore[no-untyped-call]
        costdb = CostDBElements()  # type: ignore[no-untyped-call]
        for sym in element_symbols():
            el = Element(sym)
            try:
                hhi_p, hhi_r = hhi._get_hhi_el(sym)  # type: ignore[no-untyped-call]
            except KeyError:
                hhi_p = hhi_r = math.nan
            prices = [
                entry.energy / (entry.composition.weight.to("kg") * avogadro)
                for entry in costdb.get_entries([el])  # type: ignore[no-untyped-call]
            ]
            rows.append(
                {
                    "symbol": sym,
                    "X_pauling": _float(el.X),
                    "X_matminer_raw": _float(raw.get_elemental_property(el, "X")),
                    "X_matminer_imputed": _float(imputed.get_elemental_property(el, "X")),
                    "atomic_mass": _float(el.atomic_mass),
                    "hhi_production": _float(hhi_p),
                    "hhi_reserve": _float(hhi_r),
                    "cost_usd_per_kg": min(prices) if prices else math.nan,
                }
            )
    return pd.DataFrame(rows).set_index("symbol")


def shannon_table() -> pd.DataFrame:
    """Shannon (1976) ionic radii at six-fold coordination for every (element, state).

    Where pymatgen lists high- and low-spin radii the high-spin one is taken. Anions without
    a CN VI entry (N3-) use their only listed coordination, recorded in the ``cn`` column.
    """
    rows = []
    for sym in element_symbols():
        radii = Element(sym).data.get("Shannon radii", {})
        for state_text, by_cn in radii.items():
            if not re.fullmatch(r"[+-]?\d+", state_text):
                continue  # pymatgen has a few entries without a charge
            state = int(state_text)
            cn = SHANNON_CN
            if cn not in by_cn:
                if ANION_CHARGES.get(sym) != state or not by_cn:
                    continue
                cn = sorted(by_cn)[0]
            by_spin = by_cn[cn]
            spin = "" if "" in by_spin else "High Spin" if "High Spin" in by_spin else None
            if spin is None:
                spin = sorted(by_spin)[0]
            rows.append(
                {
                    "symbol": sym,
                    "oxidation_state": state,
                    "cn": cn,
                    "spin": spin,
                    "ionic_radius_A": float(by_spin[spin]["ionic_radius"]),
                }
            )
    return pd.DataFrame(rows)


def anion_table() -> pd.DataFrame:
    """The monatomic anions: charge, Shannon radius, TKS (1953) polarisability."""
    shannon = shannon_table()
    rows = []
    for sym, charge in ANION_CHARGES.items():
        hit = shannon[(shannon.symbol == sym) & (shannon.oxidation_state == charge)]
        low, high = ANION_POLARISABILITY_TKS1953.get(sym, (math.nan, math.nan))
        rows.append(
            {
                "symbol": sym,
                "charge": charge,
                "shannon_cn": str(hit.cn.iloc[0]),
                "shannon_radius_A": float(hit.ionic_radius_A.iloc[0]),
                "polarisability_A3": (low + high) / 2,
                "polarisability_low_A3": low,
                "polarisability_high_A3": high,
            }
        )
    return pd.DataFrame(rows)


def build(out_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Write every data file and ``sources.json`` into ``out_dir``; return the sidecar."""
    out_dir.mkdir(parents=True, exist_ok=True)
    raw, imputed = magpie_tables()
    fmt = "%.17g"  # round-trips every float64 exactly
    raw.to_csv(out_dir / "magpie_raw.csv", float_format=fmt)
    imputed.to_csv(out_dir / "magpie_imputed.csv", float_format=fmt)
    pymatgen_table().to_csv(out_dir / "pymatgen_elements.csv", float_format=fmt)
    shannon_table().to_csv(out_dir / "shannon_radii.csv", index=False, float_format=fmt)
    anion_table().to_csv(out_dir / "anions.csv", index=False, float_format=fmt)
    sidecar = {
        "generated_by": "python -m anionscreen.descriptors.build_tables",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {lib: version(lib) for lib in ("matminer", "pymatgen", "numpy", "pandas")},
        "files": {
            "magpie_raw.csv": "matminer.utils.data.MagpieData(impute_nan=False)"
            ".get_elemental_property; NaN where matminer's tables have no value",
            "magpie_imputed.csv": "MagpieData(impute_nan=True): NaN replaced by matminer's "
            "mean over elements (matminer's default)",
            "pymatgen_elements.csv": "X_pauling = pymatgen Element.X; X_matminer_raw/_imputed ="
            " matminer PymatgenData(impute_nan=False/True).get_elemental_property(el, 'X');"
            " atomic_mass = Element.atomic_mass (amu); hhi_production/hhi_reserve = "
            "pymatgen.analysis.hhi.HHIModel (Gaultois et al., Chem. Mater. 25, 2911 (2013));"
            " cost_usd_per_kg = pymatgen.analysis.cost.CostDBElements (USD/kg of the element)",
            "shannon_radii.csv": "pymatgen Element.data['Shannon radii'] (R. D. Shannon, Acta "
            "Cryst. A32, 751 (1976)); ionic radius, CN VI, high spin where both are listed",
            "anions.csv": "charges: formal; shannon radius as above (N3- only has CN IV); "
            "polarisability: G. Tessman, A. Kahn, W. Shockley, Phys. Rev. 92, 890 (1953), "
            "A^3, midpoint of the range given for O, S, Se, Te; N3- not tabulated (NaN)",
        },
    }
    (out_dir / "sources.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    return sidecar


def main() -> None:
    """Entry point of ``python -m anionscreen.descriptors.build_tables``."""
    sidecar = build()
    n_missing = int(np.isnan(magpie_tables()[0].to_numpy()).sum())
    print(f"wrote {len(sidecar['files'])} files to {DATA_DIR} ({n_missing} NaN in raw Magpie)")


if __name__ == "__main__":
    main()
