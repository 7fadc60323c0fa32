"""Time the vectorised stability window against pymatgen's per-composition element profile.

A synthetic Li-Ta-S-O-Cl system (elements, 25 binary/ternary phases with seeded random
formation energies, plus metastable polymorphs) stands in for a cached Materials Project system
of the size a campaign meets. Both methods run in this one process on the same compositions;
the script checks that they agree and prints the rates. Run:

    python benchmarks/bench_stability_window.py [N]
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core.composition import Composition
from pymatgen.core.periodic_table import Element

from anionscreen.descriptors.chunk import compositions_to_fractions
from anionscreen.descriptors.stability import LiWindowCalculator

MU = {"Li": -1.91, "Ta": -11.85, "S": -4.13, "O": -4.95, "Cl": -1.85}
PHASES = [
    "LiCl",
    "Li2S",
    "Li2O",
    "Li2O2",
    "TaCl5",
    "TaCl4",
    "TaS2",
    "TaS3",
    "Ta2O5",
    "SCl2",
    "S2Cl2",
    "SO2",
    "SO3",
    "LiTaO3",
    "Li3TaO4",
    "Li3TaS4",
    "LiTaCl6",
    "Li2SO4",
    "LiClO4",
    "TaOCl3",
    "TaSCl3",
    "TaO2Cl",
    "Li5TaO5",
    "Li6PS5Cl".replace("P", "Ta"),
    "Li2TaOCl5",
]


def system(rng: np.random.Generator) -> list[PDEntry]:
    entries = [PDEntry(Composition(el), mu) for el, mu in MU.items()]
    for formula in PHASES:
        comp = Composition(formula)
        ref = sum(MU[el.symbol] * n for el, n in comp.items())
        e_form = -float(rng.uniform(0.2, 2.0)) * comp.num_atoms
        entries.append(PDEntry(comp, ref + e_form))
        for _ in range(3):  # metastable polymorphs, as MP lists them
            entries.append(
                PDEntry(comp, ref + e_form + float(rng.uniform(0.01, 0.2)) * comp.num_atoms)
            )
    return entries


def candidates(rng: np.random.Generator, n: int) -> list[Composition]:
    series = [
        Composition({"Li": 2, "Ta": 1, "S": 1 - x, "O": x, "Cl": 5}) for x in np.linspace(0, 1, 11)
    ]
    amounts = rng.dirichlet(np.ones(5), size=n - len(series))
    return series + [Composition(dict(zip(MU, row, strict=True))) for row in amounts]


def profile_window(pd: PhaseDiagram, comp: Composition) -> tuple[float, float]:
    mu0 = pd.el_refs[Element("Li")].energy_per_atom
    prof = pd.get_element_profile(Element("Li"), comp)
    chempots = [p["chempot"] for p in prof] + [-math.inf]
    evolution = [p["evolution"] for p in prof]
    for i, e in enumerate(evolution):
        if abs(e) < 1e-6:
            return mu0 - chempots[i], mu0 - chempots[i + 1]
    switch = next(i for i, e in enumerate(evolution) if e < 0)
    return mu0 - chempots[switch], mu0 - chempots[switch]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = np.random.default_rng(0)
    entries = system(rng)
    comps = candidates(rng, n)
    fractions = compositions_to_fractions(comps)

    t0 = time.perf_counter()
    calc = LiWindowCalculator(entries)
    t1 = time.perf_counter()
    arrays = calc.window_arrays(fractions)
    t2 = time.perf_counter()
    print(
        f"system: {len(entries)} entries, {len(calc.phase_diagram.stable_entries)} stable, "
        f"{len(calc.transitions)} Li transition potentials"
    )
    print(
        f"anionscreen: build {t1 - t0:.2f} s once per system; {n} windows in {t2 - t1:.2f} s "
        f"({n / (t2 - t1):,.0f} compositions/s)"
    )

    sample = min(n, 300)
    pd = PhaseDiagram(entries)
    t3 = time.perf_counter()
    reference = [profile_window(pd, comps[i]) for i in range(sample)]
    t4 = time.perf_counter()
    rate_pmg = sample / (t4 - t3)
    print(f"pymatgen get_element_profile: {sample} windows in {t4 - t3:.2f} s ({rate_pmg:,.0f}/s)")
    worst = max(
        max(abs(arrays.reduction_limit_V[i] - r), abs(arrays.oxidation_limit_V[i] - o))
        for i, (r, o) in enumerate(reference)
        if math.isfinite(o)
    )
    print(f"max |difference| over the sample: {worst:.2e} V")
    print(
        f"speed-up (windows only): {n / (t2 - t1) / rate_pmg:,.0f}x; "
        f"including the one-off build: {n / (t2 - t0) / rate_pmg:,.0f}x"
    )


if __name__ == "__main__":
    main()
