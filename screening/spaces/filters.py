"""Optional candidate filters of a search space, applied to whole chunks with numpy.

Written in a space as a ``filters`` table::

    filters = { forbidden_elements = ["Hf"], max_elements = 5,
                electronegativity_order = true, min_li_fraction = 0.1 }

* ``allowed_elements``: every present element must be in the list.
* ``forbidden_elements``: no present element may be in the list.
* ``max_elements``: at most this many distinct elements with a positive amount.
* ``min_li_fraction``: Li atoms / all atoms >= this value, compared exactly (rationals).
* ``electronegativity_order``: SMACT's Pauling test with fractional amounts. Among the
  elements with a POSITIVE amount, every cation (assigned state > 0) must have a lower
  Pauling electronegativity than every anion (state < 0), strictly, as SMACT's
  ``pauling_test`` with threshold 0. Amounts only decide which elements are present (an
  element at amount 0, e.g. O at x = 0, is not tested). A candidate passes when SOME neutral
  assignment passes, and that assignment is the one reported. An element without a Pauling
  electronegativity (noble gases) fails the test.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from functools import cache
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from anionscreen.descriptors.charge import to_fraction
from anionscreen.descriptors.elements import element_index


def _known_symbols(values: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in element_index()]
    if unknown:
        raise ValueError(f"unknown element symbol(s) {unknown}; expected symbols H..Og")
    return values


def exact_number(value: Any) -> Fraction:
    if not isinstance(value, int | float | str | Fraction) or isinstance(value, bool):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    try:
        return to_fraction(value)
    except ValueError as err:
        raise ValueError(str(err)) from err


ExactNumber = Annotated[Fraction, BeforeValidator(exact_number)]


class FilterSpec(BaseModel):
    """Filters of one space (all optional; the default filters nothing)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    allowed_elements: tuple[str, ...] | None = None
    forbidden_elements: tuple[str, ...] = ()
    max_elements: Annotated[int, Field(ge=1, strict=True)] | None = None
    electronegativity_order: Annotated[bool, Field(strict=True)] = False
    min_li_fraction: ExactNumber | None = None

    @field_validator("allowed_elements", "forbidden_elements")
    @classmethod
    def _symbols(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else _known_symbols(value)

    @field_validator("min_li_fraction")
    @classmethod
    def _fraction_range(cls, value: Fraction | None) -> Fraction | None:
        if value is not None and not 0 <= value <= 1:
            raise ValueError("must be between 0 and 1")
        return value


@cache
def pauling_electronegativity(symbol: str) -> float:
    """Pauling electronegativity from pymatgen (NaN when it has none)."""
    from pymatgen.core.periodic_table import Element

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns for elements without a value
        x = float(Element(symbol).X)
    return x if math.isfinite(x) else math.nan


def electronegativity_ok(
    present: np.ndarray, states: np.ndarray, electronegativity: np.ndarray
) -> np.ndarray:
    """SMACT's Pauling ordering per row.

    Parameters
    ----------
    present : bool ndarray (n, k)
        Which of k elements have a positive amount.
    states : int ndarray (k,) or (n, k)
        Assigned oxidation states.
    electronegativity : float ndarray (k,)

    Returns
    -------
    bool ndarray (n,)
        Max cation electronegativity < min anion electronegativity, over present elements;
        False where a present element has no electronegativity.
    """
    cation = present & (states > 0)
    anion = present & (states < 0)
    top_cation = np.where(cation, electronegativity, -np.inf).max(axis=1)
    low_anion = np.where(anion, electronegativity, np.inf).min(axis=1)
    missing = (present & np.isnan(electronegativity)).any(axis=1)
    result: np.ndarray = (top_cation < low_anion) & ~missing
    return result


def composition_mask(
    spec: FilterSpec, amounts: np.ndarray, symbols: tuple[str, ...], li_column: int | None
) -> np.ndarray:
    """The assignment-independent filters for integer amounts of ``symbols`` per row."""
    present = amounts > 0
    keep = np.ones(len(amounts), dtype=bool)
    symbol_array = np.array(symbols, dtype=object)
    if spec.allowed_elements is not None:
        bad = ~np.isin(symbol_array, spec.allowed_elements)
        keep &= ~(present & bad).any(axis=1)
    if spec.forbidden_elements:
        bad = np.isin(symbol_array, spec.forbidden_elements)
        keep &= ~(present & bad).any(axis=1)
    if spec.max_elements is not None:
        keep &= present.sum(axis=1) <= spec.max_elements
    if spec.min_li_fraction is not None:
        q = spec.min_li_fraction
        li = amounts[:, li_column] if li_column is not None else np.zeros(len(amounts), np.int64)
        # Exact: li / total >= p / q  <=>  li * q >= p * total (all integers).
        keep &= li * q.denominator >= q.numerator * amounts.sum(axis=1)
    return keep
