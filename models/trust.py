"""How far to trust each model, in words and numbers, wherever its predictions are used.

Every model card holds its grouped cross-validation: the error of the chosen model on chemical
systems it did not see, its rank correlation, the coverage of its 90 % intervals and the same
figures for the baselines fitted on the same folds (the training mean, scikit-learn's default
random forest on Magpie descriptors). :func:`model_trust` turns a card into a
:class:`ModelTrust` that ``screen``, ``predict`` and the report print, with a plain warning when
the model does not beat a baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from anionscreen.models.target_model import ERROR_UNITS


@dataclass(frozen=True)
class ModelTrust:
    """The validation figures of one model version."""

    target: str
    version: str
    rows: int
    family: str
    mae: float
    spearman: float
    coverage: float
    halfwidth: float
    baselines: dict[str, float] = field(default_factory=dict)  # name -> grouped-CV MAE
    measured_rows: int = 0
    measured_mae: float = math.nan
    experiment: bool = False

    @property
    def unit(self) -> str:
        """Unit of the errors."""
        return ERROR_UNITS[self.target]

    def warnings(self) -> list[str]:
        """Plain warnings: no better than a baseline, or resting on few measured values."""
        out = []
        mean = self.baselines.get("mean")
        if mean is not None and not self.mae < mean:
            out.append(
                f"WARNING: the {self.target} model does not beat the mean predictor under grouped "
                f"CV ({self.mae:.3f} vs {mean:.3f} {self.unit}): for unseen chemistry its "
                "predictions are no better than the training average"
            )
        magpie = self.baselines.get("magpie_rf")
        if magpie is not None and magpie < self.mae:
            out.append(
                f"note: the Magpie random-forest baseline does better than the {self.target} "
                f"model under the same grouped CV ({magpie:.3f} vs {self.mae:.3f} {self.unit})"
            )
        if self.target == "modulus" and 0 < self.measured_rows < 25:
            out.append(
                f"note: the measured-modulus map rests on {self.measured_rows} measured moduli "
                f"(leave-one-out MAE {self.measured_mae:.2f} log10 GPa); treat moduli as rough"
            )
        if self.experiment:
            out.append(f"note: {self.version} is an experiment (data left out on purpose)")
        return out

    def line(self) -> str:
        """One line: rows, grouped-CV MAE with unit, Spearman, coverage, baselines."""
        base = ", ".join(f"{name} {mae:.3f}" for name, mae in self.baselines.items())
        text = (
            f"{self.version} ({self.family}, {self.rows} training formulas): grouped-CV MAE "
            f"{self.mae:.3f} {self.unit}, Spearman {self.spearman:.2f}, 90 % interval coverage "
            f"{self.coverage:.2f} (mean half-width {self.halfwidth:.2f}); baselines: {base}"
        )
        if self.measured_rows:
            text += (
                f"; as measured: {self.measured_rows} moduli, leave-one-out MAE "
                f"{self.measured_mae:.2f} log10 GPa"
            )
        return text


def model_trust(card: dict[str, Any]) -> ModelTrust:
    """The trust figures of a model card (see :mod:`anionscreen.models.registry`)."""
    metrics = card["metrics"]
    chosen = metrics[card["family"]]
    validation = card.get("validation", {})
    measured_mae = validation.get("measured_loo_mae")
    return ModelTrust(
        target=str(card["target"]),
        version=str(card["version"]),
        rows=int(card.get("data_report", {}).get("rows", chosen.get("n", 0))),
        family=str(card["family"]),
        mae=float(chosen["mae"]),
        spearman=float(chosen.get("spearman", math.nan)),
        coverage=float(chosen.get("coverage", math.nan)),
        halfwidth=float(chosen.get("mean_halfwidth", math.nan)),
        baselines={k: float(metrics[k]["mae"]) for k in ("mean", "magpie_rf") if k in metrics},
        measured_rows=int(validation.get("measured_rows") or 0),
        measured_mae=math.nan if measured_mae is None else float(measured_mae),
        experiment=bool(card.get("experiment", False)),
    )
