"""``anionscreen.predict``: predictions for a DataFrame of formulas, in one call.

The workspace's current models (trained first when there are none) predict every row; the
answer keeps the input's index and columns and says in ``error`` why a row failed (see
:mod:`anionscreen.descriptors.frames`). For many calls, load the models once with
:meth:`Predictor.from_registry <anionscreen.models.predict.Predictor.from_registry>` and call
its :meth:`~anionscreen.models.predict.Predictor.predict`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import get_settings
from anionscreen.descriptors.batch import check_on_error
from anionscreen.descriptors.frames import read_frame
from anionscreen.models.arrhenius import REFERENCE_C
from anionscreen.models.predict import Predictor


def predict_frame(
    data: Any,
    column: str = "formula",
    *,
    on_error: str = "raise",
    temperature_C: float = REFERENCE_C,  # noqa: N803 (the unit, as in the column names)
    amorphous: bool = False,
    level: float = 0.9,
    workspace: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Predict sigma, Ea and modulus with intervals and the applicability domain, row by row.

    Parameters
    ----------
    data : DataFrame, Series, or list/tuple/1-D array of str or Composition
        With a DataFrame, the formulas are in ``column`` and its other columns are kept.
    column : str, default "formula"
        The column of formulas.
    on_error : {"raise", "skip"}, default "raise"
        ``"skip"`` keeps an unreadable row in its place with NaN predictions and the reason
        in ``error``.
    temperature_C : float, default 25.0
        Temperature of the sigma columns (from sigma(25 C) and Ea by Arrhenius), in C.
    amorphous : bool, default False
        Predict the modulus as measured on the glassy material rather than the crystal.
    level : float, default 0.9
        Level of the intervals (``_lo``/``_hi`` columns).
    workspace : path, optional
        Where the models are (default: ``$ANIONSCREEN_WORKSPACE`` or ``./runs``).
    progress : callable, optional
        Receives a line per step when models must be trained first (e.g. ``print``).

    Returns
    -------
    DataFrame
        The input's index and columns; ``log10_sigma_S_per_cm`` with ``_lo``/``_hi``,
        ``sigma_S_per_cm`` with ``_lo``/``_hi`` (the interval in S/cm), ``sigma_mS_per_cm``,
        ``ea_eV``, ``modulus_GPa`` (each with ``_lo``/``_hi``), ``in_domain`` and the
        per-model domain flags, ``nearest_known``, measured values of known compositions,
        ``model_versions`` (:data:`~anionscreen.models.predict.PREDICTION_COLUMNS`), and
        ``error``.

    Examples
    --------
    >>> import anionscreen as asc  # doctest: +SKIP
    >>> asc.predict(["Li2TaS0.4O0.6Cl5", "Li2Q"], on_error="skip")  # doctest: +SKIP
    """
    # The input and the options are checked before models are loaded (or trained: minutes).
    check_on_error("predict", on_error)
    read_frame(data, column)
    if not 0.0 < level < 1.0:
        raise AnionscreenError(f"level must be in (0, 1), e.g. 0.9; got {level}")
    predictor = Predictor.from_registry(
        get_settings(workspace), level=level, amorphous=amorphous, progress=progress
    )
    return predictor.predict(data, column=column, on_error=on_error, temperature_c=temperature_C)
