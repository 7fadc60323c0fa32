"""A registered model's files before use: a skops file of allowed types, a card true to its version.

The card records the sha256 of ``model.skops`` (checked by the registry first). This module
then lets skops list the types the file would build and refuses any type outside an allowlist
(scikit-learn *classes*, numpy's dtype and anionscreen's model classes) before loading: no file
in the registry can run arbitrary code on load. Functions are refused even from scikit-learn: a
model holding a ``FunctionTransformer(func=sklearn.datasets.dump_svmlight_file)`` would write
files when it predicts. A file skops cannot read (not a zip archive, a damaged one) is one clear
error, as is a card that does not describe its own version (another target, an edited family).
"""

from __future__ import annotations

import importlib
import inspect
import json
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio

from anionscreen.datasets.errors import AnionscreenError

_TRUSTED_EXACT = frozenset(
    {
        "numpy.dtype",
        "anionscreen.models.target_model.TargetModel",
        "anionscreen.models.conformal.NormalizedConformal",
        "anionscreen.models.domain.ApplicabilityDomain",
        "anionscreen.models.known.KnownCompounds",
        "anionscreen.models.measured.MeasuredModulusMap",
    }
)


def retrain_hint(version: str) -> str:
    """What to do about a damaged model version: retrain, or make another one current."""
    target = version.rsplit("-", 1)[0]
    return (
        f"retrain it (`anionscreen train --target {target}`) or make another version current "
        f"(`anionscreen models promote {target}-NNNN`)"
    )


def check_card(card: dict[str, Any], version: str, path: Path) -> None:
    """Refuse a card that does not describe its own version (target, version id, family)."""
    target = version.rsplit("-", 1)[0]
    problems = []
    if card.get("target", target) != target:
        problems.append(f"target {card.get('target')!r} (its folder is a {target} version)")
    if card.get("version", version) != version:
        problems.append(f"version {card.get('version')!r} (its folder is {version})")
    metrics = card.get("metrics")
    if isinstance(metrics, dict) and card.get("family") not in metrics:
        problems.append(
            f"family {card.get('family')!r}, which has no validation metrics (families "
            f"validated: {', '.join(map(str, metrics))})"
        )
    if problems:
        raise AnionscreenError(
            f"model card {path} does not describe {version}: it gives {'; '.join(problems)}. "
            f"The card was edited or damaged; restore it, or {retrain_hint(version)}"
        )


def load_skops(artifact: Path, version: str) -> Any:
    """The object in a skops file, after refusing any type outside the allowlist."""
    try:
        untrusted = sio.get_untrusted_types(file=artifact)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError) as err:
        # A file that is not a skops archive (or not one skops can read) but has the sha256
        # the card records: the card was made to match, or skops changed its format.
        raise AnionscreenError(
            f"model file {artifact} is not a readable skops model file "
            f"({type(err).__name__}: {err}); {retrain_hint(version)}"
        ) from None
    refused = [t for t in untrusted if not _is_trusted(t)]
    if refused:
        raise AnionscreenError(
            f"model file {artifact} would build types outside the allowlist: "
            f"{', '.join(sorted(refused))}; refusing to load it"
        )
    try:
        return sio.load(artifact, trusted=untrusted)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as err:
        raise AnionscreenError(
            f"model file {artifact} cannot be loaded ({type(err).__name__}: {err}); "
            f"{retrain_hint(version)}"
        ) from None


def _is_trusted(type_name: str) -> bool:
    """The project's model classes, numpy's dtype, and classes (not functions) of scikit-learn."""
    if type_name in _TRUSTED_EXACT:
        return True
    if not type_name.startswith("sklearn."):
        return False
    module, _, attribute = type_name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return False
    return inspect.isclass(found)
