"""Versioned model registry in the workspace.

Layout::

    <workspace>/models/<target>/<target>-0003/model.skops   the TargetModel (skops format)
    <workspace>/models/<target>/<target>-0003/card.json     what it is (see below)
    <workspace>/models/<target>/CURRENT                     the current version id
    <workspace>/models/.lock                                one writer at a time (filelock)

The card records the version, parent version, creation time, the sha256 of ``model.skops``,
the hash of the training data, the sources and row counts, package versions, the validation
metrics and the training settings. Loading checks the card (it must describe its own version:
target, version id, a family it validated), the model format and the sha256 of the file (a
changed file is refused with :class:`~anionscreen.datasets.errors.ChecksumError`, which says to
retrain), then reads the file through :mod:`anionscreen.models.artifacts` (only allowlisted
types, no arbitrary code), and checks that it holds a model of the card's target and family.
A ``CURRENT`` pointer that names another target's version is refused.

Each version also keeps ``oof.csv``, its grouped out-of-fold predictions (sha256 in the card).
Whether a new version becomes current is decided by :mod:`anionscreen.models.promotion`:
experiments (data left out on purpose) only on request, other versions when they are not worse
than the current one on the compositions both were validated on.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import skops.io as sio
from filelock import FileLock

from anionscreen.datasets.errors import AnionscreenError, ChecksumError
from anionscreen.datasets.files import atomic_write_bytes, sha256_of_bytes, writable_folder
from anionscreen.datasets.files import package_versions as installed_versions
from anionscreen.datasets.files import sha256_of_file as sha256_file
from anionscreen.models.artifacts import check_card, load_skops, retrain_hint
from anionscreen.models.promotion import compare_on_common_rows, decide
from anionscreen.models.target_model import TARGETS, TargetModel

#: Layout of the objects inside a model file; bump it whenever TargetModel or the estimators it
#: holds change shape, so an older file is refused with a message instead of failing mid-run.
MODEL_FORMAT = 2
OOF_FILE = "oof.csv"
_VERSION = re.compile(r"^(sigma|ea|modulus)-(\d{4,})$")
_PACKAGES = ("anionscreen", "scikit-learn", "numpy", "scipy", "pandas", "skops")


@dataclass(frozen=True)
class Registered:
    """Outcome of registering a version."""

    version: str
    current: bool
    reason: str


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a model file depends on."""
    return installed_versions(_PACKAGES)


class ModelRegistry:
    """Model versions of one workspace.

    Parameters
    ----------
    workspace : Path
        The workspace folder (``Settings.workspace``).
    """

    def __init__(self, workspace: Path) -> None:
        self.root = Path(workspace) / "models"

    def _lock(self) -> FileLock:
        writable_folder(self.root, "model registry")
        return FileLock(str(self.root / ".lock"), timeout=120)

    def _target_dir(self, target: str) -> Path:
        if target not in TARGETS:
            raise AnionscreenError(f"unknown target {target!r}; expected one of {TARGETS}")
        return self.root / target

    def versions(self, target: str) -> list[str]:
        """Version ids of ``target``, oldest first."""
        folder = self._target_dir(target)
        if not folder.is_dir():
            return []
        found = [p.name for p in folder.iterdir() if p.is_dir() and _VERSION.match(p.name)]
        return sorted(found, key=lambda v: int(v.rsplit("-", 1)[1]))

    def current(self, target: str) -> str | None:
        """The current version id of ``target``, or None when there is none.

        A ``CURRENT`` pointer naming anything but a version of ``target`` (``ea-0001`` as the
        current sigma model) is refused: that model's values would be read as the wrong
        quantity.
        """
        pointer = self._target_dir(target) / "CURRENT"
        if not pointer.is_file():
            return None
        try:
            version = pointer.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            version = "(not text)"
        if not version:
            return None
        match = _VERSION.match(version)
        if match is None or match.group(1) != target:
            known = ", ".join(self.versions(target)) or "none"
            raise AnionscreenError(
                f"{pointer} names {version!r}, which is not a {target} model version "
                f"(versions of {target}: {known}); make one current with "
                f"`anionscreen models promote {target}-NNNN`, or train one"
            )
        return version

    def card(self, version: str) -> dict[str, Any]:
        """The card of a version (a missing or unreadable card is refused with its path)."""
        path = self._version_dir(version) / "card.json"
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AnionscreenError(
                f"model version {version} has no card {path}; the version is incomplete or "
                "damaged: train a new one"
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise AnionscreenError(
                f"model card {path} is not valid JSON ({err}); the version is damaged: "
                "train a new one"
            ) from None
        if not isinstance(result, dict):
            raise AnionscreenError(
                f"model card {path} holds a {type(result).__name__}, expected a JSON object"
            )
        check_card(result, version, path)
        return result

    def _version_dir(self, version: str) -> Path:
        match = _VERSION.match(version)
        if match is None:
            raise AnionscreenError(
                f"model version {version!r} is not a version id; expected e.g. 'sigma-0001'"
            )
        folder = self._target_dir(match.group(1)) / version
        if not folder.is_dir():
            raise AnionscreenError(f"model version {version!r} does not exist in {self.root}")
        return folder

    def register(
        self,
        model: TargetModel,
        card: dict[str, Any],
        *,
        oof: pd.DataFrame,
        experiment: bool = False,
        promote: bool = False,
        force: bool = False,
    ) -> Registered:
        """Store a new version of ``model.target`` with its out-of-fold table ``oof``
        (``formula, y, pred, ...``); make it current by the promotion rule, or when forced."""
        target = model.target
        with self._lock():
            existing = self.versions(target)
            number = int(existing[-1].rsplit("-", 1)[1]) + 1 if existing else 1
            version = f"{target}-{number:04d}"
            folder = self._target_dir(target) / version
            # Written under a name versions() does not list, then renamed: an interrupted
            # registration leaves no version folder without its card.
            staging = folder.with_name(f".{version}.partial")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            try:
                registered = self._write_version(
                    model, card, oof, staging, version,
                    experiment=experiment, promote=promote, force=force,
                )  # fmt: skip
                staging.rename(folder)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            if registered.current:
                self._set_current(target, version)
            return registered

    def _write_version(
        self,
        model: TargetModel,
        card: dict[str, Any],
        oof: pd.DataFrame,
        folder: Path,
        version: str,
        *,
        experiment: bool,
        promote: bool,
        force: bool,
    ) -> Registered:
        """Write the artifact, out-of-fold table and card of ``version``; decide promotion."""
        target = model.target
        artifact = folder / "model.skops"
        # Deflate: tree arrays compress 3-8x.
        sio.dump(model, artifact, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        oof_bytes = oof.to_csv(index=False, lineterminator="\n").encode("utf-8")
        atomic_write_bytes(folder / OOF_FILE, oof_bytes)
        parent = self.current(target)
        comparison = None
        unreadable = ""
        if parent is not None:
            try:
                parent_oof = self.out_of_fold(parent)
            except AnionscreenError as err:
                if not force:
                    raise
                unreadable = str(err)  # forced: a damaged parent is no reason to stay stuck
            else:
                comparison = compare_on_common_rows(oof, parent_oof)
        current, reason = decide(
            comparison, parent=parent, experiment=experiment, promote=promote, force=force
        )
        if unreadable and (promote or not experiment):
            reason = f"forced: {parent} could not be read to compare with ({unreadable})"
        full = {
            **card,
            "version": version,
            "target": target,
            "parent": parent,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "artifact_sha256": sha256_file(artifact),
            "oof_sha256": sha256_of_bytes(oof_bytes),
            "packages": package_versions(),
            "model_format": MODEL_FORMAT,
            "experiment": experiment,
            "promoted_on_registration": current,
            "promotion_reason": reason,
        }
        if comparison is not None:
            full["comparison_with_parent"] = {
                "common_rows": comparison.rows,
                "mae": comparison.challenger_mae,
                "parent_mae": comparison.champion_mae,
            }
        atomic_write_bytes(
            folder / "card.json",
            json.dumps(full, indent=2, sort_keys=True, default=str).encode("utf-8"),
        )
        return Registered(version=version, current=current, reason=reason)

    def out_of_fold(self, version: str) -> pd.DataFrame:
        """The grouped out-of-fold predictions a version was validated with (sha256-checked)."""
        folder = self._version_dir(version)
        path = folder / OOF_FILE
        expected = self.card(version).get("oof_sha256")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise AnionscreenError(
                f"model version {version} has no {OOF_FILE}; it cannot be compared with a new "
                "version: train a new one"
            ) from None
        if expected is None or sha256_of_bytes(data) != expected:
            raise ChecksumError(
                str(path), str(expected), sha256_of_bytes(data), remedy=retrain_hint(version)
            )
        return pd.read_csv(io.BytesIO(data), dtype={"formula": str})

    def promote(self, version: str) -> None:
        """Make ``version`` current (after verifying its file)."""
        with self._lock():
            self.load(version)
            self._set_current(version.rsplit("-", 1)[0], version)

    def _set_current(self, target: str, version: str) -> None:
        atomic_write_bytes(self._target_dir(target) / "CURRENT", (version + "\n").encode())

    def load(self, version: str) -> TargetModel:
        """Load a version after checking its sha256 and the types the file would build."""
        folder = self._version_dir(version)
        artifact = folder / "model.skops"
        card = self.card(version)
        if card.get("model_format") != MODEL_FORMAT:
            raise AnionscreenError(
                f"model {version} was written in model format {card.get('model_format', 0)}, "
                f"this anionscreen reads format {MODEL_FORMAT}; retrain it with "
                f"`anionscreen train --target {card.get('target', version.rsplit('-', 1)[0])} --force`"
            )
        if "artifact_sha256" not in card:
            raise AnionscreenError(
                f"model card of {version} records no artifact_sha256; refusing to load "
                f"{artifact} unverified"
            )
        expected = str(card["artifact_sha256"])
        try:
            actual = sha256_file(artifact)
        except FileNotFoundError:
            raise AnionscreenError(
                f"model version {version} has no model file {artifact}; {retrain_hint(version)}"
            ) from None
        if actual != expected:
            raise ChecksumError(str(artifact), expected, actual, remedy=retrain_hint(version))
        model = load_skops(artifact, version)
        if not isinstance(model, TargetModel):
            raise AnionscreenError(
                f"model file {artifact} holds a {type(model).__name__}, not a TargetModel"
            )
        # The file is what its card says: a model of this target, of the recorded family.
        for field, held in (("target", model.target), ("family", model.family)):
            if card.get(field) != held:
                raise AnionscreenError(
                    f"model {version}: its card says {field} {card.get(field)!r} but the model "
                    f"file holds a {held!r} model; the card was edited or mixed up with "
                    f"another version's. {retrain_hint(version)}"
                )
        return model

    def load_current(self, target: str) -> tuple[str, TargetModel] | None:
        """The current version id and model of ``target``, or None when there is none."""
        version = self.current(target)
        if version is None:
            return None
        return version, self.load(version)
