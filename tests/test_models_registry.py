"""Model registry: versions, promotion rule, tamper and type checks on load."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from anionscreen.datasets.errors import AnionscreenError, ChecksumError
from anionscreen.datasets.files import sha256_of_file as sha256_file
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TargetModel
from anionscreen.models.training import fit_target


@pytest.fixture(scope="module")
def model() -> TargetModel:
    rng = np.random.default_rng(0)
    n = 40
    fr = np.zeros((n, 118))
    fr[:, [2, 16]] = rng.dirichlet(np.ones(2), size=n)
    y = 3 * fr[:, 2] + rng.normal(scale=0.05, size=n)
    formulas = np.array([f"c{i}" for i in range(n)], dtype=object)
    return fit_target(
        "ea", formulas, y, fr[:, [2, 16]], fractions=fr, preset="test", model_families=("rf",)
    ).model


def _card(mae: float) -> dict[str, Any]:
    return {"family": "rf", "metrics": {"rf": {"mae": mae}}}


def _oof(mae: float, formulas: list[str] | None = None) -> pd.DataFrame:
    """An out-of-fold table whose every prediction is off by ``mae``."""
    names = formulas or [f"Li{i}Cl" for i in range(1, 21)]
    y = np.linspace(-6.0, -2.0, len(names))
    return pd.DataFrame({"formula": names, "y": y, "pred": y + mae})


def _register(reg: ModelRegistry, model: TargetModel, mae: float, **kw: Any) -> Any:
    return reg.register(model, _card(mae), oof=_oof(mae), **kw)


def test_register_promote_rule_and_list(tmp_path: Path, model: TargetModel) -> None:
    reg = ModelRegistry(tmp_path)
    assert reg.current("ea") is None
    first = _register(reg, model, 0.10)
    assert (first.version, first.current, first.reason) == ("ea-0001", True, "first version")
    within = _register(reg, model, 0.101)  # within the 2 % tolerance
    assert within.current
    assert reg.current("ea") == "ea-0002"
    worse = _register(reg, model, 0.2)
    assert worse.version == "ea-0003"
    assert not worse.current
    assert worse.reason == (
        "kept ea-0002 current: worse, out-of-fold MAE 0.200 vs 0.101 of ea-0002 on their 20 "
        "common compositions (use --force to promote anyway)"
    )
    assert reg.current("ea") == "ea-0002"
    forced = _register(reg, model, 0.3, force=True)
    assert forced.current
    assert reg.current("ea") == "ea-0004"
    assert reg.versions("ea") == ["ea-0001", "ea-0002", "ea-0003", "ea-0004"]
    card = reg.card("ea-0003")
    assert card["parent"] == "ea-0002"
    assert card["promoted_on_registration"] is False
    assert card["comparison_with_parent"] == {
        "common_rows": 20, "mae": pytest.approx(0.2), "parent_mae": pytest.approx(0.101),
    }  # fmt: skip
    assert card["artifact_sha256"] == sha256_file(tmp_path / "models/ea/ea-0003/model.skops")
    assert "scikit-learn" in card["packages"]
    reg.promote("ea-0001")
    assert reg.current("ea") == "ea-0001"
    version, loaded = reg.load_current("ea")  # type: ignore[misc]
    x = np.array([[0.5, 0.5]])
    assert version == "ea-0001"
    assert loaded.predict_features(x).value[0] == model.predict_features(x).value[0]


def test_tampered_file_is_refused(tmp_path: Path, model: TargetModel) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    artifact = tmp_path / "models/ea/ea-0001/model.skops"
    data = bytearray(artifact.read_bytes())
    data[-10] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match=r"checksum mismatch for .*model\.skops"):
        reg.load("ea-0001")


def test_foreign_types_are_refused_even_with_matching_hash(
    tmp_path: Path, model: TargetModel
) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    folder = tmp_path / "models/ea/ea-0001"
    # A file that would build a type outside the allowlist, with its card made to match.
    sio.dump({"model": model, "extra": Counter(a=1)}, folder / "model.skops")
    card = json.loads((folder / "card.json").read_text())
    card["artifact_sha256"] = sha256_file(folder / "model.skops")
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(AnionscreenError, match=r"outside the allowlist: collections\.Counter"):
        reg.load("ea-0001")


def test_functions_are_refused_even_from_sklearn(tmp_path: Path, model: TargetModel) -> None:
    from sklearn.datasets import dump_svmlight_file
    from sklearn.preprocessing import FunctionTransformer

    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    folder = tmp_path / "models/ea/ea-0001"
    # An "imputer" that would write a file wherever kw_args say, each time the model predicts.
    writer = FunctionTransformer(func=dump_svmlight_file, kw_args={"y": [0], "f": "x"})
    tampered = copy.deepcopy(model)
    tampered.model.steps[0] = ("impute", writer)
    sio.dump(tampered, folder / "model.skops")
    card = json.loads((folder / "card.json").read_text())
    card["artifact_sha256"] = sha256_file(folder / "model.skops")
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(AnionscreenError, match=r"outside the allowlist: sklearn\.datasets\."):
        reg.load("ea-0001")


def test_bad_version_names(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    with pytest.raises(AnionscreenError, match="'latest' is not a version id"):
        reg.load("latest")
    with pytest.raises(AnionscreenError, match="'ea-0009' does not exist"):
        reg.promote("ea-0009")
    with pytest.raises(AnionscreenError, match="unknown target 'hardness'"):
        reg.versions("hardness")


def test_concurrent_writers_get_distinct_versions(tmp_path: Path, model: TargetModel) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(mae: float) -> str:
        return _register(ModelRegistry(tmp_path), model, mae).version

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = sorted(pool.map(write, [0.1, 0.1, 0.1, 0.1]))
    assert versions == ["ea-0001", "ea-0002", "ea-0003", "ea-0004"]
    parents = sorted(str(ModelRegistry(tmp_path).card(v)["parent"]) for v in versions)
    assert parents == ["None", "ea-0001", "ea-0002", "ea-0003"]


def test_model_file_of_another_format_is_refused_with_a_retrain_hint(
    tmp_path: Path, model: TargetModel
) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    folder = tmp_path / "models/ea/ea-0001"
    card = json.loads((folder / "card.json").read_text())
    del card["model_format"]  # as written before formats were recorded
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(
        AnionscreenError,
        match=r"model ea-0001 was written in model format 0, this anionscreen reads format 2; "
        r"retrain it with `anionscreen train --target ea --force`",
    ):
        reg.load("ea-0001")


def test_damaged_card_is_refused_and_failed_registration_leaves_no_version(
    tmp_path: Path, model: TargetModel
) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    # A registration that fails half-way (here: an out-of-fold table without predictions)
    # leaves neither a version folder nor its staging folder behind.
    with pytest.raises(KeyError):
        reg.register(model, {"family": "rf"}, oof=_oof(0.1).drop(columns=["pred"]))
    assert reg.versions("ea") == ["ea-0001"]
    assert sorted(p.name for p in (tmp_path / "models/ea").iterdir()) == ["CURRENT", "ea-0001"]
    card = tmp_path / "models/ea/ea-0001/card.json"
    card.write_text("{not json")
    with pytest.raises(AnionscreenError, match=r"model card .*card\.json is not valid JSON"):
        reg.load("ea-0001")
    card.unlink()
    with pytest.raises(AnionscreenError, match=r"model version ea-0001 has no card .*card\.json"):
        reg.card("ea-0001")
    card.write_text(json.dumps({"model_format": 2, "target": "ea"}))
    with pytest.raises(AnionscreenError, match="records no artifact_sha256; refusing to load"):
        reg.load("ea-0001")


def test_experiments_stay_out_until_promoted(tmp_path: Path, model: TargetModel) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.3)
    better = _register(reg, model, 0.1, experiment=True)  # better, but data left out on purpose
    assert not better.current
    assert better.reason.startswith("experiment (data left out on purpose)")
    assert reg.current("ea") == "ea-0001"
    assert reg.card(better.version)["experiment"] is True
    promoted = _register(reg, model, 0.5, experiment=True, promote=True)
    assert promoted.current
    assert promoted.reason == "experiment promoted on request (--promote)"


def test_challenger_on_more_data_is_compared_on_the_common_rows(
    tmp_path: Path, model: TargetModel
) -> None:
    reg = ModelRegistry(tmp_path)
    common = [f"Li{i}Cl" for i in range(1, 16)]
    champion = _oof(0.5, common)  # 15 formulas, off by 0.5
    reg.register(model, _card(0.5), oof=champion)
    # 30 formulas: the 15 common ones (two written at another scale) off by 0.3, 15 new
    # ones off by 2.0. Overall MAE 1.15 > 0.5, but like for like it is better.
    scaled = [f"Li{2 * i}Cl{2}" if i < 3 else f"Li{i}Cl" for i in range(1, 16)]
    newer = pd.concat(
        [_oof(0.3, scaled), _oof(2.0, [f"Li{i}Br" for i in range(1, 16)])], ignore_index=True
    )
    challenger = reg.register(model, _card(1.15), oof=newer)
    assert challenger.current
    assert challenger.reason == (
        "not worse: out-of-fold MAE 0.300 vs 0.500 of ea-0001 on their 15 common compositions"
    )
    unrelated = reg.register(model, _card(0.01), oof=_oof(0.01, [f"Na{i}Cl" for i in range(1, 9)]))
    assert not unrelated.current
    assert "only 0 composition(s) in common" in unrelated.reason


# Issue 14: the registry checks target, format and kind on load.


def test_current_sigma_naming_an_ea_model_is_refused(tmp_path: Path, model: TargetModel) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)  # ea-0001
    (tmp_path / "models/sigma").mkdir()
    (tmp_path / "models/sigma/CURRENT").write_text("ea-0001\n")
    with pytest.raises(AnionscreenError) as info:
        reg.load_current("sigma")
    assert str(info.value) == (
        f"{tmp_path}/models/sigma/CURRENT names 'ea-0001', which is not a sigma model version "
        "(versions of sigma: none); make one current with `anionscreen models promote "
        "sigma-NNNN`, or train one"
    )


def test_non_skops_model_file_with_matching_card_hash_is_refused(
    tmp_path: Path, model: TargetModel
) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    folder = tmp_path / "models/ea/ea-0001"
    (folder / "model.skops").write_bytes(b"plain text, not a zip archive\n" * 20)
    card = json.loads((folder / "card.json").read_text())
    card["artifact_sha256"] = sha256_file(folder / "model.skops")
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(AnionscreenError) as info:
        reg.load("ea-0001")
    assert str(info.value) == (
        f"model file {folder}/model.skops is not a readable skops model file (BadZipFile: "
        "File is not a zip file); retrain it (`anionscreen train --target ea`) or make another "
        "version current (`anionscreen models promote ea-NNNN`)"
    )


def test_edited_card_family_is_refused(tmp_path: Path, model: TargetModel) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    path = tmp_path / "models/ea/ea-0001/card.json"
    card = json.loads(path.read_text())
    card["family"] = "zzz"
    path.write_text(json.dumps(card))
    with pytest.raises(AnionscreenError, match=r"gives family 'zzz', which has no validation"):
        reg.card("ea-0001")
    # A family it did validate, but not the one the file holds: refused on load.
    card["family"], card["metrics"]["et"] = "et", {"mae": 0.1}
    path.write_text(json.dumps(card))
    with pytest.raises(AnionscreenError, match=r"its card says family 'et' but the model file"):
        reg.load("ea-0001")


def test_model_checksum_mismatch_says_retrain_not_fetch(tmp_path: Path, model: TargetModel) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    with (tmp_path / "models/ea/ea-0001/model.skops").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(ChecksumError) as info:
        reg.load("ea-0001")
    assert "fetch it again" not in str(info.value)
    assert str(info.value).endswith(
        "The file is corrupt or was changed; retrain it (`anionscreen train --target ea`) or "
        "make another version current (`anionscreen models promote ea-NNNN`)."
    )


def test_forced_registration_over_a_damaged_current_version(
    tmp_path: Path, model: TargetModel
) -> None:
    reg = ModelRegistry(tmp_path)
    _register(reg, model, 0.1)
    (tmp_path / "models/ea/ea-0001/oof.csv").write_text("formula,y,pred\n")
    with pytest.raises(ChecksumError):
        _register(reg, model, 0.1)
    assert reg.versions("ea") == ["ea-0001"]
    forced = _register(reg, model, 0.1, force=True)
    assert (forced.version, forced.current) == ("ea-0002", True)
    assert forced.reason.startswith("forced: ea-0001 could not be read to compare with (")
