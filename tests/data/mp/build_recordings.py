"""Write the recorded Materials Project responses used by tests/test_mp_*.py.

There is no network or API key where the tests run, so these responses are built here in the
shape the real API returns them (``mp_api`` 0.46 with ``use_document_model=False``): computed
entries as serialised ``ComputedStructureEntry`` objects with MP2020-style corrections in
``energy_adjustments``, summary documents with the fields of ``emmet.core.summary.SummaryDoc``,
elasticity documents with those of ``emmet.core.elasticity.ElasticityDoc``, error bodies as the
API's ``{"detail": ...}`` and a read timeout. Energies and moduli are representative values
chosen so that every expected number can be worked out by hand (see the tests); they are not a
copy of a particular database release. Run from the repository root to regenerate:

    python tests/data/mp/build_recordings.py
"""

from __future__ import annotations

import json
from pathlib import Path

from pymatgen.core.composition import Composition
from pymatgen.core.entries import (
    CompositionEnergyAdjustment,
    ComputedStructureEntry,
)
from pymatgen.core.lattice import Lattice
from pymatgen.core.structure import Structure

HERE = Path(__file__).resolve().parent
DB_VERSION = "2025.09.25"
THERMO = {"thermo_types": ["GGA_GGA+U_R2SCAN"]}
SUMMARY_FIELDS = [
    "material_id",
    "formula_pretty",
    "chemsys",
    "energy_above_hull",
    "formation_energy_per_atom",
    "is_stable",
    "theoretical",
]
ELASTIC_FIELDS = [
    "material_id",
    "formula_pretty",
    "chemsys",
    "bulk_modulus",
    "shear_modulus",
    "homogeneous_poisson",
    "state",
]
# Corrected total energy per atom of the elements (eV/atom).
MU = {"Li": -1.909, "S": -4.126, "Cl": -1.849}
# MP2020-style anion corrections (eV per anion atom) split off as energy adjustments.
ANION_CORRECTION = {"Cl": -0.614, "S": -0.503}


def _structure(formula: str) -> Structure:
    """A small representative cell with the formula's atoms (geometry is not used)."""
    comp = Composition(formula)
    species = [el.symbol for el, n in comp.items() for _ in range(int(n))]
    lattice = Lattice.cubic(3.0 + len(species))
    coords = [[i / len(species), i / len(species), i / len(species)] for i in range(len(species))]
    return Structure(lattice, species, coords)


def _entry(mp_id: str, formula: str, e_form_per_fu: float) -> dict:
    """Entry whose corrected energy is sum(MU) + e_form_per_fu for the given cell."""
    comp = Composition(formula)
    corrected = sum(MU[el.symbol] * n for el, n in comp.items()) + e_form_per_fu
    adjustments = []
    if len(comp.elements) > 1:
        for el, n in comp.items():
            if el.symbol in ANION_CORRECTION and el.symbol != "Li":
                adjustments.append(
                    CompositionEnergyAdjustment(
                        ANION_CORRECTION[el.symbol],
                        n,
                        name=f"MP2020 anion correction ({el.symbol})",
                    )
                )
    uncorrected = corrected - sum(a.value for a in adjustments)
    entry = ComputedStructureEntry(
        _structure(formula),
        uncorrected,
        energy_adjustments=adjustments,
        parameters={
            "run_type": "GGA",
            "is_hubbard": False,
            "hubbards": {},
            "potcar_spec": [{"titel": f"PAW_PBE {el.symbol}", "hash": None} for el in comp],
        },
        data={
            "material_id": mp_id,
            "task_id": mp_id,
            "run_type": "GGA",
            "license": "BY-C",
            "oxide_type": "None",
            "aspherical": False,
            "last_updated": "2025-09-01 00:00:00",
        },
        entry_id=f"{mp_id}-GGA",
    )
    return entry.as_dict()


def _summary(
    mp_id: str,
    formula: str,
    chemsys: str,
    e_hull: float,
    e_form_atom: float,
    theoretical: bool = False,
) -> dict:
    return {
        "material_id": mp_id,
        "formula_pretty": formula,
        "chemsys": chemsys,
        "energy_above_hull": e_hull,
        "formation_energy_per_atom": e_form_atom,
        "is_stable": e_hull == 0.0,
        "theoretical": theoretical,
    }


def _elastic(
    mp_id: str, formula: str, chemsys: str, k: float, g: float, state: str = "successful"
) -> dict:
    return {
        "material_id": mp_id,
        "formula_pretty": formula,
        "chemsys": chemsys,
        "bulk_modulus": {"voigt": k + 0.4, "reuss": k - 0.4, "vrh": k},
        "shear_modulus": {"voigt": g + 0.6, "reuss": g - 0.6, "vrh": g},
        "homogeneous_poisson": round((3 * k - 2 * g) / (2 * (3 * k + g)), 5),
        "state": state,
    }


def _ok(url: str, data: list) -> dict:
    return {"status": 200, "url": url, "data": data, "meta": {"total_doc": len(data)}}


def li_s_cl() -> dict:
    chemsys = "Cl-Li-S"
    subsystems = ["Cl", "Li", "S", "Cl-Li", "Cl-S", "Li-S", "Cl-Li-S"]
    entries = [
        _entry("mp-135", "Li", 0.0),
        _entry("mp-22848", "Cl2", 0.0),
        _entry("mp-96", "S2", 0.0),
        _entry("mp-22905", "LiCl", -4.24),
        _entry("mp-1185319", "LiCl", -4.24 + 0.06),  # metastable polymorph, 0.03 eV/atom up
        _entry("mp-1153", "Li2S", -4.58),
        _entry("mp-23183", "SCl2", -0.52),
        _entry("mp-28045", "S2Cl2", -0.61),
    ]
    summary = [
        _summary("mp-135", "Li", "Li", 0.0, 0.0),
        _summary("mp-22848", "Cl2", "Cl", 0.0, 0.0),
        _summary("mp-96", "S", "S", 0.0, 0.0),
        _summary("mp-22905", "LiCl", "Cl-Li", 0.0, -2.12),
        _summary("mp-1185319", "LiCl", "Cl-Li", 0.03, -2.09),
        _summary("mp-1153", "Li2S", "Li-S", 0.0, round(-4.58 / 3, 6)),
        _summary("mp-23183", "SCl2", "Cl-S", 0.0, round(-0.52 / 3, 6)),
        _summary("mp-28045", "S2Cl2", "Cl-S", 0.0, -0.1525),
    ]
    ids = sorted(d["material_id"] for d in summary)
    elastic = [
        _elastic("mp-135", "Li", "Li", 13.5, 4.5),
        _elastic("mp-22905", "LiCl", "Cl-Li", 30.0, 20.0),
        _elastic("mp-1153", "Li2S", "Li-S", 40.0, 24.0),
        _elastic("mp-1185319", "LiCl", "Cl-Li", 25.0, -1.5),  # mechanically unstable
        _elastic("mp-96", "S", "S", 8.0, 3.0, state="failed"),
    ]
    base = "https://api.materialsproject.org/materials"
    return {
        "heartbeat": {"db_version": DB_VERSION, "access_controlled_batch_ids": []},
        "calls": [
            {
                "method": "get_entries_in_chemsys",
                "params": {"elements": ["Cl", "Li", "S"], "additional_criteria": THERMO},
                "response": {
                    "status": 200,
                    "url": f"{base}/thermo/phase_diagram/",
                    "entries": entries,
                },
            },
            {
                "method": "materials.summary.search",
                "params": {"chemsys": subsystems, "deprecated": False, "fields": SUMMARY_FIELDS},
                "response": _ok(f"{base}/summary/", summary),
            },
            {
                "method": "materials.elasticity.search",
                "params": {"material_ids": ids, "fields": ELASTIC_FIELDS},
                "response": _ok(f"{base}/elasticity/", elastic),
            },
        ],
        "chemsys": chemsys,
    }


def li_cl_error() -> dict:
    """Entries come back, then the summary search is refused (key rejected)."""
    return {
        "heartbeat": {"db_version": DB_VERSION, "access_controlled_batch_ids": []},
        "calls": [
            {
                "method": "get_entries_in_chemsys",
                "params": {"elements": ["Cl", "Li"], "additional_criteria": THERMO},
                "response": {
                    "status": 200,
                    "url": "",
                    "entries": [
                        _entry("mp-135", "Li", 0.0),
                        _entry("mp-22848", "Cl2", 0.0),
                        _entry("mp-22905", "LiCl", -4.24),
                    ],
                },
            },
            {
                "method": "materials.summary.search",
                "params": {
                    "chemsys": ["Cl", "Li", "Cl-Li"],
                    "deprecated": False,
                    "fields": SUMMARY_FIELDS,
                },
                # Some proxies echo the rejected header; the replay fills in the key it was given.
                "response": {
                    "status": 401,
                    "url": "https://api.materialsproject.org/materials/summary/?chemsys=Cl%2CLi%2CCl-Li&deprecated=False&_fields=material_id",
                    "body": {
                        "detail": "Invalid authentication credentials: x-api-key={api_key} (key {api_key} is not registered)"
                    },
                },
            },
        ],
    }


def li_cl_timeout() -> dict:
    """The entries request times out while reading the response."""
    return {
        "heartbeat": {"db_version": DB_VERSION, "access_controlled_batch_ids": []},
        "calls": [
            {
                "method": "get_entries_in_chemsys",
                "params": {"elements": ["Cl", "Li"], "additional_criteria": THERMO},
                "response": {
                    "timeout": "read",
                    "url": "https://api.materialsproject.org/materials/thermo/phase_diagram/",
                    "read_timeout": 20,
                },
            },
        ],
    }


def main() -> None:
    for name, build in (
        ("li_s_cl", li_s_cl),
        ("li_cl_error", li_cl_error),
        ("li_cl_timeout", li_cl_timeout),
    ):
        (HERE / f"{name}.json").write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
