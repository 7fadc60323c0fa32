"""When a newly trained model may replace the current one: like for like, and never an experiment.

**Experiments never become current on their own.** A training run that leaves data out on
purpose (``--exclude-formula``, ``--exclude-chemsys``, ``--published-before``, or sources other
than the defaults) answers a question ("would the model have found Li2TaS0.4O0.6Cl5 without
the Ta series?"); it is registered with ``experiment: true`` and becomes current only with
``--promote`` (or ``anionscreen models promote``).

**A challenger is compared with the champion on the same rows.** Every version stores its
grouped out-of-fold predictions (``oof.csv``: each training composition predicted by a model
that did not see its chemical system). The compositions both versions were validated on
(matched at any scale) are the common rows; the challenger becomes current when its
out-of-fold MAE on them is not worse than the champion's by more than :data:`MAE_TOLERANCE`
(relative). This compares what each training recipe and data set predicts for chemistry it
has not seen, on one set of rows: a model trained on 1,450 formulas is no longer judged
against the cross-validation error of one trained on 32 famous conductors. With fewer than
:data:`MIN_COMMON_ROWS` common rows the two are not comparable and the challenger needs
``--force``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from anionscreen.datasets.formula import composition_key

MAE_TOLERANCE = 0.02
MIN_COMMON_ROWS = 10


@dataclass(frozen=True)
class Comparison:
    """Both versions' out-of-fold MAE on their common compositions."""

    rows: int
    challenger_mae: float
    champion_mae: float

    @property
    def comparable(self) -> bool:
        """Enough common rows to decide."""
        return self.rows >= MIN_COMMON_ROWS

    @property
    def not_worse(self) -> bool:
        """The challenger's MAE is within the tolerance of the champion's (or better)."""
        return self.challenger_mae <= self.champion_mae * (1.0 + MAE_TOLERANCE)


def _keyed(oof: pd.DataFrame) -> pd.DataFrame:
    keys = {f: composition_key(str(f)) for f in oof["formula"].unique()}
    out = oof.assign(key=oof["formula"].map(keys))
    return out.groupby("key", sort=True)[["y", "pred"]].mean()


def compare_on_common_rows(challenger: pd.DataFrame, champion: pd.DataFrame) -> Comparison:
    """MAE of each version's out-of-fold predictions on the compositions both hold.

    Both frames have ``formula, y, pred`` (the ``oof.csv`` of a version). Each version is
    scored against its own label of a composition (they agree unless the data changed).
    """
    a, b = _keyed(challenger), _keyed(champion)
    common = a.index.intersection(b.index)
    if len(common) == 0:
        return Comparison(0, float("nan"), float("nan"))
    a, b = a.loc[common], b.loc[common]
    return Comparison(
        rows=len(common),
        challenger_mae=float(np.mean(np.abs(a["pred"] - a["y"]))),
        champion_mae=float(np.mean(np.abs(b["pred"] - b["y"]))),
    )


def decide(
    comparison: Comparison | None,
    *,
    parent: str | None,
    experiment: bool,
    promote: bool = False,
    force: bool = False,
) -> tuple[bool, str]:
    """(becomes current, why): the rule of the module docstring, in words for the model card."""
    if experiment and not promote:
        return False, (
            "experiment (data left out on purpose): registered, not current; "
            "promote it with --promote or `anionscreen models promote`"
        )
    if experiment:
        return True, "experiment promoted on request (--promote)"
    if parent is None or comparison is None:
        return True, "first version"
    if not comparison.comparable:
        if force:
            return True, f"forced: only {comparison.rows} composition(s) in common with {parent}"
        return False, (
            f"kept {parent} current: only {comparison.rows} composition(s) in common, too few "
            f"to compare like for like (at least {MIN_COMMON_ROWS}); use --force to promote"
        )
    numbers = (
        f"out-of-fold MAE {comparison.challenger_mae:.3f} vs {comparison.champion_mae:.3f} "
        f"of {parent} on their {comparison.rows} common compositions"
    )
    if comparison.not_worse:
        return True, f"not worse: {numbers}"
    if force:
        return True, f"forced although worse: {numbers}"
    return False, f"kept {parent} current: worse, {numbers} (use --force to promote anyway)"
