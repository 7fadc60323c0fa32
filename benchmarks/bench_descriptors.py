"""Descriptor speed: anionscreen against matminer in one process, then 10^6 compositions alone.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_descriptors.py [--n-compare 10000] [--n-bulk 1000000]

1. The same ``n_compare`` Li-M-(S,O)-X compositions (fractional, neutral, oxidation states
   attached) are featurized by matminer with ``n_jobs=1`` (pymatgen ``Composition`` objects)
   and by anionscreen (the ``CompositionChunk`` the generator would hand over). Printed:
   the rate of each and the ratio, for the Magpie preset (matminer
   ``ElementProperty.from_preset("magpie")``) and for the full preset (matminer Magpie +
   Stoichiometry + ValenceOrbital + IonProperty(fast=True) with the states attached; the
   anion, cation-charge and resource sets have no matminer counterpart and are extra work
   on the anionscreen side). anionscreen's values are checked against matminer's first.
2. anionscreen alone on ``n_bulk`` compositions, full preset, as the campaign engine calls
   it (chunks of 100,000 rows), with the peak memory traced by ``tracemalloc`` and the
   process's peak resident set size.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
from pymatgen.core.composition import Composition
from pymatgen.core.periodic_table import Element, Species

from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.composite import CompositionFeaturizer
from anionscreen.descriptors.elements import N_ELEMENTS, element_index, element_symbols

METALS = ("Ta", "Nb", "Zr", "Hf", "Y", "In", "Sc", "Al", "Ga", "W", "Mo", "Ti", "Sn", "Bi",
          "La", "Er", "Ho", "Lu", "Gd", "Yb", "Sb", "Ge", "Si", "P", "B")  # fmt: skip
HALIDES = ("F", "Cl", "Br", "I")


def make_chunk(n: int, seed: int = 0) -> CompositionChunk:
    """Neutral Li_a M S_(1-x) O_x X1_(k y) X2_(k (1-y)) with Li+1, M^q+, S/O 2-, X-."""
    rng = np.random.default_rng(seed)
    index = element_index()
    metal_cols = np.array([index[m] for m in METALS])
    metal_q = np.array([max(Element(m).common_oxidation_states) for m in METALS], dtype=float)
    pick = rng.integers(0, len(METALS), n)
    q = metal_q[pick]
    x = np.round(rng.random(n), 2)
    k = np.maximum(rng.integers(3, 7, n), q - 1).astype(float)
    y = np.round(rng.random(n), 1)
    h1, h2 = rng.integers(0, 4, n), rng.integers(0, 4, n)
    halide_cols = np.array([index[h] for h in HALIDES])
    li = 2 + k - q
    amounts = np.zeros((n, N_ELEMENTS))
    states = np.full((n, N_ELEMENTS), np.nan)
    rows = np.arange(n)
    amounts[:, index["Li"]] = li
    amounts[rows, metal_cols[pick]] = 1.0
    amounts[:, index["S"]] = 1 - x
    amounts[:, index["O"]] = x
    amounts[rows, halide_cols[h1]] += k * y
    amounts[rows, halide_cols[h2]] += k * (1 - y)
    states[:, index["Li"]] = 1
    states[rows, metal_cols[pick]] = q
    for col in (index["S"], index["O"]):
        states[:, col] = -2
    states[:, halide_cols] = -1
    states[amounts == 0] = np.nan
    total = amounts.sum(axis=1, keepdims=True)
    symbols = np.array(element_symbols())
    formulas = np.empty(n, dtype=object)
    if n <= 100_000:  # formula text only where people (and matminer) read it
        for r in range(n):
            cols = np.flatnonzero(amounts[r])
            formulas[r] = "".join(f"{symbols[c]}{amounts[r, c]:g}" for c in cols)
    else:
        formulas[:] = ""
    return CompositionChunk(fractions=amounts / total, formulas=formulas, oxidation_states=states)


def to_compositions(chunk: CompositionChunk) -> list[Composition]:
    """pymatgen compositions with oxidation states (so matminer needs no guessing)."""
    symbols = element_symbols()
    states = chunk.oxidation_states
    assert states is not None
    comps = []
    for r in range(len(chunk)):
        cols = np.flatnonzero(chunk.fractions[r])
        comps.append(
            Composition(
                {
                    Species(symbols[c], float(states[r, c])): float(chunk.fractions[r, c])
                    for c in cols
                }
            )
        )
    return comps


def best_of(repeats: int, fn: Callable[[], object]) -> tuple[float, float]:
    """Smallest wall time and smallest CPU time (this process, all threads) of ``repeats``."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def compare(n: int) -> None:
    from matminer.featurizers.base import MultipleFeaturizer
    from matminer.featurizers.composition import (
        ElementProperty,
        IonProperty,
        Stoichiometry,
        ValenceOrbital,
    )

    chunk = make_chunk(n, seed=1)
    comps = to_compositions(chunk)
    magpie_mm = ElementProperty.from_preset("magpie", impute_nan=False)
    full_mm = MultipleFeaturizer(
        [
            ElementProperty.from_preset("magpie", impute_nan=False),
            Stoichiometry(),
            ValenceOrbital(impute_nan=False),
            IonProperty(fast=True),
        ]
    )
    for featurizer in (magpie_mm, full_mm):
        featurizer.set_n_jobs(1)
    print(f"== {n:,} compositions, matminer n_jobs=1 vs anionscreen, same process")
    for label, mm, preset in (("magpie", magpie_mm, "magpie"), ("full", full_mm, "full")):
        ours = CompositionFeaturizer(preset=preset).fit(chunk)
        wall, cpu = time.perf_counter(), time.process_time()
        ref = np.array(mm.featurize_many(comps, ignore_errors=False, pbar=False), dtype=float)
        wall_mm, cpu_mm = time.perf_counter() - wall, time.process_time() - cpu
        values = ours.transform(chunk)
        assert np.allclose(values[:, : ref.shape[1]], ref, rtol=1e-9, atol=1e-12, equal_nan=True)
        wall_ours, cpu_ours = best_of(5, lambda ours=ours: ours.transform(chunk))
        print(
            f"{label:7s} matminer {n / wall_mm:9,.0f}/s wall {n / cpu_mm:9,.0f}/s cpu "
            f"({ref.shape[1]} features) | anionscreen {n / wall_ours:11,.0f}/s wall "
            f"{n / cpu_ours:11,.0f}/s cpu ({values.shape[1]} features) | ratio "
            f"{wall_mm / wall_ours:5.0f}x wall {cpu_mm / cpu_ours:5.0f}x cpu"
        )
    formulas = list(chunk.formulas)
    parse = CompositionFeaturizer(preset="full").fit(formulas[:10])
    t_text, _ = best_of(1, lambda: parse.transform(formulas))
    print(
        f"full preset from formula text (parse + exact charge assignment per formula): "
        f"{n / t_text:,.0f}/s"
    )


def bulk(n: int, chunk_rows: int = 100_000) -> None:
    print(f"== anionscreen alone: full preset on {n:,} compositions, chunks of {chunk_rows:,}")
    chunks = [make_chunk(min(chunk_rows, n - s), seed=s) for s in range(0, n, chunk_rows)]
    held = sum(c.fractions.nbytes * 2 for c in chunks) / 2**20
    for threads in (1, 2):
        featurizer = CompositionFeaturizer(preset="full", n_threads=threads).fit(chunks[0])
        width = len(featurizer.get_feature_names_out())
        buffer = np.empty((chunk_rows, width))
        featurizer.transform_into(chunks[0], buffer)  # load tables, touch the buffer once
        tracemalloc.start()
        wall, cpu = time.perf_counter(), time.process_time()
        checksum = 0.0
        for chunk in chunks:
            values = featurizer.transform_into(chunk, buffer)
            checksum += float(np.nansum(values[:, 3]))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"full, n_threads={threads}: {wall:.2f} s wall ({n / wall:,.0f}/s), {cpu:.2f} s cpu; "
            f"peak traced memory {peak / 2**20:,.0f} MiB above the {held:,.0f} MiB of input "
            f"chunks and the {buffer.nbytes / 2**20:,.0f} MiB output buffer; "
            f"checksum {checksum:.6g}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:,.0f} MiB (includes the matminer comparison, if run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-compare", type=int, default=10_000)
    parser.add_argument("--n-bulk", type=int, default=1_000_000)
    args = parser.parse_args()
    print(
        f"cpus: {os.cpu_count()}, numpy {np.__version__}, load average at start "
        f"{os.getloadavg()[0]:.1f}"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if args.n_compare:
            compare(args.n_compare)
        if args.n_bulk:
            bulk(args.n_bulk)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
