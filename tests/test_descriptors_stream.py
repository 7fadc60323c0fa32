"""Featurizing straight into a file, chunk by chunk, gives what featurize() gives."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import sha256_of_file
from anionscreen.descriptors.composite import featurize
from anionscreen.descriptors.stream import write_features

# Plain text, glass notation, a Composition, an unknown element, a formula with no neutral
# assignment (full preset) and a missing-value marker, spread over chunks of three rows.
INPUTS: list[object] = [
    "Li2TaS0.4O0.6Cl5", "70Li2S-30P2S5", Composition("Li3InCl6"), "Li2Q", "LiCl2",
    "Li6PS5Cl", "NA", "Li3YCl6", "LiFeO2", "Li2OHCl",
]  # fmt: skip


@pytest.mark.parametrize("chunk_rows", [3, 10_000])
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("preset", ["full", "composition"])
def test_file_equals_featurize(tmp_path: Path, suffix: str, preset: str, chunk_rows: int) -> None:
    expected = featurize(INPUTS, preset=preset, on_error="skip")
    out = tmp_path / f"features{suffix}"
    written = write_features(INPUTS, out, preset=preset, on_error="skip", chunk_rows=chunk_rows)
    if suffix == ".parquet":
        table = pd.read_parquet(out)
    else:
        table = pd.read_csv(out, float_precision="round_trip")
    want = expected.features.rename_axis("row").reset_index()
    assert list(table.columns) == list(want.columns)
    assert table["row"].tolist() == want["row"].tolist()
    assert table["formula"].tolist() == want["formula"].tolist()
    got, values = table.iloc[:, 2:].to_numpy(float), want.iloc[:, 2:].to_numpy(float)
    if chunk_rows >= len(INPUTS):  # one chunk: the very floats featurize() gives
        assert np.array_equal(got, values, equal_nan=True)
    else:
        # The engine's matrix products (BLAS) may round the last bit differently for blocks
        # of other heights; 16,384-row chunks cut the input where featurize's blocks do.
        np.testing.assert_allclose(got, values, rtol=1e-13, atol=0)
    pd.testing.assert_frame_equal(written.failures, expected.failures)
    assert (written.n_rows, written.n_written) == (len(INPUTS), len(want))
    assert written.n_features == len(want.columns) - 2


def test_raise_gives_featurize_message_and_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "features.parquet"
    write_features(["LiCl"], out, preset="magpie")
    before = sha256_of_file(out)
    with pytest.raises(AnionscreenError) as expected:
        featurize(INPUTS, preset="magpie")
    with pytest.raises(AnionscreenError) as got:
        write_features(INPUTS, out, preset="magpie", chunk_rows=4)
    assert str(got.value) == str(expected.value)
    assert "row 3 ('Li2Q'): cannot read formula 'Li2Q': unknown element 'Q'" in str(got.value)
    assert sha256_of_file(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features.parquet"]


def test_empty_input_and_bad_arguments(tmp_path: Path) -> None:
    out = tmp_path / "empty.parquet"
    written = write_features([], out, preset="magpie")
    assert written.n_written == 0
    assert pd.read_parquet(out).columns[:2].tolist() == ["row", "formula"]
    with pytest.raises(AnionscreenError, match=re.escape("--out must end in .csv or .parquet")):
        write_features(["LiCl"], tmp_path / "x.txt")
    with pytest.raises(AnionscreenError, match="chunk_rows must be a positive integer; got 0"):
        write_features(["LiCl"], out, chunk_rows=0)
