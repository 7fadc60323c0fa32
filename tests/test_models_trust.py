"""What makes a prediction trustworthy: the domain's chemistry rule, known compounds, the
measured-modulus map, the trust lines, and experiments that leave the current model alone."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from anionscreen.datasets.formula import parse_formula
from anionscreen.datasets.settings import get_settings
from anionscreen.descriptors.chunk import compositions_to_fractions
from anionscreen.models.domain import ApplicabilityDomain, chemically_related
from anionscreen.models.known import KnownCompounds
from anionscreen.models.measured import MeasuredModulusMap
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.training import fit_target
from anionscreen.models.trust import model_trust
from anionscreen.models.workflow import train_models


def _fractions(*formulas: str) -> np.ndarray:
    return compositions_to_fractions([parse_formula(f) for f in formulas])


def test_chemistry_rule_needs_a_shared_metal_or_the_same_anions() -> None:
    train = _fractions("Li3InCl6", "Li6PS5Cl", "Li2TaSCl5")
    cand = _fractions("Li3TiS0.5O0.5Cl5", "Li3InBr6", "Li3YCl6", "Li2TaS0.4O0.6Cl5")
    nearest = np.array([0, 0, 0, 2])
    # Ti/S-O-Cl vs In/Cl: neither; In shared; same anion set (Cl); Ta shared
    assert chemically_related(cand, train, nearest).tolist() == [False, True, True, True]
    x = np.array([[0.0], [1.0], [2.0]])
    domain = ApplicabilityDomain().fit(x, np.array(["a", "b", "c"], dtype=object), train)
    found = domain.query(np.array([[0.1], [0.1]]), _fractions("Li3TiS0.5O0.5Cl5", "Li3InBr6"))
    assert found.in_domain.tolist() == [False, True]  # both at distance 0.1 from Li3InCl6
    assert (found.distance <= domain.threshold_).all()  # the rule, not the distance


def test_known_compounds_match_at_any_scale() -> None:
    known = KnownCompounds(_fractions("Li7P3S11", "Li3InCl6"), np.array([-2.0, -2.7]),
                           np.array(["10.1/a", "10.1/b"], dtype=object))  # fmt: skip
    match = known.match(_fractions("70Li2S-30P2S5", "Li3InCl6", "Li3YCl6"))
    assert match.index.tolist() == [0, 1, -1]
    assert match.known.tolist() == [True, True, False]
    assert match.label[:2].tolist() == [-2.0, -2.7]
    assert math.isnan(match.label[2])
    assert match.source.tolist() == ["10.1/a", "10.1/b", ""]
    # The lookup built by the first match stays out of pickles (model files, worker copies).
    copy = pickle.loads(pickle.dumps(known))
    assert copy.__getstate__().keys() == {"fractions", "labels", "sources"}
    assert copy.match(_fractions("Li3InCl6")).index.tolist() == [1]


def test_measured_modulus_map_forms_and_leave_one_out() -> None:
    z = np.log10([30.0, 35.0, 130.0, 140.0])  # DFT-model outputs
    amorphous = np.array([1.0, 1.0, 0.0, 0.0])
    y = np.log10([8.0, 7.0, 150.0, 160.0])
    fitted = MeasuredModulusMap().fit(z, amorphous, y)
    assert fitted.form_ == "state"  # 4 rows of both states: a shift per state
    glass_shift = np.mean(y[:2] - z[:2])
    assert fitted.predict(np.array([np.log10(30.0)]), True)[0] == pytest.approx(
        np.log10(30.0) + glass_shift
    )
    # each row's leave-one-out prediction uses the other row of its state only
    assert fitted.loo_residuals_[0] == pytest.approx((y[0] - z[0]) - (y[1] - z[1]))
    assert fitted.halfwidth(0.9) == pytest.approx(np.max(np.abs(fitted.loo_residuals_)))
    one_state = MeasuredModulusMap().fit(z[:2], amorphous[:2], y[:2])
    assert one_state.form_ == "shift"


def test_label_floor_is_for_fitting_only() -> None:
    rng = np.random.default_rng(0)
    n = 60
    fr = np.zeros((n, 118))
    fr[:, [2, 16]] = rng.dirichlet(np.ones(2), size=n)
    y = -3.0 - 20.0 * (fr[:, 2] > 0.9)  # a few "extrapolated" -23 labels
    formulas = np.array([f"c{i}" for i in range(n)], dtype=object)
    res = fit_target("sigma", formulas, y, fr[:, [2, 16]], fractions=fr, preset="t",
                     model_families=("rf",), label_floor=-12.0)  # fmt: skip
    assert res.info["labels_raised_to_floor"] == int((y < -12).sum()) > 0
    assert res.out_of_fold["y"].tolist() == y.tolist()  # metrics against the labels as measured
    assert res.model.predict_features(fr[:, [2, 16]]).value.min() >= -12.0 - 1e-9


def test_trust_lines_and_warnings() -> None:
    card = {
        "target": "ea", "version": "ea-0003", "family": "hgb", "experiment": True,
        "metrics": {"hgb": {"mae": 0.06, "spearman": 0.2, "coverage": 0.9, "mean_halfwidth": 0.13},
                    "mean": {"mae": 0.059}, "magpie_rf": {"mae": 0.05}},
        "data_report": {"rows": 67},
    }  # fmt: skip
    trust = model_trust(card)
    assert trust.line() == (
        "ea-0003 (hgb, 67 training formulas): grouped-CV MAE 0.060 eV, Spearman 0.20, 90 % "
        "interval coverage 0.90 (mean half-width 0.13); baselines: mean 0.059, magpie_rf 0.050"
    )
    warnings = trust.warnings()
    assert warnings[0].startswith("WARNING: the ea model does not beat the mean predictor")
    assert "Magpie random-forest baseline does better" in warnings[1]
    assert warnings[2] == "note: ea-0003 is an experiment (data left out on purpose)"


def test_training_with_exclusions_leaves_the_current_model(tmp_path: Path) -> None:
    settings = get_settings(tmp_path)
    first = train_models(settings, targets=("ea",), sources=("bundled",), promote=True)
    assert first[0].current
    experiment = train_models(
        settings, targets=("ea",), sources=("bundled",), exclude_chemsys=("Li-Ta-S-Cl",)
    )
    assert not experiment[0].current
    assert experiment[0].reason.startswith("experiment (data left out on purpose)")
    registry = ModelRegistry(tmp_path)
    assert registry.current("ea") == first[0].version
    assert registry.card(experiment[0].version)["settings"]["exclude_chemsys"] == ["Li-Ta-S-Cl"]
    # retrained on the same data with the same settings: the same model, to the bit
    again = train_models(settings, targets=("ea",), sources=("bundled",), promote=True)
    cards = [registry.card(v) for v in (first[0].version, again[0].version)]
    assert cards[0]["content_sha256"] == cards[1]["content_sha256"]
