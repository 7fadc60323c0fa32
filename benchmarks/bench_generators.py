"""Generator benchmark: a >= 10^7-candidate space streamed in chunks, and SMACT on an integer space.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_generators.py [--quick]

Part 1 streams the template space below (over 10^7 candidates; the exact number is printed)
in chunks of 8192 rows, touching every chunk's fraction matrix and formulas as a consumer
would, and reports the rate, the peak RSS of the process (``resource``) against its RSS
before streaming, and the peak traced allocation (``tracemalloc``) over the first 200 chunks.

Part 2 compares with SMACT's ``smact_filter`` on the same integer space in the same run:
Li-M-(S, O, Cl) for ten cations M, every amount an integer 1..8, every subset of the anions
with at least one present, SMACT's ICSD-2024 oxidation states given to both, Pauling test on.
It checks that both produce the same set of reduced compositions and prints the time ratio.
"""

from __future__ import annotations

import argparse
import itertools
import math
import resource
import sys
import time
import tracemalloc
from fractions import Fraction
from typing import Any

from anionscreen.datasets.formula import formula_amounts
from anionscreen.screening.spaces.filters import FilterSpec
from anionscreen.screening.spaces.generators import SystemEnumerator, make_generator
from anionscreen.screening.spaces.specs import Grid, spaces_from_config

BIG_SPACE: dict[str, Any] = {
    "name": "bench Li-M-(S,O)-X",
    "template": "Li{n} {M} S{s} O{o} {X}{c}",
    "M": ["Ta", "Nb", "Zr", "Hf", "Y", "In", "Sc", "Er", "Al", "Ga",
          "La", "Gd", "Lu", "Sm", "Yb", "Ti", "Sn", "Ge", "Si", "Bi"],
    "X": ["Cl", "Br", "I"],
    "s": {"start": 0, "stop": 1, "step": 0.025},
    "o": {"start": 0, "stop": 1, "step": 0.025},
    "c": {"start": 1, "stop": 6, "step": 0.05},
    "n": "balance",
}  # fmt: skip
CATIONS = ["Ta", "Nb", "Zr", "Hf", "Y", "In", "Sc", "Er", "Al", "Ga"]
ANIONS = ["S", "O", "Cl"]
THRESHOLD = 8


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_stream(quick: bool) -> None:
    table = dict(BIG_SPACE)
    if quick:
        table["M"] = table["M"][:2]
    space = spaces_from_config([table], "bench")[0]
    gen = make_generator(space)
    t0 = time.perf_counter()
    total = gen.count()
    t_count = time.perf_counter() - t0
    print(f"space: {table['template']}  M x{len(table['M'])}, X x3, s/o step 0.025, c step 0.05")
    print(f"count() = {total:,} in {t_count:.2f} s ({total / t_count:,.0f} /s)")
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    rows = chunks = 0
    checksum = 0.0
    for chunk in gen.generate(chunk_size=8192):
        rows += len(chunk)
        chunks += 1
        checksum += float(chunk.fractions[:, 2].sum())  # Li column: touch the matrix
        checksum += len(chunk.formulas[-1])
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    assert rows == total
    print(
        f"generate(): {rows:,} candidates in {chunks:,} chunks of 8192, wall {elapsed:.1f} s "
        f"= {rows / elapsed:,.0f} candidates/s; CPU {cpu:.1f} s = {rows / cpu:,.0f} /s "
        f"(checksum {checksum:.3f})"
    )
    print(f"peak RSS {_rss_mb():,.0f} MB (before streaming {rss_before:,.0f} MB)")
    tracemalloc.start()
    for i, _chunk in enumerate(gen.generate(chunk_size=8192)):
        if i == 200:
            break
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"tracemalloc peak over the first 200 chunks (1.6M candidates): {peak / 2**20:,.1f} MB")


def _smact_states(symbols: list[str]) -> dict[str, list[int]]:
    from smact import Element
    from smact.screening import _get_oxidation_states

    states = _get_oxidation_states([Element(s) for s in symbols], "icsd24")
    return {s: list(st or []) for s, st in zip(symbols, states, strict=True)}


def _normal(amounts: dict[str, Any]) -> frozenset[tuple[str, Fraction]]:
    total = sum(Fraction(v) for v in amounts.values())
    return frozenset((el, Fraction(v) / total) for el, v in amounts.items())


def bench_smact(quick: bool) -> None:
    from smact import Element
    from smact.screening import smact_filter

    cations = CATIONS[:2] if quick else CATIONS
    states = _smact_states(["Li", *cations, *ANIONS])
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    smact_set = set()
    for m in cations:
        for k in range(1, len(ANIONS) + 1):
            for anions in itertools.combinations(ANIONS, k):
                els = tuple(Element(s) for s in ("Li", m, *anions))
                for symbols, ratio in smact_filter(els, threshold=THRESHOLD, species_unique=False):
                    smact_set.add(_normal(dict(zip(symbols, ratio, strict=True))))
    t_smact = time.perf_counter() - t0
    cpu_smact = time.process_time() - cpu0
    gen = SystemEnumerator(
        cations=tuple(cations),
        anions=tuple(ANIONS),
        amounts=Grid(Fraction(1), Fraction(THRESHOLD), Fraction(1)),
        max_cations=1,
        oxidation_states={k: tuple(v) for k, v in states.items()},
        filters=FilterSpec(electronegativity_order=True),
        name="Li-M-(S,O,Cl) integer",
    )
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    formulas = [f for chunk in gen.generate(chunk_size=8192) for f in chunk.formulas]
    t_ours = time.perf_counter() - t0
    cpu_ours = time.process_time() - cpu0
    ours = {_normal(formula_amounts(f)) for f in formulas}
    stoichs = len(cations) * sum(
        THRESHOLD ** (2 + k) * math.comb(len(ANIONS), k) for k in range(1, len(ANIONS) + 1)
    )
    print(
        f"integer space Li-M-(S,O,Cl), {len(cations)} cations, amounts 1..{THRESHOLD}: "
        f"{stoichs:,} stoichiometries x state combinations"
    )
    print(
        f"  smact_filter: {len(smact_set):,} compositions, wall {t_smact:.2f} s, "
        f"CPU {cpu_smact:.2f} s"
    )
    print(
        f"  anionscreen SystemEnumerator (chunks with matrix + formulas): {len(formulas):,} "
        f"compositions, wall {t_ours:.3f} s, CPU {cpu_ours:.3f} s"
    )
    print(
        f"  same set: {ours == smact_set}; speed ratio wall {t_smact / t_ours:,.0f}x, "
        f"CPU {cpu_smact / cpu_ours:,.0f}x"
    )
    if ours != smact_set:
        print(f"  only SMACT: {len(smact_set - ours)}, only anionscreen: {len(ours - smact_set)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small spaces, for a smoke test.")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}")
    bench_stream(args.quick)
    bench_smact(args.quick)


if __name__ == "__main__":
    main()
