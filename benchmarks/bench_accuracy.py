"""Accuracy benchmarks of the anionscreen models (issue 5 "must show").

Run (needs the external datasets; set the mirror):

    ANIONSCREEN_DATA_MIRROR=../shared/data python benchmarks/bench_accuracy.py [SECTION ...]

Sections: ``obelix`` (official split, composition only), ``halide`` (halogen hold-out),
``rediscovery`` (Li-Ta-S-(O)-Cl left out), ``modulus`` (DFT grouped CV and the LTSOC moduli).
Each section prints a Markdown block for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from anionscreen.datasets.formula import composition_key
from anionscreen.datasets.settings import get_settings
from anionscreen.datasets.sources import load_measurements, load_source
from anionscreen.models.estimators import BASELINE_PRESET, DEFAULT_PRESET, make_model
from anionscreen.models.features import featurize_formulas
from anionscreen.models.target_model import TargetModel
from anionscreen.models.targets import build_target_table, element_set, fractions_of
from anionscreen.models.training import fit_target
from anionscreen.models.workflow import validate_table

CONDUCTIVITY = ["bundled", "obelix", "liverpool", "laskowski", "mchaffie"]
HALOGENS = frozenset({"F", "Cl", "Br", "I"})
LTSOC = ["Li2TaSCl5", "Li2TaS0.7O0.3Cl5", "Li2TaS0.4O0.6Cl5", "Li2TaS0.1O0.9Cl5"]


def _row(name: str, y: np.ndarray, pred: np.ndarray, lo=None, hi=None, dom=None) -> str:  # type: ignore[no-untyped-def]
    err = np.abs(pred - y)
    cells = [name, f"{err.mean():.3f}", f"{np.sqrt(np.mean(err**2)):.3f}"]
    cells.append(f"{pd.Series(y).corr(pd.Series(pred), method='spearman'):.3f}")
    if lo is not None:
        cells.append(f"{np.mean((y >= lo) & (y <= hi)):.3f}")
        cells.append(f"{np.mean(hi - lo) / 2:.2f}")
    else:
        cells += ["", ""]
    cells.append("" if dom is None else f"{np.mean(dom):.2f}")
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| model | MAE | RMSE | Spearman | 90% coverage | mean half-width | share in domain |\n"
    "|---|---|---|---|---|---|---|"
)


def _holdout(train: pd.DataFrame, tests: list[tuple[str, np.ndarray, np.ndarray]]) -> list[str]:
    """Fit on a training frame's sigma table; score on each (label, formulas, y) test set."""
    table = build_target_table("sigma", train)
    t0 = time.perf_counter()
    result = validate_table(table)
    model: TargetModel = result.model
    fit_s = time.perf_counter() - t0
    lines = [
        f"training formulas {len(table.data)} (report {table.report}); chosen family "
        f"{result.chosen_family}; grouped-CV MAE on training "
        f"{result.metrics[result.chosen_family]['mae']:.3f}; fit+validate {fit_s:.0f} s",
    ]
    base = make_model("magpie_rf", n_jobs=-1).fit(
        featurize_formulas(table.formulas, BASELINE_PRESET), table.y
    )
    for label, test_formulas, test_y in tests:
        pred = model.predict_features(featurize_formulas(test_formulas, DEFAULT_PRESET), 0.9)
        base_pred = base.predict(featurize_formulas(test_formulas, BASELINE_PRESET))
        lines += [
            "",
            f"Test set: {label} ({len(test_y)} rows)",
            "",
            HEADER,
            _row("mean predictor", test_y, np.full(len(test_y), table.y.mean())),
            _row("Magpie RF (sklearn default)", test_y, base_pred),
            _row(
                f"anionscreen ({result.chosen_family}, conformal)",
                test_y,
                pred.value,
                pred.lo,
                pred.hi,
                pred.in_domain,
            ),
        ]
    return lines


def obelix(settings) -> list[str]:  # type: ignore[no-untyped-def]
    test = load_source("obelix_test", settings)
    others = load_measurements(
        ["bundled", "obelix_train", "liverpool", "laskowski", "mchaffie"], settings
    )
    # Same composition at any scale is the same model input (descriptors read fractions), so
    # the test split is removed by composition key: Li7P3S11 in test also removes the glass
    # 70Li2S-30P2S5 (Li1.4P0.6S2.2) from training.
    test_keys = {composition_key(f) for f in test["formula"] if f}
    keys = others["formula"].map(lambda f: composition_key(f) if f else "")
    train = others[~keys.isin(test_keys)]
    removed = len(others) - len(train)
    test_table = build_target_table("sigma", test)
    lines = [
        "### OBELiX official split (composition only)",
        "",
        f"Training: OBELiX train + bundled + Liverpool + Laskowski + McHaffie with every "
        f"composition of the OBELiX test split removed (any scale) ({removed} rows removed). Test: OBELiX test, "
        f"censored values excluded ({test_table.report['censored']}), one row per formula "
        f"(median) -> {len(test_table.data)} formulas.",
        "",
    ]
    every = test[test["sigma_S_per_cm"].notna() & (test["formula"] != "")]
    lines += _holdout(
        train,
        [
            ("one row per formula, uncensored", test_table.formulas, test_table.y),
            (
                "every test row, censored bounds taken as values",
                every["formula"].to_numpy(dtype=object),
                np.log10(every["sigma_S_per_cm"].to_numpy(dtype=np.float64)),
            ),
        ],
    )
    return lines


def halide(settings) -> list[str]:  # type: ignore[no-untyped-def]
    rows = load_measurements(CONDUCTIVITY, settings)
    rows = rows[rows["formula"] != ""]
    has_x = rows["formula"].map(lambda f: bool(element_set(f) & HALOGENS)).astype(bool)
    test_table = build_target_table("sigma", rows[has_x])
    lines = [
        "### Halide / oxyhalide hold-out",
        "",
        f"Training: every conductivity source with all halogen-containing rows removed "
        f"({int(has_x.sum())} rows). Test: those rows, censored excluded, one per formula -> "
        f"{len(test_table.data)} formulas.",
        "",
    ]
    lines += _holdout(
        rows[~has_x], [("halogen-containing formulas", test_table.formulas, test_table.y)]
    )
    return lines


def rediscovery(settings) -> list[str]:  # type: ignore[no-untyped-def]
    rows = load_measurements(CONDUCTIVITY, settings)
    known = {r.formula: r for r in build_target_table("sigma", rows).data.itertuples()}
    lines = [
        "### Rediscovery of Li2TaS(1-x)O(x)Cl5",
        "",
        "Trained with `exclude_chemsys=('Li-Ta-S-Cl',)` (every measurement containing Li, Ta, "
        "S and Cl removed) on all conductivity sources; sigma and Ea models.",
        "",
    ]
    table_head = [
        "",
        "| formula | measured log10 sigma | predicted [90% interval] | in domain | nearest known (distance) | Ea pred [interval] |",
        "|---|---|---|---|---|---|",
    ]
    preds = {}
    for target in ("sigma", "ea"):
        table = build_target_table(target, rows, exclude_chemsys=("Li-Ta-S-Cl",))
        model = validate_table(table).model
        preds[target] = model.predict_features(featurize_formulas(LTSOC, DEFAULT_PRESET), 0.9)
        lines.append(f"- {target}: {table.report}")
    lines += table_head
    s, e = preds["sigma"], preds["ea"]
    from anionscreen.datasets.formula import normalized_formula, parse_formula

    for i, f in enumerate(LTSOC):
        meas = known.get(normalized_formula(parse_formula(f)))
        lines.append(
            f"| {f} | {meas.y if meas is not None else float('nan'):.2f} | {s.value[i]:.2f} "
            f"[{s.lo[i]:.2f}, {s.hi[i]:.2f}] | {bool(s.in_domain[i])} | "
            f"{s.nearest_formula[i]} ({s.distance[i]:.2f}) | {e.value[i]:.3f} "
            f"[{e.lo[i]:.3f}, {e.hi[i]:.3f}] |"
        )
    high = min(s.value[2], s.value[3])
    low = max(s.value[0], s.value[1])
    lines.append("")
    lines.append(
        f"x = 0.6 and 0.9 rank above x = 0 and 0.3: **{'yes' if high > low else 'no'}** "
        f"(min predicted of x=0.6/0.9 {high:.3f} vs max of x=0/0.3 {low:.3f})."
    )
    return lines


def modulus(settings) -> list[str]:  # type: ignore[no-untyped-def]
    rows = load_measurements(["bundled", "elastic_tensor_2015", "mp_binary_elasticity"], settings)
    dft = rows[rows["source"] != "bundled"]
    lines = ["### Modulus", ""]
    lines += [
        "| DFT label | formulas | chosen | grouped-CV MAE | mean predictor | Magpie RF |",
        "|---|---|---|---|---|---|",
    ]
    for kind in ("shear", "bulk"):
        part = dft[dft["modulus_kind"] == kind]
        per = part.groupby("formula")["modulus_GPa"].median()
        per = per[per > 0]
        formulas = per.index.to_numpy(dtype=object)
        y = np.log10(per.to_numpy())
        res = fit_target(
            "modulus",
            formulas,
            y,
            featurize_formulas(formulas, DEFAULT_PRESET),
            fractions=fractions_of(formulas),
            preset=DEFAULT_PRESET,
            baseline_features=featurize_formulas(formulas, BASELINE_PRESET),
            n_jobs=-1,
        )
        m = res.metrics
        lines.append(f"| log10 {kind} (G)" if kind == "shear" else f"| log10 {kind} (K)")
        lines[-1] += (
            f" | {len(y)} | {res.chosen_family} | {m[res.chosen_family]['mae']:.3f} | "
            f"{m['mean']['mae']:.3f} | {m['magpie_rf']['mae']:.3f} |"
        )
    table = build_target_table("modulus", rows, exclude_formulas=("Li2TaSCl5", "Li2TaS0.4O0.6Cl5"))
    result = validate_table(table)
    pred = result.model.predict_features(
        featurize_formulas(["Li2TaSCl5", "Li2TaS0.4O0.6Cl5"], DEFAULT_PRESET), 0.9
    )
    lines += [
        "",
        f"Young's modulus model: DFT E = 9KG/(3K+G) on {table.report['dft_formulas']} formulas, "
        f"chosen {result.chosen_family}, grouped-CV MAE log10 E "
        f"{result.metrics[result.chosen_family]['mae']:.3f}; calibrated on "
        f"{len(table.calibration)} measured moduli ({', '.join(table.calibration['formula'])}) "
        f"with the two LTSOC members left out: offset {result.model.offset:+.3f} log10 units.",
        "",
        "| formula | measured (GPa) | predicted [90% interval] (GPa) | in domain |",
        "|---|---|---|---|",
    ]
    for i, (f, meas) in enumerate((("Li2TaSCl5", 8.2), ("Li2TaS0.4O0.6Cl5", 7.3))):
        lines.append(
            f"| {f} | {meas} | {10 ** pred.value[i]:.1f} [{10 ** pred.lo[i]:.1f}, "
            f"{10 ** pred.hi[i]:.1f}] | {bool(pred.in_domain[i])} |"
        )
    return lines


SECTIONS = {"obelix": obelix, "halide": halide, "rediscovery": rediscovery, "modulus": modulus}


def main(argv: list[str]) -> None:
    settings = get_settings()
    chosen = argv or list(SECTIONS)
    for name in chosen:
        t0 = time.perf_counter()
        lines = SECTIONS[name](settings)
        print("\n".join(lines))
        print(f"\n({name}: {time.perf_counter() - t0:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
