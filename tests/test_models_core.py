"""Applicability domain, conformal intervals, Arrhenius propagation and grouped validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.elements import element_index
from anionscreen.models.arrhenius import (
    BOLTZMANN_EV_PER_K,
    log10_sigma_interval_at,
    shift_log10_sigma,
)
from anionscreen.models.conformal import NormalizedConformal, cross_conformal_coverage
from anionscreen.models.domain import ApplicabilityDomain
from anionscreen.models.training import fit_target
from anionscreen.models.validation import (
    choose_family,
    make_folds,
    make_groups,
    out_of_fold,
    out_of_fold_distances,
    regression_metrics,
)


def test_choose_family_keeps_the_cheapest_within_one_standard_error() -> None:
    rng = np.random.default_rng(0)
    y = np.zeros(200)
    best = rng.uniform(0.5, 1.5, 200) * rng.choice([-1.0, 1.0], 200)  # |error| >= 0.5
    noise = rng.normal(0.0, 0.05, 200)
    noise -= noise.mean()  # the paired differences below have exactly the mean given; SE ~0.0035

    def worse_by(mean: float) -> np.ndarray:
        return np.sign(best) * (np.abs(best) + noise + mean)

    oof = {"rf": 1.5 * best, "et": worse_by(0.002), "hgb": worse_by(0.02), "et+hgb": best}
    # et is worse than et+hgb by 0.002, within the noise: the cheaper et is kept
    assert choose_family(("rf", "et", "et+hgb"), y, oof) == "et"
    # the order given does not matter: cost decides
    assert choose_family(("et+hgb", "et", "rf"), y, oof) == "et"
    # hgb is worse by 0.02, beyond the noise; rf by 0.4: the best is kept
    assert choose_family(("rf", "hgb", "et+hgb"), y, oof) == "et+hgb"
    assert choose_family(("et+hgb",), y, oof) == "et+hgb"


def test_domain_nearest_and_threshold() -> None:
    train = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    formulas = np.array(["A", "B", "C", "D"], dtype=object)
    dom = ApplicabilityDomain(quantile=1.0).fit(train, formulas)
    # Standardised coordinates are +/-1, so neighbours are 2 apart: LOO distances all 2.
    np.testing.assert_allclose(dom.loo_distances_, [2.0, 2.0, 2.0, 2.0])
    assert dom.threshold_ == pytest.approx(2.0)
    found = dom.query(np.array([[1.0, 1.0], [0.1, 0.0], [10.0, 10.0]]))
    assert list(found.nearest_formula) == ["D", "A", "D"]
    np.testing.assert_allclose(found.distance[:2], [0.0, 0.2], atol=1e-7)
    # (10, 10) is 9 training units from D in each direction: 18 standardised units each.
    assert found.distance[2] == pytest.approx(math.hypot(18.0, 18.0))
    assert list(found.in_domain) == [True, True, False]


def test_domain_rejects_nan_and_wrong_width() -> None:
    dom = ApplicabilityDomain().fit(np.eye(3), np.array(["a", "b", "c"], dtype=object))
    with pytest.raises(AnionscreenError, match="NaN or infinite values in 1 row"):
        dom.query(np.array([[np.nan, 0.0, 0.0]]))
    with pytest.raises(AnionscreenError, match="must have 3 columns"):
        dom.query(np.zeros((1, 2)))


def test_conformal_quantile_and_scale() -> None:
    residuals = np.arange(1.0, 20.0)  # 19 residuals 1..19 at distance 0
    cal = NormalizedConformal().fit(residuals, np.zeros(19))
    assert cal.coef_[1] == 0.0
    assert cal.coef_[0] == pytest.approx(10.0)  # least squares of |r| on a constant: the mean
    # ceil((19 + 1) * 0.9) = 18th smallest score = 18 / 10
    assert cal.quantile(0.9) == pytest.approx(1.8)
    np.testing.assert_allclose(cal.halfwidth(np.array([0.0]), 0.9), [18.0])
    with pytest.raises(AnionscreenError, match="interval level must be in"):
        cal.quantile(1.5)


def test_conformal_widens_with_distance() -> None:
    rng = np.random.default_rng(0)
    d = rng.uniform(0, 5, 400)
    r = rng.normal(scale=0.2 + 0.5 * d)
    cal = NormalizedConformal().fit(r, d)
    assert cal.coef_[1] > 0.2
    near, far = cal.halfwidth(np.array([0.0, 5.0]))
    assert far > 5 * near
    folds = np.arange(400) % 5
    coverage, _ = cross_conformal_coverage(r, d, folds, [0.5, 0.9])
    assert coverage[0] == pytest.approx(0.5, abs=0.07)
    assert coverage[1] == pytest.approx(0.9, abs=0.05)


def test_arrhenius_shift_and_interval() -> None:
    # sigma*T = A exp(-Ea/kT): from 25 C to 100 C with Ea = 0.4 eV
    t0, t1 = 298.15, 373.15
    expected = (
        -3.0 + math.log10(t0 / t1) + 0.4 / (BOLTZMANN_EV_PER_K * math.log(10)) * (1 / t0 - 1 / t1)
    )
    assert float(shift_log10_sigma(-3.0, 0.4, 25.0, 100.0)) == pytest.approx(expected)
    value, lo, hi = log10_sigma_interval_at(
        100.0,
        np.array([-3.0]),
        np.array([-3.5]),
        np.array([-2.5]),
        np.array([0.4]),
        np.array([0.3]),
        np.array([0.5]),
    )
    assert value[0] == pytest.approx(expected)
    # Above 25 C a larger Ea gives a larger sigma(T): hi uses Ea_hi, lo uses Ea_lo.
    assert hi[0] == pytest.approx(float(shift_log10_sigma(-2.5, 0.5, 25.0, 100.0)))
    assert lo[0] == pytest.approx(float(shift_log10_sigma(-3.5, 0.3, 25.0, 100.0)))
    v_cold, lo_cold, hi_cold = log10_sigma_interval_at(
        -20.0, value * 0 - 3, value * 0 - 3.5, value * 0 - 2.5, value * 0 + 0.4,
        value * 0 + 0.3, value * 0 + 0.5,
    )  # fmt: skip
    assert lo_cold[0] == pytest.approx(float(shift_log10_sigma(-3.5, 0.5, 25.0, -20.0)))
    assert hi_cold[0] == pytest.approx(float(shift_log10_sigma(-2.5, 0.3, 25.0, -20.0)))
    assert lo_cold[0] < v_cold[0] < hi_cold[0]
    with pytest.raises(AnionscreenError, match="above absolute zero"):
        shift_log10_sigma(-3.0, 0.4, 25.0, -300.0)


def _fractions(rows: list[dict[str, float]]) -> np.ndarray:
    idx = element_index()
    out = np.zeros((len(rows), 118))
    for i, row in enumerate(rows):
        total = sum(row.values())
        for el, amt in row.items():
            out[i, idx[el]] = amt / total
    return out


def test_groupings() -> None:
    fr = _fractions([{"Li": 1, "Cl": 1}, {"Li": 3, "In": 1, "Cl": 6}, {"In": 1, "Cl": 3}])
    chemsys = make_groups("chemsys", fr)
    assert list(chemsys) == ["Cl", "Cl-In", "Cl-In"]
    fam = make_groups("family", fr, np.array(["Garnet ", "", "halide"], dtype=object))
    assert list(fam) == ["garnet", "unknown", "halide"]
    folds = make_folds(np.array(["a", "a", "b", "c", "c", "d"]), n_splits=3)
    assert folds[0] == folds[1]
    assert folds[3] == folds[4]
    assert len(set(folds)) == 3
    with pytest.raises(AnionscreenError, match="at least 2 groups; got 1"):
        make_folds(np.array(["a", "a"]))
    with pytest.raises(AnionscreenError, match="unknown grouping 'random'"):
        make_groups("random", fr)


def test_out_of_fold_never_sees_the_held_out_group() -> None:
    from sklearn.neighbors import KNeighborsRegressor

    # 10 groups of 3 identical rows: a 1-nearest-neighbour model that saw a row's group
    # would return the row's own label exactly.
    groups = np.repeat(np.arange(10), 3)
    x = groups[:, None].astype(np.float64)
    y = 10.0 * groups
    folds = make_folds(groups, n_splits=5)
    oof = out_of_fold(KNeighborsRegressor(n_neighbors=1), x, y, folds)
    assert not np.any(oof == y)
    assert np.abs(oof - y).min() == 10.0  # the neighbouring group's label
    formulas = np.array([f"g{g}" for g in groups], dtype=object)
    assert (out_of_fold_distances(x, formulas, folds) > 0).all()


def test_out_of_fold_passes_each_fold_its_own_rows_weights() -> None:
    from sklearn.dummy import DummyRegressor

    y = np.array([1.0, 2.0, 3.0, 4.0])
    folds = np.array([0, 0, 1, 1])
    weight = np.array([1.0, 3.0, 1.0, 1.0])
    oof = out_of_fold(DummyRegressor(), np.zeros((4, 1)), y, folds,
                      fit_params={"sample_weight": weight})  # fmt: skip
    # fold 0 is predicted by the mean of rows 2 and 3 (weights 1, 1); fold 1 by rows 0 and 1
    # weighted 1 and 3: (1 + 3 * 2) / 4
    np.testing.assert_array_equal(oof, [3.5, 3.5, 1.75, 1.75])
    unweighted = out_of_fold(DummyRegressor(), np.zeros((4, 1)), y, folds)
    np.testing.assert_array_equal(unweighted, [3.5, 3.5, 1.5, 1.5])


def test_regression_metrics_values() -> None:
    m = regression_metrics(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 4.0, 6.0]))
    assert m["mae"] == pytest.approx(0.75)
    assert m["rmse"] == pytest.approx(math.sqrt(5 / 4))
    assert m["spearman"] == pytest.approx(1.0)


def test_fit_target_chooses_by_validation_and_covers() -> None:
    rng = np.random.default_rng(1)
    n = 150
    fr = np.zeros((n, 118))
    fr[:, [2, 7, 15, 16]] = rng.dirichlet(np.ones(4), size=n)
    x = np.hstack([fr[:, [2, 7, 15, 16]], rng.normal(size=(n, 3))])
    y = 4 * fr[:, 2] - 2 * fr[:, 7] + rng.normal(scale=0.1, size=n)
    formulas = np.array([f"c{i}" for i in range(n)], dtype=object)
    res = fit_target(
        "sigma", formulas, y, x, fractions=fr, preset="test", model_families=("rf", "hgb")
    )
    assert res.info["grouping"] == "cluster (fallback: chemsys gave 1 group)"
    assert res.info["folds"] == 5
    maes = {f: res.metrics[f]["mae"] for f in ("rf", "hgb")}
    assert res.chosen_family == min(maes, key=maes.__getitem__)
    assert res.metrics[res.chosen_family]["mae"] < 0.5 * res.metrics["mean"]["mae"]
    assert 0.8 <= res.metrics[res.chosen_family]["coverage"] <= 1.0
    assert list(res.coverage_curve["level"]) == [0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    # The intervals are calibrated on the grouped out-of-fold residuals and distances, not on
    # the training fit: the final model's own residuals are far smaller than those.
    oof = res.out_of_fold
    oof_residual = (oof["y"] - oof["pred"]).to_numpy()
    ref = NormalizedConformal().fit(oof_residual, oof["distance"].to_numpy(), y)
    np.testing.assert_allclose(res.model.conformal.scores_, ref.scores_)
    in_sample = y - res.model.predict_features(x).value
    assert np.abs(in_sample).mean() < 0.6 * np.abs(oof_residual).mean()
    assert (oof["distance"] > 0).all()  # each row's own fold was held out
    pred = res.model.predict_features(x[:3])
    assert np.all(pred.lo < pred.value)
    assert np.all(pred.value < pred.hi)
    assert list(pred.nearest_formula) == ["c0", "c1", "c2"]
    # A descriptor every training row had, missing in a candidate: out of domain even at
    # distance 0 (the value was imputed); NaN where training also had NaN is not flagged.
    x_nan = x.copy()
    x_nan[5, 6] = np.nan
    res_nan = fit_target("sigma", formulas, y, x_nan, fractions=fr, preset="test",
                         model_families=("rf",))  # fmt: skip
    assert res_nan.info["domain_observed_columns"] == 6
    query = np.vstack([x[:2], x[:2]])
    query[0, 0] = np.nan
    query[1, 6] = np.nan
    found = res_nan.model.predict_features(query)
    assert list(found.in_domain) == [False, True, True, True]
    assert found.distance[0] <= res_nan.model.domain.threshold_  # the flag, not the distance
    # The model fills only the NaN columns itself: the same bytes as the fitted imputer, so
    # the same predictions as the scikit-learn pipeline.
    pipeline = res_nan.model.model
    filled = res_nan.model._impute(query, np.array([0, 6]))
    assert filled.tobytes() == pipeline.named_steps["impute"].transform(query).tobytes()
    np.testing.assert_array_equal(found.value, pipeline.predict(query))
    # The NaN columns found once by a caller (a Predictor, for every model on one preset) give
    # the same answer as the model's own scan.
    given = res_nan.model.predict_features(query, nan_columns=np.array([0, 6]))
    for field in ("value", "lo", "hi", "distance", "in_domain"):
        np.testing.assert_array_equal(getattr(given, field), getattr(found, field))
    with pytest.raises(AnionscreenError, match="3 usable training row"):
        fit_target("sigma", formulas[:3], y[:3], x[:3], fractions=fr[:3], preset="test")


def test_conformal_halfwidth_is_capped_by_label_spread() -> None:
    d = np.linspace(0.0, 1.0, 19)
    r = 1.0 + d  # the error grows with distance
    labels = np.arange(19.0)  # |y - mean| = 9, 8, ..., 0, ..., 9
    cal = NormalizedConformal().fit(r, d, labels)
    # ceil(20 * 0.9) = 18th smallest of the sorted |y - 9|: 0,1,1,2,2,...,9,9 -> 9
    assert cal.cap(0.9) == pytest.approx(9.0)
    far = cal.halfwidth(np.array([0.5, 1000.0]), 0.9)
    assert far[0] < 9.0
    assert far[1] == pytest.approx(9.0)
    assert NormalizedConformal().fit(r, d).cap(0.9) == math.inf


def test_pipeline_with_descriptors_takes_formulas() -> None:
    from anionscreen.models.estimators import make_pipeline

    formulas = ["LiCl", "Li2S", "Li2O", "Li3InCl6", "Li3YCl6", "Li6PS5Cl", "LiI", "Li3PS4"]
    y = np.array([-8.0, -9.0, -10.0, -3.0, -3.3, -2.7, -7.0, -3.8])
    pipe = make_pipeline("rf", random_state=0).fit(formulas, y)
    features = pipe.named_steps["features"]
    width = len(features.get_feature_names_out())
    assert features.transform(["LiCl"]).shape == (1, width)
    assert width > 132  # Magpie plus the other state-free sets
    pred = pipe.predict(["Li3InCl6", "LiCl"])
    assert pred[0] > pred[1]  # the forest has seen both; the halide conductor ranks first
    with pytest.raises(AnionscreenError, match="unknown model family 'svm'"):
        make_pipeline("svm")


def test_each_family_name_builds_its_own_regressor() -> None:
    from sklearn.ensemble import (
        ExtraTreesRegressor,
        HistGradientBoostingRegressor,
        RandomForestRegressor,
        VotingRegressor,
    )

    from anionscreen.models.estimators import make_regressor

    assert type(make_regressor("rf")) is RandomForestRegressor
    assert type(make_regressor("et")) is ExtraTreesRegressor
    assert type(make_regressor("hgb")) is HistGradientBoostingRegressor
    assert make_regressor("hgb").loss == "absolute_error"
    both = make_regressor("et+hgb", random_state=3)
    assert type(both) is VotingRegressor
    assert [name for name, _ in both.estimators] == ["et", "hgb"]
    assert make_regressor("et", random_state=3).get_params()["random_state"] == 3


@pytest.mark.parametrize("family", ["rf", "et", "hgb", "et+hgb", "mean"])
def test_fast_prediction_gives_the_regressors_own_bytes(family: str) -> None:
    from anionscreen.models.estimators import make_regressor, predict_fast, serial

    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 6))
    y = x[:, 0] - 2 * x[:, 1] ** 2 + rng.normal(scale=0.1, size=300)
    fitted = serial(make_regressor(family, random_state=0).fit(x, y))
    rows = rng.normal(size=(2_500, 6))
    assert predict_fast(fitted, rows).tobytes() == fitted.predict(rows).tobytes()
    assert predict_fast(fitted, rows[:1]).tobytes() == fitted.predict(rows[:1]).tobytes()
    # Column-major rows (a campaign chunk's descriptors) give the same bytes.
    by_column = np.asfortranarray(rows)
    assert predict_fast(fitted, by_column).tobytes() == fitted.predict(rows).tobytes()
