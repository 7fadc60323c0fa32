"""Known values worked out by hand, the mixed-anion descriptors, inputs and the error policy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.anion import AnionComposition
from anionscreen.descriptors.cation import CationCharge
from anionscreen.descriptors.chunk import CompositionChunk, chunk_from_compositions
from anionscreen.descriptors.composite import CompositionFeaturizer, featurize
from anionscreen.descriptors.elements import element_index
from anionscreen.descriptors.matminer_sets import ElementProperty, Stoichiometry
from anionscreen.descriptors.resource import ResourceRisk

LTSOC = "Li2TaS0.4O0.6Cl5"


def _row(transformer: object, formula: str) -> dict[str, float]:
    fitted = transformer.fit([formula])  # type: ignore[attr-defined]
    values = fitted.transform([formula])[0]
    return dict(zip(fitted.get_feature_names_out(), values, strict=True))


def test_magpie_statistics_by_hand() -> None:
    # Z: Li 3, Ta 73, S 16, O 8, Cl 17; amounts 2, 1, 0.4, 0.6, 5 (9 atoms).
    row = _row(ElementProperty(), LTSOC)
    mean = (2 * 3 + 73 + 0.4 * 16 + 0.6 * 8 + 5 * 17) / 9
    assert row["magpie mean Number"] == pytest.approx(mean, rel=1e-12)
    avg_dev = (2 * abs(3 - mean) + abs(73 - mean) + 0.4 * abs(16 - mean)
               + 0.6 * abs(8 - mean) + 5 * abs(17 - mean)) / 9  # fmt: skip
    assert row["magpie avg_dev Number"] == pytest.approx(avg_dev, rel=1e-12)
    assert row["magpie minimum Number"] == 3
    assert row["magpie maximum Number"] == 73
    assert row["magpie range Number"] == 70
    assert row["magpie mode Number"] == 17  # Cl is the most abundant


def test_magpie_mode_tie_takes_smallest_and_electronegativity_mean() -> None:
    row = _row(ElementProperty(), "LiCl")
    assert row["magpie mode Number"] == 3  # Li and Cl tie; matminer takes the minimum
    # Magpie electronegativities: Li 0.98, Cl 3.16.
    assert row["magpie mean Electronegativity"] == pytest.approx((0.98 + 3.16) / 2, rel=1e-12)
    assert row["magpie avg_dev Electronegativity"] == pytest.approx(1.09, rel=1e-12)


def test_missing_element_data_is_nan_or_imputed() -> None:
    raw = _row(ElementProperty(impute_nan=False), "HeNe")
    assert all(math.isnan(raw[f"magpie {s} MeltingT"]) for s in ("minimum", "mean", "mode"))
    assert raw["magpie mean Number"] == 6
    imputed = _row(ElementProperty(impute_nan=True), "HeNe")
    assert math.isfinite(imputed["magpie mean MeltingT"])


def test_stoichiometry_norms_by_hand() -> None:
    row = _row(Stoichiometry(), "LiCl")
    assert row["stoichiometry 0-norm"] == 2
    assert row["stoichiometry 2-norm"] == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert row["stoichiometry 10-norm"] == pytest.approx((2 * 0.5**10) ** 0.1, rel=1e-12)


def test_anion_descriptors_of_ltsoc_by_hand() -> None:
    row = _row(AnionComposition(), LTSOC)
    shares = {"O": 0.6 / 6, "S": 0.4 / 6, "Cl": 5 / 6}
    for anion, share in shares.items():
        assert row[f"anion share {anion}"] == pytest.approx(share, rel=1e-12)
    assert row["anion share F"] == 0
    entropy = -sum(p * math.log(p) for p in shares.values())
    assert row["anion mixing entropy"] == pytest.approx(entropy, rel=1e-12)
    radius = {"O": 1.40, "S": 1.84, "Cl": 1.81}  # Shannon CN VI
    mean_r = sum(shares[a] * radius[a] for a in shares)
    assert row["anion mean Shannon radius"] == pytest.approx(mean_r, rel=1e-12)
    std_r = math.sqrt(sum(shares[a] * (radius[a] - mean_r) ** 2 for a in shares))
    assert row["anion std Shannon radius"] == pytest.approx(std_r, rel=1e-12)
    alpha = {"O": 1.85, "S": 5.35, "Cl": 2.96}  # Tessman-Kahn-Shockley (midpoints)
    mean_a = sum(shares[a] * alpha[a] for a in shares)
    assert row["anion mean polarisability"] == pytest.approx(mean_a, rel=1e-12)
    assert row["halide polarisability share"] == pytest.approx(
        shares["Cl"] * 2.96 / mean_a, rel=1e-12
    )
    assert row["anion atomic fraction"] == pytest.approx(6 / 9, rel=1e-12)
    assert row["Li per anion"] == pytest.approx(2 / 6, rel=1e-12)
    assert row["Li atomic fraction"] == pytest.approx(2 / 9, rel=1e-12)
    assert row["M atomic fraction"] == pytest.approx(1 / 9, rel=1e-12)
    assert row["chalcogenide per M"] == pytest.approx(1.0, rel=1e-12)
    assert row["M mean electronegativity"] == pytest.approx(1.5, rel=1e-12)  # Ta
    assert row["electronegativity contrast Cl-M"] == pytest.approx(3.16 - 1.5, rel=1e-12)
    assert math.isnan(row["electronegativity contrast F-M"])


def test_anion_descriptors_nan_cases() -> None:
    row = _row(AnionComposition(), "Li3N")
    assert math.isnan(row["anion mean polarisability"])  # N3- is not tabulated
    assert row["anion mean Shannon radius"] == pytest.approx(1.46, rel=1e-12)  # CN IV
    assert math.isnan(row["chalcogenide per M"])  # no M
    alloy = _row(AnionComposition(), "LiAl")
    assert math.isnan(alloy["anion mixing entropy"])
    assert math.isnan(alloy["Li per anion"])
    assert alloy["anion atomic fraction"] == 0


def test_cation_charge_of_ltsoc() -> None:
    row = _row(CationCharge(), LTSOC)
    assert row["mean cation oxidation state"] == pytest.approx((2 * 1 + 5) / 3, rel=1e-12)
    assert row["M mean oxidation state"] == pytest.approx(5, rel=1e-12)
    assert row["M mean Shannon radius"] == pytest.approx(0.64, rel=1e-12)
    assert row["M charge density"] == pytest.approx(5 / 0.64**3, rel=1e-12)


def test_generator_states_are_used_as_given() -> None:
    # Fe3O4 has no single-valence neutral assignment; given Fe+8/3 it is neutral.
    chunk = chunk_from_compositions([Composition("Fe3O4")])
    states = np.full((1, 118), np.nan)
    states[0, element_index()["Fe"]] = 8 / 3
    states[0, element_index()["O"]] = -2
    given = CompositionChunk(chunk.fractions, chunk.formulas, oxidation_states=states)
    row = dict(
        zip(
            CompositionFeaturizer().fit(given).get_feature_names_out(),
            CompositionFeaturizer().fit(given).transform(given)[0],
            strict=True,
        )
    )
    assert row["compound possible"] == 1
    assert row["M mean oxidation state"] == pytest.approx(8 / 3, rel=1e-12)
    assert math.isnan(row["M charge density"])  # no Shannon radius for a state of 8/3


def test_resource_risk_equals_pymatgen() -> None:
    from pymatgen.analysis.cost import CostAnalyzer, CostDBElements
    from pymatgen.analysis.hhi import HHIModel

    formulas = [LTSOC, "Li3YCl6", "Li6PS5Cl", "Li7La3Zr2O12", "LiNbOCl4", "Li3InCl6", "LiH"]
    fitted = ResourceRisk().fit(formulas)
    ours = fitted.transform(formulas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen: "No Pauling electronegativity for He"
        model = HHIModel()
        analyzer = CostAnalyzer(CostDBElements())
    for row, formula in enumerate(formulas):
        hhi_p, hhi_r = model.get_hhi(Composition(formula))
        if hhi_p is None:  # H has no HHI in pymatgen
            assert np.isnan(ours[row, :2]).all()
        else:
            assert ours[row, :2] == pytest.approx([hhi_p, hhi_r], rel=1e-9)
    for row, formula in enumerate(formulas[:3]):
        cost = analyzer.get_cost_per_kg(Composition(formula))
        assert ours[row, 2] == pytest.approx(cost, rel=1e-9)


def test_every_input_form_gives_the_same_features() -> None:
    formulas = [LTSOC, "LiCl", "Li3YCl6"]
    featurizer = CompositionFeaturizer(preset="full").fit(formulas)
    expected = featurizer.transform(formulas)
    comps = [Composition(f) for f in formulas]
    chunk = chunk_from_compositions(comps)
    index = element_index()
    amounts = np.zeros((3, 118))
    for row, comp in enumerate(comps):
        for el, amt in comp.items():
            amounts[row, index[el.symbol]] = amt
    for form in (
        comps,
        pd.Series(formulas),
        pd.DataFrame({"f": formulas}),
        np.array(formulas, dtype=object),
        chunk,
        amounts,
    ):
        np.testing.assert_allclose(featurizer.transform(form), expected, rtol=1e-12)


def test_numeric_input_may_give_only_the_first_elements() -> None:
    short = np.array([[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]])  # Li F
    full = np.zeros((1, 118))
    full[0, [2, 8]] = 1.0
    ep = ElementProperty().fit(short)
    assert ep.n_features_in_ == 9
    np.testing.assert_array_equal(ep.transform(short), ElementProperty().fit(full).transform(full))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("LiCl", "got a single str 'LiCl' \\(wrap it in a list\\)"),
        (pd.DataFrame({"a": ["LiCl"], "b": ["NaCl"]}), "exactly one column of formulas"),
        ([3.5], "expected a formula string or a pymatgen Composition; got float 3.5"),
        ([""], "cannot read formula '': empty formula"),
        ([LTSOC.replace("0.6", "0.5")], "leaves a charge of \\+0.2 per formula unit"),
        ([Composition("Q2O", strict=False)], "'Q' is not an element"),
    ],
)
def test_bad_input_raises_with_a_message(data: object, message: str) -> None:
    with pytest.raises(AnionscreenError, match=message):
        CompositionFeaturizer().fit(["LiCl"]).transform(data)


def test_featurize_rejects_arrays_that_are_not_amount_matrices() -> None:
    with pytest.raises(AnionscreenError, match=r"got shape \(3,\)"):
        featurize(np.array([1.0, 2.0, 3.0]))
    with pytest.raises(AnionscreenError, match=r"at most 118\); got shape \(1, 119\)"):
        featurize(np.ones((1, 119)))


def test_bad_preset_raises() -> None:
    with pytest.raises(
        AnionscreenError, match=r"'preset' .* \['anion', 'composition', 'full', 'magpie'\]"
    ):
        CompositionFeaturizer(preset="matminer").fit(["LiCl"])


def test_featurize_skip_reports_each_failure() -> None:
    result = featurize(["LiCl", "Li2Q", "Fe3O4", LTSOC], preset="full", on_error="skip")
    assert list(result.features.index) == [0, 3]
    assert list(result.features["formula"]) == ["LiCl", LTSOC]
    assert result.features.shape == (2, 186)
    assert not result.features.iloc[:, 1:].isna().all(axis=1).any()
    assert result.n_failed == 2
    assert list(result.failures["row"]) == [1, 2]
    assert result.failures.loc[1, "reason"] == (
        "Fe3O4 is not neutral: the closest assignment (Fe+3, O-2) leaves a charge of +1 "
        "per formula unit"
    )


def test_featurize_raise_names_the_row() -> None:
    with pytest.raises(AnionscreenError, match=r"1 of 2 row\(s\).*row 1 \('Li2Q'\)"):
        featurize(["LiCl", "Li2Q"], preset="magpie")


@pytest.mark.parametrize(
    ("preset", "width"), [("magpie", 132), ("anion", 36), ("full", 185), ("composition", 178)]
)
def test_preset_widths(preset: str, width: int) -> None:
    names = CompositionFeaturizer(preset=preset).fit(["LiCl"]).get_feature_names_out()
    assert len(names) == width


def test_composition_preset_accepts_off_balance_formulas() -> None:
    result = featurize(["Li0.34La0.56TiO3"], preset="composition")
    assert result.n_failed == 0
    with pytest.raises(AnionscreenError, match="not neutral"):
        featurize(["Li0.34La0.56TiO3"], preset="full")


def test_magpie_preset_needs_no_states() -> None:
    # Fe3O4 has no single-valence assignment but Magpie statistics need none.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = featurize(["Fe3O4"], preset="magpie")
    assert result.features.shape == (1, 133)


def test_chunk_rows_that_are_not_compositions_follow_the_policy() -> None:
    chunk = chunk_from_compositions([Composition("LiCl"), Composition("Li3YCl6")])
    fractions = np.vstack([chunk.fractions, np.zeros((1, 118))])
    fractions[0, 2] = np.nan
    bad = CompositionChunk(fractions, np.array(["LiCl", "Li3YCl6", "empty"], dtype=object))
    featurizer = CompositionFeaturizer(preset="magpie").fit(chunk)
    with pytest.raises(AnionscreenError, match=r"2 of 3 row\(s\).*row 2 \('empty'\)"):
        featurizer.transform(bad)
    skipping = CompositionFeaturizer(preset="magpie", on_error="skip").fit(chunk)
    with pytest.warns(UserWarning, match="skipped 2 of 3"):
        values = skipping.transform(bad)
    np.testing.assert_array_equal(values[1], featurizer.transform(["Li3YCl6"])[0])
    assert np.isnan(values[[0, 2]]).all()


def test_threads_and_buffer_reuse_give_identical_features() -> None:
    base = chunk_from_compositions([Composition(LTSOC), Composition("Li3YCl6")])
    n = 20_000  # several blocks of 2,048 rows
    chunk = CompositionChunk(np.tile(base.fractions, (n // 2, 1)), np.tile(base.formulas, n // 2))
    single = CompositionFeaturizer(preset="magpie").fit(chunk)
    expected = single.transform(chunk)
    threaded = CompositionFeaturizer(preset="magpie", n_threads=2).fit(chunk)
    np.testing.assert_array_equal(threaded.transform(chunk), expected)
    buffer = np.full((n + 5, 132), -1.0)
    written = single.transform_into(chunk, buffer)
    assert written.shape == (n, 132)
    assert np.shares_memory(written, buffer)
    np.testing.assert_array_equal(buffer[:n], expected)
    with pytest.raises(AnionscreenError, match=r"out must be a float64 array of shape"):
        single.transform_into(chunk, np.empty((10, 132)))
    with pytest.raises(AnionscreenError, match=r"'n_threads' parameter .* got 0"):
        CompositionFeaturizer(n_threads=0).fit(chunk)


@pytest.mark.parametrize("module", ["composite", "matminer_sets", "anion"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    mod = importlib.import_module(f"anionscreen.descriptors.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_features_ignore_scale_and_row_order() -> None:
    rng = np.random.default_rng(3)
    amounts = np.zeros((300, 118))
    for row in range(300):
        cols = rng.choice(94, size=int(rng.integers(1, 7)), replace=False)
        amounts[row, cols] = rng.integers(1, 30, size=len(cols)) / rng.integers(1, 9)
    featurizer = CompositionFeaturizer(preset="composition").fit(amounts)
    base = featurizer.transform(amounts)
    np.testing.assert_allclose(featurizer.transform(amounts * 7.3), base, rtol=1e-12, atol=1e-15)
    order = rng.permutation(300)
    np.testing.assert_array_equal(featurizer.transform(amounts[order]), base[order])
    magpie = base[:, :132].reshape(300, 22, 6)
    finite = np.isfinite(magpie[:, :, 0])
    assert (magpie[:, :, 0][finite] <= magpie[:, :, 3][finite] + 1e-9).all()  # min <= mean
    assert (magpie[:, :, 3][finite] <= magpie[:, :, 1][finite] + 1e-9).all()  # mean <= max
    assert (magpie[:, :, 4][finite] >= 0).all()  # avg_dev
