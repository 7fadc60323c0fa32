"""DataFrames in, DataFrames out: ``anionscreen.featurize`` and the row alignment it shares.

A notebook passes a DataFrame with a column of formulas (``column``), a Series, or a list,
tuple or 1-D array of formula strings or pymatgen ``Composition`` objects. The answer is a
DataFrame that keeps the input's index and its other columns, row for row:

* the formula column as text (a ``Composition`` is echoed as its formula, elements in its
  own order: ``Li2TaS0.4O0.6Cl5``, not ``'Li2 Ta1 S0.4 O0.6 Cl5'``);
* the result columns (descriptors here; predictions in
  :meth:`anionscreen.models.predict.Predictor.predict`);
* ``error``: missing (None) where the row worked, else why it did not. Under
  ``on_error="skip"`` a failed row stays in its place with NaN results; under
  ``on_error="raise"`` (the default) the first failures raise :class:`AnionscreenError`,
  naming the rows by their index labels.

:func:`read_frame` and :func:`join_results` are the two halves every such function uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import format_amount
from anionscreen.descriptors.batch import check_on_error
from anionscreen.descriptors.composite import featurize
from anionscreen.descriptors.inputs import RowFailure
from anionscreen.descriptors.names import feature_names

#: The column that says why a row failed (missing where it worked).
ERROR_COLUMN = "error"


def composition_text(comp: Composition) -> str:
    """A Composition as a formula, elements in its own order, no ``1`` amounts.

    >>> composition_text(Composition({"Li": 2, "Ta": 1, "S": 0.4, "O": 0.6, "Cl": 5}))
    'Li2TaS0.4O0.6Cl5'
    """
    return "".join(f"{el}{format_amount(float(amt))}" for el, amt in comp.items())


@dataclass(frozen=True)
class FrameInput:
    """What a frame function was given, read once.

    Attributes
    ----------
    frame : DataFrame
        The input's columns and index; the formula column holds text (Compositions echoed).
    column : str
        The name of the formula column.
    items : list
        The formula column's entries as given (strings, Compositions, or anything else, which
        then fails with its reason), by position.
    """

    frame: pd.DataFrame
    column: str
    items: list[Any]

    @property
    def texts(self) -> np.ndarray:
        """The formula column as an object array, by position."""
        return np.asarray(self.frame[self.column].to_numpy(), dtype=object)


def _as_text(item: Any) -> Any:
    return composition_text(item) if isinstance(item, Composition) else item


def read_frame(data: Any, column: str = "formula") -> FrameInput:
    """Read a DataFrame (formulas in ``column``), Series, list, tuple or 1-D array.

    Raises
    ------
    AnionscreenError
        For a DataFrame without ``column``, a single formula or Composition (not in a
        list), or an input of another type.
    """
    if not isinstance(column, str):
        raise AnionscreenError(f"column must be a column name (str); got {column!r}")
    if isinstance(data, str | Composition):
        raise AnionscreenError(
            f"expected formulas in a DataFrame, Series or list; got a single "
            f"{type(data).__name__} {str(data)!r} (wrap it in a list)"
        )
    if isinstance(data, pd.DataFrame):
        if column not in data.columns:
            raise AnionscreenError(
                f"the DataFrame has no column {column!r} (pass column=...); its columns are "
                f"{list(data.columns)}"
            )
        frame = data.copy(deep=False)
    elif isinstance(data, pd.Series):
        frame = pd.DataFrame({column: data.to_numpy(dtype=object)}, index=data.index)
    elif isinstance(data, list | tuple) or (isinstance(data, np.ndarray) and data.ndim == 1):
        frame = pd.DataFrame({column: pd.Series(list(data), dtype=object)})
    else:
        raise AnionscreenError(
            "expected a DataFrame with a column of formulas, a Series, or a list of formula "
            f"strings or pymatgen Compositions; got {type(data).__name__}"
        )
    items = list(frame[column].to_numpy(dtype=object))
    frame[column] = pd.Series([_as_text(item) for item in items], index=frame.index, dtype=object)
    return FrameInput(frame=frame, column=column, items=items)


def _failure_message(source: FrameInput, failures: Sequence[RowFailure], limit: int = 3) -> str:
    labels = source.frame.index
    shown = "; ".join(
        f"row {labels[f.row]!r} ({source.texts[f.row]!r}): {f.reason}" for f in failures[:limit]
    )
    more = f"; and {len(failures) - limit} more" if len(failures) > limit else ""
    return f"{len(failures)} of {len(source.frame)} row(s) failed: {shown}{more}"


def join_results(
    source: FrameInput,
    values: pd.DataFrame,
    failures: Sequence[RowFailure],
    on_error: str,
) -> pd.DataFrame:
    """The input frame with ``values`` (indexed by input position) and ``error`` beside it.

    Rows missing from ``values`` (the failed ones) get NaN, False in boolean columns.

    Raises
    ------
    AnionscreenError
        Under ``on_error="raise"`` when any row failed; when the input already has a column
        of the result's name (rename or drop it first: nothing is overwritten).
    """
    if failures and on_error == "raise":
        raise AnionscreenError(_failure_message(source, failures))
    names = [*values.columns, ERROR_COLUMN]
    clash = [name for name in names if name in source.frame.columns and name != source.column]
    if clash:
        raise AnionscreenError(
            f"the input already has column(s) {clash}, which the result would overwrite; "
            "rename or drop them first"
        )
    n = len(source.frame)
    aligned = values.reindex(pd.RangeIndex(n))
    for name, dtype in values.dtypes.items():
        if dtype == np.dtype(bool):  # reindexing made it object with NaN: a failed row is False
            flags = np.zeros(n, dtype=bool)
            flags[values.index.to_numpy(dtype=np.int64)] = values[name].to_numpy()
            aligned[name] = flags
    errors = np.full(n, None, dtype=object)
    for failure in failures:
        errors[failure.row] = failure.reason
    aligned[ERROR_COLUMN] = errors
    # Positions, not labels, join the two: the input's index may repeat labels.
    out = pd.concat([source.frame.reset_index(drop=True), aligned], axis=1)
    out.index = source.frame.index
    return out


def featurize_frame(
    data: Any,
    column: str = "formula",
    *,
    on_error: str = "raise",
    preset: str = "full",
    names: str = "anionscreen",
) -> pd.DataFrame:
    """Descriptors of every row of a DataFrame (or list of formulas), beside its columns.

    Parameters
    ----------
    data : DataFrame, Series, or list/tuple/1-D array of str or Composition
        With a DataFrame, the formulas are in ``column``; its other columns are kept.
    column : str, default "formula"
        The column of formulas (the name the formula column has in the result).
    on_error : {"raise", "skip"}, default "raise"
        ``"skip"`` keeps a row that cannot be featurized (unreadable formula, no neutral
        oxidation states for the state-based sets) with NaN features and the reason in
        ``error``.
    preset : {"full", "composition", "magpie", "anion"}, default "full"
        See :data:`anionscreen.descriptors.composite.PRESETS`.
    names : {"anionscreen", "matminer"}, default "anionscreen"
        Descriptor column names: ``"magpie mean Number"`` or matminer's
        ``"MagpieData mean Number"`` (see :mod:`anionscreen.descriptors.names`).

    Returns
    -------
    DataFrame
        The input's index and columns, the descriptor columns, and ``error``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"formula": ["LiCl", "Li2Q"], "batch": [1, 2]}, index=["a", "b"])
    >>> out = featurize_frame(frame, on_error="skip", preset="magpie", names="matminer")
    >>> out.loc["a", "MagpieData mean Number"], out.loc["b", "error"]
    (10.0, "cannot read formula 'Li2Q': unknown element 'Q'")
    >>> list(out.columns[:2]), out.shape
    (['formula', 'batch'], (2, 135))
    """
    check_on_error("featurize", on_error)
    feature_names([], names)  # an unknown style fails before any work
    source = read_frame(data, column)
    result = featurize(source.items, preset=preset, on_error="skip")
    values = result.features.drop(columns="formula")
    values.columns = pd.Index(feature_names(list(values.columns), names))
    failures = [
        RowFailure(int(row), str(text), str(reason))
        for row, text, reason in result.failures.itertuples(index=False)
    ]
    return join_results(source, values, failures, on_error)
