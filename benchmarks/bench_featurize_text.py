"""Formula text to descriptors: ``anionscreen featurize --in`` against matminer's usual way.

Run from the repository root::

    .venv/bin/python benchmarks/bench_featurize_text.py [--n 200000] [--n-matminer 2000]

1. ``--n`` distinct formulas: a seeded sample of the candidates of
   ``Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}`` (20 metals, x step 0.005, y step 0.025), written as
   the generator writes them (``Li4YbS0.23O0.77Cl1.85Br3.15``) to a CSV with one column
   ``formula``; no formula repeats, so no cache can help.
2. The parser alone, one core: :func:`anionscreen.datasets.formula_batch.read_plain` (text to
   exact amounts) and :func:`anionscreen.descriptors.inputs.prepare_input` (text to the
   element-fraction matrix the engine reads), against ``parse_formula`` row by row.
3. ``anionscreen featurize --in formulas.csv --out features.parquet --preset P`` run in this
   process (typer's ``CliRunner``: everything the command does, file reading and writing
   included, without the interpreter's start-up) for the presets composition, magpie, full,
   and once with ``--out features.csv``; the best of ``--repeats`` runs.
4. matminer's usual way on the first ``--n-matminer`` rows of the same CSV, same process:
   ``pd.read_csv``, ``StrToComposition().featurize_dataframe``, then
   ``MultipleFeaturizer([...]).featurize_dataframe`` (``n_jobs=1``, matminer's fastest; see
   PERFORMANCE.md) and ``to_parquet``; the rate is extrapolated. The matminer sets are those
   anionscreen reproduces: magpie = ``ElementProperty.from_preset("magpie")``; composition =
   magpie + ``Stoichiometry()`` + ``ValenceOrbital()`` (anionscreen's composition preset adds
   32 anion and resource columns, extra work on its side). The full preset has oxidation-state
   features that matminer's usual way would guess per formula (seconds each), so it has no
   fair matminer counterpart here and is reported alone. The values of the matminer columns
   are checked equal (1e-9 relative, NaN == NaN) before any ratio is printed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from bench_descriptors import best_of  # the same timing helper (benchmarks/ is on sys.path)
from typer.testing import CliRunner

from anionscreen.datasets.formula import parse_formula
from anionscreen.datasets.formula_batch import read_plain
from anionscreen.descriptors.inputs import prepare_input
from anionscreen.screening.cli.app import app
from anionscreen.screening.spaces.generators import generate_all
from anionscreen.screening.spaces.specs import spaces_from_config

METALS = ["Ta", "Nb", "Zr", "Hf", "W", "Y", "In", "Sc", "Er", "Al",
          "Ga", "Ti", "Sn", "Mo", "Bi", "La", "Ho", "Lu", "Gd", "Yb"]  # fmt: skip


def distinct_formulas(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct generator formulas, a seeded sample of about 970,000."""
    space = {
        "name": "bench",
        "template": "Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}",
        "M": METALS,
        "x": {"start": 0, "stop": 1, "step": 0.005},
        "y": {"start": 0, "stop": 5, "step": 0.025},
        "n": "balance",
    }
    spaces = spaces_from_config([space], "bench")
    formulas = np.concatenate([c.formulas for c in generate_all(spaces, 65_536)])
    pick = np.random.default_rng(seed).choice(len(formulas), n, replace=False)
    sample = [str(f) for f in formulas[pick]]
    assert len(set(sample)) == n
    return sample


def timed(fn: Callable[[], object], repeats: int = 1) -> tuple[float, float]:
    """Smallest wall and CPU (this process, all threads) seconds of ``repeats`` runs."""
    return best_of(repeats, fn)


def parser_rates(formulas: list[str]) -> None:
    n = len(formulas)
    print(f"== parser alone, {n:,} distinct formulas, one core")
    assert read_plain(formulas).fast.all()
    for label, fn in (
        ("read_plain (text -> exact amounts)", lambda: read_plain(formulas)),
        ("prepare_input (text -> fraction matrix)", lambda: prepare_input(formulas)),
    ):
        wall, cpu = timed(fn, repeats=3)
        print(f"{label:42s} {n / wall:12,.0f}/s wall {n / cpu:12,.0f}/s cpu")
    sample = formulas[:5_000]
    wall, cpu = timed(lambda: [parse_formula(f) for f in sample])
    print(f"{'parse_formula row by row (5,000)':42s} {5_000 / wall:12,.0f}/s wall "
          f"{5_000 / cpu:12,.0f}/s cpu")  # fmt: skip


def run_command(args: list[str], repeats: int = 1) -> tuple[float, float]:
    """Smallest wall and CPU seconds of ``repeats`` runs of ``anionscreen ARGS``."""

    def once() -> None:
        result = CliRunner().invoke(app, args)
        if result.exit_code != 0:
            raise SystemExit(f"anionscreen {' '.join(args)} failed:\n{result.output}")

    return timed(once, repeats)


def matminer_usual_way(
    csv: Path, n: int, preset: str, out: Path
) -> tuple[float, float, pd.DataFrame]:
    from matminer.featurizers.base import MultipleFeaturizer
    from matminer.featurizers.composition import ElementProperty, Stoichiometry, ValenceOrbital
    from matminer.featurizers.conversions import StrToComposition

    sets = [ElementProperty.from_preset("magpie", impute_nan=False)]
    if preset == "composition":
        sets += [Stoichiometry(), ValenceOrbital(impute_nan=False)]
    featurizer = MultipleFeaturizer(sets)
    featurizer.set_n_jobs(1)
    to_comp = StrToComposition()
    to_comp.set_n_jobs(1)
    wall, cpu = time.perf_counter(), time.process_time()
    df = pd.read_csv(csv, nrows=n)
    df = to_comp.featurize_dataframe(df, "formula", pbar=False)
    df = featurizer.featurize_dataframe(df, "composition", pbar=False)
    df.drop(columns=["composition"]).to_parquet(out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, df.drop(columns=["formula", "composition"])


def compare(formulas: list[str], n_matminer: int, work: Path, repeats: int) -> None:
    n = len(formulas)
    csv = work / "formulas.csv"
    pd.DataFrame({"formula": formulas}).to_csv(csv, index=False)
    print(f"== featurize --in {csv.name} ({n:,} distinct formulas, {csv.stat().st_size / 1e6:.1f}"
          f" MB), in this process, file reading and writing included")  # fmt: skip
    run_command(
        ["featurize", "--in", str(csv), "--out", str(work / "warm.parquet"), "--preset", "full"]
    )  # fmt: skip  (loads the element tables once)
    ours: dict[str, tuple[float, float]] = {}
    for preset, suffix in (("composition", ".parquet"), ("magpie", ".parquet"),
                           ("full", ".parquet"), ("composition", ".csv")):  # fmt: skip
        out = work / f"features_{preset}{suffix}"
        wall, cpu = run_command(
            ["featurize", "--in", str(csv), "--out", str(out), "--preset", preset], repeats
        )
        ours[preset + suffix] = (wall, cpu)
        print(f"anionscreen --preset {preset:11s} -> {suffix:8s} {wall:6.2f} s wall "
              f"({n / wall:9,.0f}/s) {cpu:6.2f} s cpu ({n / cpu:9,.0f}/s); "
              f"{out.stat().st_size / 1e6:6.1f} MB")  # fmt: skip
    print(f"== matminer's usual way on the first {n_matminer:,} rows, n_jobs=1, same process")
    for preset in ("composition", "magpie"):
        wall, cpu, ref = matminer_usual_way(csv, n_matminer, preset, work / "matminer.parquet")
        mine = pd.read_parquet(work / f"features_{preset}.parquet").iloc[:n_matminer]
        values = mine.drop(columns=["row", "formula"]).to_numpy()[:, : ref.shape[1]]
        assert np.allclose(values, ref.to_numpy(float), rtol=1e-9, atol=1e-12, equal_nan=True)
        our_wall, our_cpu = ours[preset + ".parquet"]
        print(f"matminer {preset:11s} ({ref.shape[1]} features) {n_matminer / wall:7,.0f}/s "
              f"wall {n_matminer / cpu:7,.0f}/s cpu | values equal | anionscreen "
              f"{n / our_wall:9,.0f}/s wall: {(n / our_wall) / (n_matminer / wall):5.0f}x "
              f"wall, {(n / our_cpu) / (n_matminer / cpu):5.0f}x cpu")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--n-matminer", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3, help="Best of this many runs.")
    parser.add_argument("--work", type=Path, default=None, help="Folder for the files.")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, load average at start {os.getloadavg()[0]:.1f}")
    formulas = distinct_formulas(args.n)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        parser_rates(formulas)
        compare(formulas, args.n_matminer, work, args.repeats)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
