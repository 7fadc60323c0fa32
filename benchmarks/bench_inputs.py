"""What the issue-14 checks on stores and inputs cost: log appends, CSV reading, featurize failures.

Run:

    python benchmarks/bench_inputs.py [BASE_COMMIT [SECTION ...]]

SECTION is ``log``, ``csv`` or ``featurize`` (default: all three).

1. ``append_measurements`` of one row onto logs of 1k, 10k and 50k rows: the writer now parses
   the old log (damage and same-file checks) and reads the new rows back before it replaces
   the log. With BASE_COMMIT, its ``datasets/measurement_log.py`` is timed beside it.
2. Reading a 200k-row CSV of formulas: ``datasets.textfiles.read_csv_table`` (the csv module,
   every row checked against the header) against ``pandas.read_csv`` (what ``--in`` used).
3. ``featurize`` of 200k formulas whose last one is bad, until the error: with BASE_COMMIT
   given, its ``descriptors/composite.py`` (which parsed every row a second time just to
   raise) is timed beside this tree's.

Best of three runs per number; the machine is shared, so read ratios, not absolutes.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.measurement_log import append_measurements
from anionscreen.datasets.settings import Settings
from anionscreen.datasets.textfiles import read_csv_table
from anionscreen.descriptors import composite

ROOT = Path(__file__).resolve().parents[1]
FORMULAS = ("Li2TaS0.4O0.6Cl5", "Li3InCl6", "Li6PS5Cl", "Li3YBr6", "LiNbOCl4")


def best(run: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` wall times of ``run()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def log_appends(commit: str | None, folder: Path) -> None:
    writers = {"this tree": append_measurements}
    if commit:
        writers[commit] = _old_module(
            commit, "datasets/measurement_log.py", folder
        ).append_measurements
    for rows in (1_000, 10_000, 50_000):
        for label, append in writers.items():
            _log_append(label, append, rows, folder)


def _log_append(label: str, append: Callable[..., object], rows: int, folder: Path) -> None:
    ws = folder / f"ws{rows}-{label.replace(' ', '')}"
    settings = Settings(workspace=ws, data_mirror=None, cache=folder / "cache")
    body = "".join(f"{FORMULAS[i % 5]},1e-3,25,row {i}\n" for i in range(rows))
    big = folder / f"big{rows}.csv"
    big.write_text("composition,sigma_S_per_cm,temperature_C,note\n" + body)
    append(settings, big)

    def add_one(settings: Settings = settings, counter: list[int] = [0]) -> None:  # noqa: B006 (a counter across calls)
        counter[0] += 1  # a new note each time: the same file twice is refused
        one = folder / "one.csv"
        one.write_text(f"composition,ea_eV,note\nLiCl,0.5,extra {counter[0]}\n")
        append(settings, one)

    print(f"append 1 row to a {rows:>6}-row log ({label}): {best(add_one) * 1e3:8.1f} ms")


def csv_reading(folder: Path) -> None:
    path = folder / "formulas.csv"
    path.write_text("formula,note\n" + "".join(f"{FORMULAS[i % 5]},n{i}\n" for i in range(200_000)))
    strict = best(lambda: read_csv_table(path, "--in file"))
    loose = best(lambda: pd.read_csv(path, dtype=str, keep_default_na=False))
    print(f"200k-row CSV: read_csv_table {strict:.3f} s, pandas.read_csv {loose:.3f} s")


def _old_module(commit: str, file: str, folder: Path) -> ModuleType:
    """``file`` as it was at ``commit``, imported under a name of its own."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{file}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    name = "old_" + Path(file).stem
    path = folder / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def featurize_failure(commit: str | None, folder: Path) -> None:
    formulas = [FORMULAS[i % 5] for i in range(200_000 - 1)] + ["Li2Q"]

    def fail(module: ModuleType) -> None:
        try:
            module.featurize(formulas, preset="full")
        except AnionscreenError:
            return
        raise AssertionError("featurize did not fail")

    print(
        f"featurize 200k rows, last one bad, until the error: {best(lambda: fail(composite)):.2f} s"
    )
    if commit:
        old = _old_module(commit, "descriptors/composite.py", folder)
        print(f"  the same with {commit}'s composite.py: {best(lambda: fail(old)):.2f} s")


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else None
    sections = sys.argv[2:] or ["log", "csv", "featurize"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "log" in sections:
            log_appends(commit, folder)
        if "csv" in sections:
            csv_reading(folder)
        if "featurize" in sections:
            featurize_failure(commit, folder)


if __name__ == "__main__":
    main()
