"""Publication dates of measurements: what was known before a given month.

Every measurement row carries ``published``: ``2024-07`` (year and month), ``2024`` (year
only) or, for an external dataset that records no per-row date, the dataset's release, which
is an upper bound (a value in OBELiX was published before OBELiX was). The comparison is
conservative: a row counts as published before a cutoff only when its *latest possible* date
is before it, so ``2025`` (any month of 2025) is not before ``2025-07``, while ``2025-06`` is.
A row with no date at all is never "before" anything.

This is what ``anionscreen train --published-before 2025-07`` uses to train on what was known
then; the time-split benchmark tests on every row that training could not use (``~before``),
which includes the rows whose year alone does not settle it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError

_MONTH = re.compile(r"^((?:19|20)\d\d)-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^((?:19|20)\d\d)$")


def check_month(text: str) -> str:
    """A cutoff such as ``2025-07`` (``2025`` means ``2025-01``); raises on anything else."""
    text = text.strip()
    if _YEAR.match(text):
        return f"{text}-01"
    if _MONTH.match(text):
        return text
    raise AnionscreenError(
        f"published-before cutoff {text!r} is not a month; expected e.g. '2025-07' or '2025'"
    )


def latest_month(published: str) -> str:
    """The latest month a ``published`` value allows (``2024`` -> ``2024-12``); '' if unknown."""
    text = published.strip()
    if _MONTH.match(text):
        return text
    if _YEAR.match(text):
        return f"{text}-12"
    return ""


def published_before(published: pd.Series, cutoff: str) -> np.ndarray:
    """Rows certainly published before the month ``cutoff`` (see the module docstring)."""
    month = check_month(cutoff)
    latest = published.fillna("").astype(str).map(latest_month)
    return np.asarray((latest != "") & (latest < month), dtype=bool)
