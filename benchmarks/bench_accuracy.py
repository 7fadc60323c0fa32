"""Accuracy benchmarks of the anionscreen models (issues 5, 10 and 11 "must show").

Run from the repository root (sections that use Liverpool or Laskowski need the mirror):

    ANIONSCREEN_DATA_MIRROR=../shared/data python benchmarks/bench_accuracy.py [SECTION ...]

Sections:

``default``      the default models trained offline (bundled + packaged sets): sizes and
                 grouped-CV metrics with same-run baselines;
``obelix``       OBELiX official split, composition only, test compositions removed from all
                 training data at any scale, Magpie-RF baseline in the same run;
``halide``       every halogen-containing row held out, trained on the rest;
``indomain``     grouped CV on halides, oxyhalides and sulfide-halides;
``timesplit``    trained on what was published before 2025-07, tested on the compilation
                 rows training could not use;
``rediscovery``  Li-Ta-S-(O)-Cl left out: the x series and the rank of Li2TaS0.4O0.6Cl5 among
                 the default campaign's candidates;
``modulus``      measured moduli left out one at a time through the measured-modulus map;
``weighting``    the sigma recipe with the halogen-containing rows weighted 1, 2 and 4 times;
``lighter``      smaller recipes: grouped-CV error against prediction time.

Each section prints a Markdown block for benchmarks/RESULTS.md. The sigma recipe is the
default one (``et+hgb`` on labels floored at 1e-12 S/cm); nothing here is tuned on a test set.
"""

from __future__ import annotations

import itertools
import sys
import time
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.formula import composition_key, normalized_formula, parse_formula
from anionscreen.datasets.settings import get_settings
from anionscreen.datasets.sources import load_measurements, load_source
from anionscreen.models.estimators import BASELINE_PRESET, DEFAULT_PRESET, make_model
from anionscreen.models.features import featurize_formulas
from anionscreen.models.targets import LABEL_FLOORS, build_target_table, element_set, fractions_of
from anionscreen.models.workflow import default_sources, load_for_target, validate_table

EXTERNAL = ["obelix", "liverpool", "laskowski", "mchaffie"]
HALOGENS = frozenset({"F", "Cl", "Br", "I"})
LTSOC = ["Li2TaSCl5", "Li2TaS0.7O0.3Cl5", "Li2TaS0.4O0.6Cl5", "Li2TaS0.1O0.9Cl5"]
HEADER = (
    "| model | n | MAE | RMSE | Spearman | 90% coverage | mean half-width | share in domain |\n"
    "|---|---|---|---|---|---|---|---|"
)


def _row(name: str, y: np.ndarray, pred: np.ndarray, lo: Any = None, hi: Any = None,
         dom: Any = None) -> str:  # fmt: skip
    err = np.abs(pred - y)
    cells = [name, str(len(y)), f"{err.mean():.3f}", f"{np.sqrt(np.mean(err**2)):.3f}"]
    rho = pd.Series(y).corr(pd.Series(pred), method="spearman") if np.ptp(pred) > 0 else np.nan
    cells.append(f"{rho:.3f}")
    if lo is not None:
        cells += [f"{np.mean((y >= lo) & (y <= hi)):.3f}", f"{np.mean(hi - lo) / 2:.2f}"]
    else:
        cells += ["", ""]
    cells.append("" if dom is None else f"{np.mean(dom):.2f}")
    return "| " + " | ".join(cells) + " |"


def _metrics_table(result: Any) -> list[str]:
    lines = [
        "| model | MAE | RMSE | Spearman | 90% coverage | mean half-width |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in result.metrics.items():
        cov = f"{m['coverage']:.3f}" if "coverage" in m else ""
        hw = f"{m['mean_halfwidth']:.2f}" if "mean_halfwidth" in m else ""
        mark = " (chosen)" if name == result.chosen_family else ""
        lines.append(
            f"| {name}{mark} | {m['mae']:.3f} | {m['rmse']:.3f} | {m['spearman']:.3f} | {cov} | {hw} |"
        )
    return lines


def _slope(y: np.ndarray, pred: np.ndarray, centre: float) -> float:
    """Calibration slope: least-squares ``b`` in ``y - centre = b * (pred - centre)``.

    1 means the predictions' departures from the training mean are right on average; below 1
    they overstate them (a prediction would do better pulled towards the mean).
    """
    x, t = pred - centre, y - centre
    return float(x @ t / (x @ x))


def _slopes_by_distance(oof: pd.DataFrame, centre: float, bands: int = 5) -> list[str]:
    """Calibration slope of the grouped out-of-fold predictions per band of distance."""
    d = oof["distance"].to_numpy()
    edges = np.quantile(d, np.linspace(0, 1, bands + 1))
    head = "| out-of-fold distance | rows | MAE | calibration slope |"
    lines = [head, "|---|---|---|---|"]
    for lo, hi in itertools.pairwise(edges):
        band = oof[(d >= lo) & (d <= hi)]
        y, pred = band["y"].to_numpy(), band["pred"].to_numpy()
        lines.append(
            f"| {lo:.2f}-{hi:.2f} | {len(band)} | {np.abs(y - pred).mean():.2f} | "
            f"{_slope(y, pred, centre):.2f} |"
        )
    return lines


def _holdout(train: pd.DataFrame, tests: list[tuple[str, np.ndarray, np.ndarray]]) -> list[str]:
    """Fit the default sigma recipe on ``train``; score on each (label, formulas, y)."""
    table = build_target_table("sigma", train)
    t0 = time.perf_counter()
    result = validate_table(table)
    model = result.model
    lines = [
        f"Training: {len(table.data)} formulas ({table.report['sources']}); recipe "
        f"{result.chosen_family}, labels floored at {LABEL_FLOORS['sigma']} for fitting; "
        f"grouped-CV MAE on training {result.metrics[result.chosen_family]['mae']:.3f}; "
        f"fit + validate {time.perf_counter() - t0:.0f} s.",
    ]
    base = make_model("magpie_rf", n_jobs=-1).fit(
        featurize_formulas(table.formulas, BASELINE_PRESET), table.y
    )
    for label, formulas, y in tests:
        pred = model.predict_features(
            featurize_formulas(formulas, DEFAULT_PRESET), 0.9, fractions_of(formulas)
        )
        lines += [
            "",
            f"Test set: {label}",
            "",
            HEADER,
            _row("mean predictor (training mean)", y, np.full(len(y), table.y.mean())),
            _row(
                "Magpie RF (scikit-learn default, same training rows)",
                y,
                base.predict(featurize_formulas(formulas, BASELINE_PRESET)),
            ),
            _row(
                f"anionscreen ({result.chosen_family}, conformal)",
                y,
                pred.value,
                pred.lo,
                pred.hi,
                pred.in_domain,
            ),
            "",
            f"Test distances to the nearest training formula: median {np.median(pred.distance):.2f}"
            f" (domain threshold {model.domain.threshold_:.2f}); calibration slope of the test "
            f"predictions about the training mean: {_slope(y, pred.value, table.y.mean()):.2f}.",
        ]
    lines += [
        "",
        "Calibration of the training's own grouped out-of-fold predictions, by distance (what "
        "the training data say about predictions far from known compositions; nothing of the "
        "test is used):",
        "",
        *_slopes_by_distance(result.out_of_fold, table.y.mean()),
    ]
    return lines


def default(settings: Any) -> list[str]:
    offline = get_settings(settings.workspace)
    offline = type(offline)(offline.workspace, None, offline.cache)  # no mirror: the shipped data
    lines = ["### Default models on a fresh machine (bundled + packaged data, no mirror)", ""]
    for target in ("sigma", "ea", "modulus"):
        rows = load_for_target(target, default_sources(offline), offline)
        table = build_target_table(target, rows)
        t0 = time.perf_counter()
        result = validate_table(table)
        lines += [
            f"**{target}**: {len(table.data)} training formulas from {table.report['sources']}; "
            f"grouped chemsys CV ({result.info['folds']} folds, {result.info['groups']} groups); "
            f"{time.perf_counter() - t0:.0f} s",
            "",
            *_metrics_table(result),
            "",
        ]
        if target == "modulus" and result.info.get("measured_rows"):
            lines.append(
                f"Measured-modulus map: {result.info['measured_rows']} measured rows, form "
                f"{result.info['measured_map']}, leave-one-out MAE "
                f"{result.info['measured_loo_mae']:.3f} log10 GPa, 90 % half-width "
                f"{result.info['measured_halfwidth']:.3f}."
            )
            lines.append("")
    return lines


def obelix(settings: Any) -> list[str]:
    test = load_source("obelix_test", settings)
    others = load_measurements(
        ["bundled", "obelix_train", "liverpool", "laskowski", "mchaffie"], settings
    )
    # Same composition at any scale is the same model input: the test split is removed by
    # composition key (Li7P3S11 in test also removes the glass 70Li2S-30P2S5 from training).
    test_keys = {composition_key(f) for f in test["formula"] if f}
    keys = others["formula"].map(lambda f: composition_key(f) if f else "")
    train = others[~keys.isin(test_keys)]
    test_table = build_target_table("sigma", test)
    lines = [
        "### OBELiX official split (composition only)",
        "",
        f"Training: OBELiX train + bundled + Liverpool + Laskowski + McHaffie with every "
        f"composition of the OBELiX test split removed at any scale ({len(others) - len(train)} "
        f"rows removed). Test: OBELiX test, censored values excluded "
        f"({test_table.report['censored']}), one row per formula (median).",
        "",
    ]
    return lines + _holdout(
        train, [("OBELiX test, uncensored, one row per formula", test_table.formulas, test_table.y)]
    )


def _has_halogen(formulas: pd.Series) -> pd.Series:
    return formulas.map(lambda f: bool(element_set(f) & HALOGENS)).astype(bool)


def halide(settings: Any) -> list[str]:
    rows = load_measurements(["bundled", *EXTERNAL], settings)
    rows = rows[rows["formula"] != ""]
    has_x = _has_halogen(rows["formula"])
    test_table = build_target_table("sigma", rows[has_x])
    lines = [
        "### Halide / oxyhalide / sulfide-halide hold-out",
        "",
        f"Training: every conductivity source with all halogen-containing rows removed "
        f"({int(has_x.sum())} rows). Test: those rows, censored excluded, one per formula.",
        "",
    ]
    return lines + _holdout(
        rows[~has_x], [("halogen-containing formulas", test_table.formulas, test_table.y)]
    )


def indomain(settings: Any) -> list[str]:
    rows = load_measurements(["bundled", *EXTERNAL], settings)
    rows = rows[rows["formula"] != ""]
    table = build_target_table("sigma", rows)
    result = validate_table(table)
    oof = result.out_of_fold
    inside = _has_halogen(oof["formula"]).to_numpy()
    sub = oof[inside]
    lines = [
        "### In-domain grouped CV (halides, oxyhalides, sulfide-halides)",
        "",
        f"Grouped chemsys CV of the default sigma recipe on all {len(table.data)} conductivity "
        f"formulas (bundled + OBELiX + Liverpool + Laskowski + McHaffie); metrics on the "
        f"{int(inside.sum())} halogen-containing formulas' out-of-fold predictions (their "
        "chemical systems held out):",
        "",
        HEADER,
        _row("mean predictor", sub["y"].to_numpy(), np.full(len(sub), table.y.mean())),
        _row(
            "anionscreen (out of fold)",
            sub["y"].to_numpy(),
            sub["pred"].to_numpy(),
            sub["lo"].to_numpy(),
            sub["hi"].to_numpy(),
        ),
    ]
    only = build_target_table("sigma", rows[_has_halogen(rows["formula"])])
    res2 = validate_table(only)
    lines += [
        "",
        f"Trained and cross-validated on the {len(only.data)} halogen-containing formulas only:",
        "",
        *_metrics_table(res2),
    ]
    return lines


def timesplit(settings: Any, cutoff: str = "2025-07") -> list[str]:
    offline = type(settings)(settings.workspace, None, settings.cache)
    sources = default_sources(offline)
    lines = [
        f"### Time split: trained on what was published before {cutoff}",
        "",
        f"Sources: {', '.join(sources)} (no mirror). A row counts as known before {cutoff} only "
        "when its latest possible date is earlier (OBELiX rows carry its May 2025 release; "
        "McHaffie's 2025 release and year-only 2025 rows are not known before July). Test: "
        "every compilation row the training could not use.",
        "",
    ]
    from anionscreen.datasets.published import published_before

    for target in ("sigma", "ea"):
        rows = load_for_target(target, sources, offline)
        train = build_target_table(target, rows, published_before=cutoff)
        result = validate_table(train)
        bundled = rows[(rows["source"] == "bundled") & ~published_before(rows["published"], cutoff)]
        test = build_target_table(target, bundled)
        pred = result.model.predict_features(
            featurize_formulas(test.formulas, DEFAULT_PRESET), 0.9, fractions_of(test.formulas)
        )
        lines += [
            f"**{target}**: training {len(train.data)} formulas ({train.report['sources']}, "
            f"{train.report['published_later']} rows published later left out); test "
            f"{len(test.data)} formulas published {cutoff} or later (or not datable before it).",
            "",
            HEADER,
            _row("mean predictor", test.y, np.full(len(test.y), train.y.mean())),
            _row(
                f"anionscreen ({result.chosen_family})",
                test.y,
                pred.value,
                pred.lo,
                pred.hi,
                pred.in_domain,
            ),
            "",
        ]
        if target == "sigma":
            # Matched by composition key: formulas are written in chemists' order, so the
            # same composition can be spelt differently in the table and in LTSOC.
            def key(text: str) -> str:
                return str(composition_key(normalized_formula(parse_formula(text))))

            ltsoc = [key(f) for f in LTSOC]
            known = {key(f): i for i, f in enumerate(test.formulas)}
            lines.append("| formula | measured log10 sigma | predicted [90 %] | in domain |")
            lines.append("|---|---|---|---|")
            for f, name in zip(ltsoc, LTSOC, strict=True):
                if f in known:
                    i = known[f]
                    lines.append(
                        f"| {name} | {test.y[i]:.2f} | {pred.value[i]:.2f} "
                        f"[{pred.lo[i]:.2f}, {pred.hi[i]:.2f}] | {bool(pred.in_domain[i])} |"
                    )
            lines.append("")
    return lines


def rediscovery(settings: Any) -> list[str]:
    from anionscreen.models.predict import Predictor
    from anionscreen.screening.campaign.default import default_campaign
    from anionscreen.screening.run.scoring import ChunkScorer, SupplyColumns
    from anionscreen.screening.spaces.generators import generate_all

    offline = type(settings)(settings.workspace, None, settings.cache)
    sources = default_sources(offline)
    models = {}
    lines = [
        "### Rediscovery of Li2TaS(1-x)O(x)Cl5 (Li-Ta-S-Cl left out)",
        "",
        "Default recipe and sources (no mirror), every measurement containing Li, Ta, S and Cl "
        "removed (`exclude_chemsys=('Li-Ta-S-Cl',)`, the whole series) for every target.",
        "",
    ]
    for target in ("sigma", "ea", "modulus"):
        table = build_target_table(
            target, load_for_target(target, sources, offline), exclude_chemsys=("Li-Ta-S-Cl",)
        )
        models[target] = (f"{target}-experiment", validate_table(table).model)
        lines.append(
            f"- {target}: {len(table.data)} formulas, {table.report.get('excluded_chemsys', 0)} rows excluded"
        )
    campaign = default_campaign()
    predictor = Predictor(models, amorphous=True)
    scorer = ChunkScorer(predictor=predictor, campaign=campaign, providers=(SupplyColumns(),))
    chunks = generate_all(campaign.spaces, campaign.execution.chunk_size)
    frames = [scorer(chunk, i, 0).table.to_pandas() for i, chunk in enumerate(chunks)]
    table = pd.concat(frames, ignore_index=True)
    table["key"] = table["formula"].map(
        lambda f: composition_key(normalized_formula(parse_formula(f)))
    )
    table["rank_score"] = table["score"].rank(ascending=False, method="min").astype(int)
    table["rank_sigma"] = (
        table["log10_sigma_S_per_cm"].rank(ascending=False, method="min").astype(int)
    )
    measured = {
        "Li2TaSCl5": -3.569,
        "Li2TaS0.7O0.3Cl5": -3.060,
        "Li2TaS0.4O0.6Cl5": -2.380,
        "Li2TaS0.1O0.9Cl5": -2.368,
    }  # log10 of 0.27, 0.87, 4.17, 4.29 mS/cm
    lines += ["", f"Default campaign: {len(table)} candidates scored with these models.", "",
              "| formula | measured log10 sigma | predicted [90 %] | in domain (sigma) | nearest known | rank by sigma | rank by score |",
              "|---|---|---|---|---|---|---|"]  # fmt: skip
    preds = {}
    for name in LTSOC:
        key = composition_key(normalized_formula(parse_formula(name)))
        hit = table[table["key"] == key]
        if hit.empty:
            lines.append(f"| {name} | {measured[name]:.2f} | not in the campaign | | | | |")
            continue
        r = hit.iloc[0]
        preds[name] = r["log10_sigma_S_per_cm"]
        lines.append(
            f"| {name} | {measured[name]:.2f} | {r['log10_sigma_S_per_cm']:.2f} "
            f"[{r['log10_sigma_S_per_cm_lo']:.2f}, {r['log10_sigma_S_per_cm_hi']:.2f}] | "
            f"{bool(r['sigma_in_domain'])} | {r['nearest_known']} | {r['rank_sigma']} of {len(table)} | "
            f"{r['rank_score']} of {len(table)} |"
        )
    if len(preds) == 4:
        high = min(preds["Li2TaS0.4O0.6Cl5"], preds["Li2TaS0.1O0.9Cl5"])
        low = max(preds["Li2TaSCl5"], preds["Li2TaS0.7O0.3Cl5"])
        lines += ["", f"x = 0.6 and 0.9 predicted above x = 0 and 0.3: **{'yes' if high > low else 'no'}** "
                      f"(lowest of x = 0.6/0.9 {high:.3f}, highest of x = 0/0.3 {low:.3f})."]  # fmt: skip
    return lines


def modulus(settings: Any) -> list[str]:
    from anionscreen.models.measured import MeasuredModulusMap

    offline = type(settings)(settings.workspace, None, settings.cache)
    rows = load_for_target("modulus", default_sources(offline), offline)
    table = build_target_table("modulus", rows)
    result = validate_table(table)
    cal = table.calibration
    z = result.model.model.predict(
        featurize_formulas(cal["formula"].to_numpy(dtype=object), DEFAULT_PRESET)
    )
    a = cal["amorphous"].to_numpy(dtype=np.float64)
    y = cal["y"].to_numpy(dtype=np.float64)
    fitted = MeasuredModulusMap().fit(z, a, y)
    loo = fitted.leave_one_out(z, a, y).pred
    # Interval of row i: the 90 % quantile of the other rows' leave-one-out residuals.
    res = np.abs(y - loo)
    covered = []
    for i in range(len(y)):
        others = np.sort(np.delete(res, i))
        k = min(int(np.ceil((others.size + 1) * 0.9)), others.size)
        covered.append(res[i] <= others[k - 1])
    lines = [
        "### Modulus as measured (measured rows left out one at a time)",
        "",
        f"DFT model: {len(table.data)} ionic DFT formulas, grouped-CV MAE log10 E "
        f"{result.metrics[result.chosen_family]['mae']:.3f}. Measured rows (compilation): "
        f"{len(cal)} (composition x state); map form `{fitted.form_}`.",
        "",
        f"Leave-one-out MAE of log10 modulus {np.mean(res):.3f} (DFT model alone: "
        f"{np.mean(np.abs(y - z)):.3f}); 90 % coverage {np.mean(covered):.2f}.",
        "",
        "| formula | state | measured GPa | DFT model GPa | map, left out: GPa [90 %] |",
        "|---|---|---|---|---|",
    ]
    for i, r in cal.reset_index(drop=True).iterrows():
        others = np.sort(np.delete(res, i))
        hw = others[min(int(np.ceil((others.size + 1) * 0.9)), others.size) - 1]
        lines.append(
            f"| {r['formula']} | {'amorphous' if r['amorphous'] else 'crystalline'} | "
            f"{10 ** y[i]:.1f} | {10 ** z[i]:.1f} | {10 ** loo[i]:.1f} "
            f"[{10 ** (loo[i] - hw):.1f}, {10 ** (loo[i] + hw):.1f}] |"
        )
    return lines


def _paired(errors: np.ndarray, reference: np.ndarray, digits: int = 3) -> str:
    """Mean difference of absolute errors against ``reference`` with its standard error."""
    diff = errors - reference
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    return f"{diff.mean():+.{digits}f} (SE {se:.{digits}f})"


def _sigma_setup(settings: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """The default sigma table (no mirror), its descriptors, floored labels and chemsys folds."""
    from anionscreen.models.validation import make_folds, make_groups

    offline = type(settings)(settings.workspace, None, settings.cache)
    table = build_target_table("sigma", load_for_target("sigma", default_sources(offline), offline))
    x = featurize_formulas(table.formulas, DEFAULT_PRESET)
    fit_y = np.maximum(table.y, LABEL_FLOORS["sigma"])
    folds = make_folds(make_groups("chemsys", fractions_of(table.formulas)))
    return table, x, fit_y, folds


def _oof(model: Any, x: np.ndarray, fit_y: np.ndarray, folds: np.ndarray,
         weight: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Out-of-fold predictions, boosting on one OpenMP thread as the training runs it."""
    from anionscreen.models.threads import one_thread
    from anionscreen.models.validation import out_of_fold

    params = None if weight is None else {"regressor__sample_weight": weight}
    with one_thread("openmp"):
        return out_of_fold(model, x, fit_y, folds, fit_params=params)


def weighting(settings: Any) -> list[str]:
    """Sample weighting of the target chemistry (halogen-containing rows) in the sigma recipe."""
    table, x, fit_y, folds = _sigma_setup(settings)
    y = table.y
    halogen = _has_halogen(pd.Series(table.formulas)).to_numpy()
    lines = [
        "### Weighting the target chemistry in the sigma training",
        "",
        f"Default sigma table (no mirror): {len(y)} formulas, {int(halogen.sum())} of them "
        "halogen-containing. The default recipe fitted with those rows weighted w times the "
        "others (`sample_weight`; w = 1 is the default, fitted without weights), the same "
        "chemsys-grouped folds; out-of-fold errors on all rows and on the halogen-containing "
        "ones, paired differences against w = 1:",
        "",
        "| w | MAE, all | Spearman, all | MAE, halogen rows | Spearman, halogen rows "
        "| vs w = 1, all | vs w = 1, halogen rows |",
        "|---|---|---|---|---|---|---|",
    ]
    reference = None
    for w in (1.0, 2.0, 4.0):
        # w = 1 is the default itself, fitted without weights (absolute-error boosting takes
        # weighted medians when given weights, so all-ones weights are not quite the default).
        weight = None if w == 1.0 else np.where(halogen, w, 1.0)
        oof = _oof(make_model("et+hgb", n_jobs=-1), x, fit_y, folds, weight)
        err = np.abs(y - oof)
        if reference is None:
            reference = err
        rho = pd.Series(y).corr(pd.Series(oof), method="spearman")
        rho_x = pd.Series(y[halogen]).corr(pd.Series(oof[halogen]), method="spearman")
        lines.append(
            f"| {w:g} | {err.mean():.3f} | {rho:.3f} | {err[halogen].mean():.3f} | {rho_x:.3f} | "
            f"{_paired(err, reference)} | {_paired(err[halogen], reference[halogen])} |"
        )
    return lines


def lighter(settings: Any) -> list[str]:
    """Smaller recipes: grouped-CV error against prediction time, same run."""
    import sys as _sys
    from pathlib import Path

    from sklearn.ensemble import (
        ExtraTreesRegressor,
        HistGradientBoostingRegressor,
        VotingRegressor,
    )

    from anionscreen.models.estimators import predict_fast, serial
    from anionscreen.models.features import featurize
    from anionscreen.models.threads import one_thread
    from anionscreen.models.validation import make_folds, make_groups

    _sys.path.insert(0, str(Path(__file__).parent))
    from bench_predict import candidates

    def recipe(trees: int, stages: int, rate: float) -> Any:
        model = make_model("et+hgb", n_jobs=-1)
        et = ExtraTreesRegressor(n_estimators=trees, min_samples_leaf=2, max_features=1 / 3,
                                 random_state=0, n_jobs=-1)  # fmt: skip
        hgb = HistGradientBoostingRegressor(loss="absolute_error", max_iter=stages,
                                            learning_rate=rate, min_samples_leaf=5,
                                            random_state=0)  # fmt: skip
        model.set_params(regressor=VotingRegressor([("et", et), ("hgb", hgb)]))
        return model

    table, x, fit_y, folds = _sigma_setup(settings)
    y = table.y
    rows = featurize(candidates(16384), DEFAULT_PRESET)
    rows = np.where(np.isnan(rows), np.nanmedian(x, axis=0), rows)
    sizes = ((100, 200, 0.1), (100, 100, 0.2), (100, 60, 0.3), (50, 200, 0.1), (30, 60, 0.3))
    errors, rhos, fitted = [], [], []
    for trees, stages, rate in sizes:
        model = recipe(trees, stages, rate)
        oof = _oof(model, x, fit_y, folds)
        errors.append(np.abs(y - oof))
        rhos.append(pd.Series(y).corr(pd.Series(oof), method="spearman"))
        with one_thread():
            model.fit(x, fit_y)
        fitted.append(serial(model).named_steps["regressor"])
    # Timed in turns, so a slow moment of the machine falls on every recipe alike.
    times: list[list[float]] = [[] for _ in sizes]
    with one_thread():
        for _ in range(7):
            for i, regressor in enumerate(fitted):
                t0 = time.perf_counter()
                predict_fast(regressor, rows)
                times[i].append(time.perf_counter() - t0)
    ms = [1e3 * float(np.median(t)) for t in times]
    lines = [
        "### Smaller recipes: accuracy against prediction time",
        "",
        f"Sigma: default table (no mirror, {len(y)} formulas), the same chemsys-grouped folds "
        "for every recipe; prediction time of the regressor fitted on all rows, on 16,384 "
        "generated Li-M-S-O-X candidates, one thread, median of 7 taken in turns:",
        "",
        "| sigma recipe | grouped-CV MAE | vs the first row (paired) | Spearman "
        "| predict ms / 16,384 | time vs the first row |",
        "|---|---|---|---|---|---|",
    ]
    for i, (trees, stages, rate) in enumerate(sizes):
        lines.append(
            f"| et {trees} trees + hgb {stages} stages at {rate:g} | {errors[i].mean():.3f} | "
            f"{_paired(errors[i], errors[0])} | {rhos[i]:.3f} | {ms[i]:.0f} | "
            f"{ms[i] / ms[0]:.2f} |"
        )
    offline = type(settings)(settings.workspace, None, settings.cache)
    lines += [
        "",
        "Ea (`rf`) and modulus (`et`) forests, default tables, same folds per target:",
        "",
        "| target | trees | grouped-CV MAE | vs 100 trees (paired) |",
        "|---|---|---|---|",
    ]
    for target, family in (("ea", "rf"), ("modulus", "et")):
        t = build_target_table(target, load_for_target(target, default_sources(offline), offline))
        tx = featurize_formulas(t.formulas, DEFAULT_PRESET)
        tf = make_folds(make_groups("chemsys", fractions_of(t.formulas)))
        base = None
        for trees in (100, 50, 30):
            model = make_model(family, n_jobs=-1)
            model.set_params(regressor__n_estimators=trees)
            err = np.abs(t.y - _oof(model, tx, t.y, tf))
            base = err if base is None else base
            lines.append(f"| {target} | {trees} | {err.mean():.4f} | {_paired(err, base, 4)} |")
    return lines


SECTIONS = {
    "default": default,
    "obelix": obelix,
    "halide": halide,
    "indomain": indomain,
    "timesplit": timesplit,
    "rediscovery": rediscovery,
    "modulus": modulus,
    "weighting": weighting,
    "lighter": lighter,
}


def main(argv: list[str]) -> None:
    settings = get_settings("/tmp/anionscreen-bench-ws")
    for name in argv or list(SECTIONS):
        t0 = time.perf_counter()
        lines = SECTIONS[name](settings)
        print("\n".join(lines))
        print(f"\n({name}: {time.perf_counter() - t0:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
