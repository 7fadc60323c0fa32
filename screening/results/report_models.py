"""The models behind a run, as its report shows them: card, trust, out-of-fold predictions.

For each model version a run used, the registry of the run's workspace gives the card
(training rows per source, grouped-CV metrics of the model and its baselines, the coverage
curve of its intervals) and ``oof.csv``, the grouped out-of-fold predictions the parity plot
draws (sha256-checked; at most :data:`OOF_POINTS` rows, a random sample when there are more).
A version missing from the registry (a run folder moved to another workspace) is reported as
missing, not skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TARGETS
from anionscreen.models.trust import ModelTrust, model_trust
from anionscreen.screening.run.store import RunFolder, runs_root

#: Rows of a parity plot at most.
OOF_POINTS = 3_000
_SEED = 7


@dataclass(frozen=True)
class ModelPanel:
    """What the report knows about one model version of a run."""

    target: str
    version: str
    card: dict[str, Any] | None = None
    trust: ModelTrust | None = None
    oof: pd.DataFrame | None = None
    oof_total: int = 0
    problems: list[str] = field(default_factory=list)

    def metrics(self) -> pd.DataFrame:
        """Grouped-CV metrics: the chosen model first, then the baselines, one row each."""
        if self.card is None:
            return pd.DataFrame()
        metrics = self.card.get("metrics", {})
        chosen = str(self.card.get("family", ""))
        order = [chosen, *(name for name in metrics if name != chosen)]
        rows = []
        for name in order:
            if name not in metrics:
                continue
            m = metrics[name]
            role = "chosen model" if name == chosen else (
                "baseline" if name in ("mean", "magpie_rf") else "compared family"
            )  # fmt: skip
            rows.append(
                {
                    "model": name,
                    "role": role,
                    "rows": int(m.get("n", 0)),
                    "MAE": m.get("mae"),
                    "RMSE": m.get("rmse"),
                    "Spearman": m.get("spearman"),
                    "90 % coverage": m.get("coverage"),
                    "mean half-width": m.get("mean_halfwidth"),
                }
            )
        return pd.DataFrame(rows)

    def coverage_curve(self) -> pd.DataFrame:
        """Nominal level, observed coverage and mean half-width (from the card)."""
        curve = (self.card or {}).get("coverage_curve") or {}
        if not curve:
            return pd.DataFrame(columns=["level", "coverage", "mean_halfwidth"])
        return pd.DataFrame(
            {k: curve[k] for k in ("level", "coverage", "mean_halfwidth") if k in curve}
        )


def _registry(run: RunFolder) -> ModelRegistry | None:
    workspace = run.path.parent.parent
    return ModelRegistry(workspace) if runs_root(workspace) == run.path.parent else None


def model_panels(run: RunFolder) -> list[ModelPanel]:
    """One panel per model version of the run, in target order (sigma, ea, modulus)."""
    versions = run.info.start.model_versions
    registry = _registry(run)
    panels = []
    order = [*(t for t in TARGETS if t in versions), *(t for t in versions if t not in TARGETS)]
    for target, version in ((t, versions[t]) for t in order):
        if registry is None:
            problem = f"the run folder is not inside a workspace, so {version} cannot be read"
            panels.append(ModelPanel(target, version, problems=[problem]))
            continue
        try:
            card = registry.card(version)
        except AnionscreenError as err:
            panels.append(ModelPanel(target, version, problems=[f"no model card: {err}"]))
            continue
        problems: list[str] = []
        trust = None
        try:
            trust = model_trust(card)
        except (KeyError, TypeError, ValueError) as err:
            problems.append(f"the card of {version} has no usable metrics ({err!r})")
        oof, total = None, 0
        try:
            full = registry.out_of_fold(version)
        except AnionscreenError as err:
            problems.append(f"no out-of-fold predictions: {err}")
        else:
            total = len(full)
            if total > OOF_POINTS:
                rng = np.random.default_rng(_SEED)
                full = full.iloc[np.sort(rng.choice(total, OOF_POINTS, replace=False))]
            oof = full.reset_index(drop=True)
        panels.append(ModelPanel(target, version, card, trust, oof, total, problems))
    return panels
