"""The notebook API: ``import anionscreen as asc``; ``asc.featurize`` on DataFrames.

``asc.predict`` needs trained models and is tested beside them (tests/test_models_workflow.py).
"""

from __future__ import annotations

import importlib.metadata
import warnings

import numpy as np
import pandas as pd
import pytest
from matminer.featurizers.composition import (
    ElementProperty,
    IonProperty,
    Stoichiometry,
    ValenceOrbital,
)
from pymatgen.core.composition import Composition

import anionscreen as asc
from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.composite import CompositionFeaturizer, featurize
from anionscreen.descriptors.frames import composition_text, featurize_frame
from anionscreen.descriptors.names import feature_names, matminer_name


def test_the_front_gives_the_version_and_the_dataframe_functions() -> None:
    from anionscreen.models.frames import predict_frame

    assert asc.__version__ == importlib.metadata.version("anionscreen")
    assert asc.featurize is featurize_frame
    assert asc.predict is predict_frame
    assert {"featurize", "predict", "run_campaign", "open_run"} <= set(dir(asc))


def test_featurize_keeps_the_index_and_columns_and_skips_a_bad_row() -> None:
    frame = pd.DataFrame(
        {"formula": ["LiCl", "Li2Q", "Li3YCl6"], "batch": ["b1", "b2", "b3"]},
        index=pd.Index([30, 10, 20], name="sample"),
    )
    out = asc.featurize(frame, column="formula", on_error="skip", preset="magpie")
    assert out.index.equals(frame.index)
    assert list(out.columns[:2]) == ["formula", "batch"]
    assert out.columns[-1] == "error"
    assert out.shape == (3, 2 + 132 + 1)
    assert out["batch"].tolist() == ["b1", "b2", "b3"]
    assert out["error"].tolist() == [None, "cannot read formula 'Li2Q': unknown element 'Q'", None]
    assert out.loc[10, "magpie mean Number"] != out.loc[10, "magpie mean Number"]  # NaN
    expected = featurize(["LiCl", "Li3YCl6"], preset="magpie").features
    np.testing.assert_array_equal(
        out.loc[[30, 20]].iloc[:, 2:-1].to_numpy(float), expected.iloc[:, 1:].to_numpy(float)
    )
    # the input is not changed
    assert frame.columns.tolist() == ["formula", "batch"]


def test_featurize_raises_naming_the_rows_by_their_labels() -> None:
    frame = pd.DataFrame({"f": ["LiCl", "Li2Q", None]}, index=["a", "b", "c"])
    with pytest.raises(AnionscreenError) as err:
        asc.featurize(frame, column="f", preset="magpie")
    assert str(err.value) == (
        "2 of 3 row(s) failed: row 'b' ('Li2Q'): cannot read formula 'Li2Q': unknown element "
        "'Q'; row 'c' (None): expected a formula string or a pymatgen Composition; got "
        "NoneType None"
    )


def test_featurize_takes_lists_series_and_compositions() -> None:
    comp = Composition({"Li": 2, "Ta": 1, "S": 0.4, "O": 0.6, "Cl": 5})
    from_list = asc.featurize([comp, "LiCl"], preset="anion")
    # A Composition is echoed as a formula in its own element order, without "1"s.
    assert from_list["formula"].tolist() == ["Li2TaS0.4O0.6Cl5", "LiCl"]
    assert composition_text(Composition("LiCl")) == "LiCl"
    from_text = asc.featurize(["Li2TaS0.4O0.6Cl5", "LiCl"], preset="anion")
    pd.testing.assert_frame_equal(from_list, from_text)
    series = pd.Series(["LiCl"], index=pd.Index(["x"], name="id"))
    out = asc.featurize(series, column="composition", preset="anion")
    assert out.index.equals(series.index)
    assert out.columns[0] == "composition"
    assert out.loc["x", "anion share Cl"] == 1.0
    empty = asc.featurize(pd.DataFrame({"formula": []}), preset="anion")
    assert empty.shape == (0, 1 + 36 + 1)


def test_featurize_keeps_repeated_index_labels_in_place() -> None:
    frame = pd.DataFrame({"formula": ["LiCl", "LiBr", "Li2Q"]}, index=[1, 1, 1])
    out = asc.featurize(frame, on_error="skip", preset="magpie")
    assert out.index.tolist() == [1, 1, 1]
    assert out["formula"].tolist() == ["LiCl", "LiBr", "Li2Q"]
    assert out["error"].notna().tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: asc.featurize(pd.DataFrame({"f": ["LiCl"]})), "has no column 'formula'"),
        (lambda: asc.featurize("LiCl"), "got a single str 'LiCl' (wrap it in a list)"),
        (lambda: asc.featurize({"LiCl": 1}), "got dict"),
        (lambda: asc.featurize(["LiCl"], names="pymatgen"), "names must be one of"),
        (lambda: asc.featurize(["LiCl"], on_error="ignore"), "'on_error' parameter of"),
        (
            lambda: asc.featurize(
                pd.DataFrame({"formula": ["LiCl"], "error": [1]}), preset="magpie"
            ),
            "the input already has column(s) ['error'], which the result would overwrite",
        ),
    ],
)
def test_featurize_refuses_what_it_cannot_read(call: object, message: str) -> None:
    with pytest.raises(AnionscreenError) as err:
        call()  # type: ignore[operator]
    assert message in str(err.value)


def _matminer_labels() -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matminer's deprecation notices
        return [
            *ElementProperty.from_preset("magpie", impute_nan=False).feature_labels(),
            *Stoichiometry().feature_labels(),
            *ValenceOrbital(impute_nan=False).feature_labels(),
            *IonProperty(fast=True).feature_labels(),
        ]


def test_matminer_names_are_the_installed_matminers_labels() -> None:
    ours = CompositionFeaturizer(preset="full").fit(["LiCl"]).get_feature_names_out()
    matminer_sets = list(ours[: 132 + 6 + 8 + 3])  # magpie, stoichiometry, valence, ion
    assert feature_names(matminer_sets, "matminer") == _matminer_labels()
    # the mixed-anion sets have no matminer counterpart and keep their names
    assert matminer_name("anion share Cl") == "anion share Cl"
    assert matminer_name("fraction Li") == "Li"  # ElementFraction's label
    out = asc.featurize(["Li2TaS0.4O0.6Cl5"], names="matminer")
    assert out.columns[1:150].tolist() == _matminer_labels()
    same = asc.featurize(["Li2TaS0.4O0.6Cl5"])
    np.testing.assert_array_equal(
        out.iloc[:, 1:-1].to_numpy(float), same.iloc[:, 1:-1].to_numpy(float)
    )
