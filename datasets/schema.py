"""The one schema of a measurement row, and its validation at the edge.

Units are in the column names. :func:`validate_measurements` reads a table whose cells may
still be text (as a CSV gives them), checks every cell of every row, and either returns a clean
typed frame in :data:`MEASUREMENT_COLUMNS` order or raises
:class:`~anionscreen.datasets.errors.DataValidationError` listing every problem (row, column,
value, what was expected). Nothing is half-accepted.

Rules worth knowing:

* ``sigma_S_per_cm`` is S/cm. Values in mS/cm are accepted only in a column named
  ``sigma_mS_per_cm`` and divided by 1000. Above 1 S/cm is rejected as physically implausible
  (the usual cause is mS/cm written in an S/cm column).
* A censored conductivity is written ``<1E-10`` in the sigma column or as the value plus
  ``sigma_censored`` ``<`` / ``>``; the value is then the bound, never a measurement.
* ``temperature_C`` may be ``RT``, read as 25 C (the note says so).
* ``formula`` is the formula as the source wrote it, read and rewritten with its amounts
  (:func:`~anionscreen.datasets.formula.chemical_formula`: ``Li2OHCl`` stays ``Li2OHCl``,
  ``70Li2S-30P2S5`` becomes ``Li1.4S2.2P0.6``), from ``formula`` when the input has one, else
  from ``composition``. Joins and deduplication never compare this text: they use
  :func:`~anionscreen.datasets.formula.composition_key`.
* ``modulus_kind`` (indentation, Young, storage, bulk, shear) and ``modulus_method``
  (:data:`MODULUS_METHODS`; ``DFT`` for computed values) say what a modulus is.
* ``published`` is when the value was published, ``2024`` or ``2024-07``. For a dataset that
  records no date it is the dataset's release, an upper bound (see
  :func:`anionscreen.datasets.published.published_before`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Literal

import pandas as pd

from anionscreen.datasets.errors import DataValidationError, FormulaError, RowProblem
from anionscreen.datasets.formula import chemical_formula, parse_formula
from anionscreen.datasets.temperature import TEMPERATURE_RANGE_C

MEASUREMENT_COLUMNS: tuple[str, ...] = (
    "composition",
    "formula",
    "sigma_S_per_cm",
    "sigma_censored",
    "temperature_C",
    "ea_eV",
    "modulus_GPa",
    "modulus_kind",
    "modulus_method",
    "hardness_GPa",
    "density_g_per_cm3",
    "amorphous",
    "family",
    "source",
    "doi",
    "published",
    "note",
)
NUMERIC_COLUMNS: tuple[str, ...] = (
    "sigma_S_per_cm",
    "temperature_C",
    "ea_eV",
    "modulus_GPa",
    "hardness_GPa",
    "density_g_per_cm3",
)
TEXT_COLUMNS: tuple[str, ...] = tuple(c for c in MEASUREMENT_COLUMNS if c not in NUMERIC_COLUMNS)
MODULUS_KINDS: tuple[str, ...] = ("indentation", "Young", "storage", "bulk", "shear")
#: How a modulus was obtained. ``DFT`` marks computed values: measured and computed moduli
#: share the ``modulus_GPa`` column and this one says which is which.
MODULUS_METHODS: tuple[str, ...] = (
    "nanoindentation",
    "microindentation",
    "ultrasonic",
    "resonance",
    "Brillouin",
    "DMA",
    "AFM",
    "compression",
    "other",
    "DFT",
)
AMORPHOUS_VALUES: tuple[str, ...] = ("true", "false", "unknown")
CENSORED_VALUES: tuple[str, ...] = ("", "<", ">")
MAX_SIGMA_S_PER_CM = 1.0  # the best Li conductors reach ~0.03 S/cm; above 1 is a unit mix-up
MIN_SIGMA_S_PER_CM = 1e-35
ROOM_TEMPERATURE_C = 25.0
ACCEPTED_COLUMNS = (*MEASUREMENT_COLUMNS, "sigma_mS_per_cm")

_AMORPHOUS_WORDS = {
    "true": "true",
    "yes": "true",
    "1": "true",
    "amorphous": "true",
    "false": "false",
    "no": "false",
    "0": "false",
    "crystalline": "false",
    "unknown": "unknown",
    "": "unknown",
}
# (lowest, highest, inclusive-lowest) for each numeric column, with the expectation text.
# The lowest published Li conductivities (extrapolated to 25 C) are about 1e-31 S/cm; below
# MIN_SIGMA_S_PER_CM a value is a typo or an exponent gone wrong, not a measurement. Conductivity
# is measured between liquid-nitrogen cooling and the melt: outside TEMPERATURE_RANGE_C a
# temperature is a typo (or K in a C column at the top end).
_RANGES: dict[str, tuple[float, float, bool, str]] = {
    "sigma_S_per_cm": (
        MIN_SIGMA_S_PER_CM,
        MAX_SIGMA_S_PER_CM,
        True,
        "a conductivity in S/cm in [1e-35, 1]",
    ),
    "sigma_mS_per_cm": (
        MIN_SIGMA_S_PER_CM * 1e3,
        1000.0,
        True,
        "a conductivity in mS/cm in [1e-32, 1000]",
    ),
    "temperature_C": (
        *TEMPERATURE_RANGE_C,
        True,
        "a temperature in C in [-200, 1500] (a measurement's plausible range)",
    ),
    "ea_eV": (0.0, 5.0, True, "an activation energy in eV in [0, 5]"),
    "modulus_GPa": (0.0, 2000.0, False, "a modulus in GPa in (0, 2000]"),
    "hardness_GPa": (0.0, 500.0, False, "a hardness in GPa in (0, 500]"),
    "density_g_per_cm3": (0.0, 30.0, False, "a density in g/cm3 in (0, 30]"),
}

OnUnreadable = Literal["reject", "keep"]
_PUBLISHED = re.compile(r"(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2]))?")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ROOM_TEMPERATURE_WORDS = ("rt", "room temperature")
# Control characters other than tab and line breaks (which CSV quoting carries safely).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def empty_measurements() -> pd.DataFrame:
    """A frame with the schema's columns and dtypes and no rows."""
    return _typed(pd.DataFrame({c: [] for c in MEASUREMENT_COLUMNS}))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.loc[:, list(MEASUREMENT_COLUMNS)].copy()
    for col in NUMERIC_COLUMNS:
        out[col] = out[col].astype("float64")
    for col in TEXT_COLUMNS:
        out[col] = out[col].fillna("").astype(str).astype(object)
    return out.reset_index(drop=True)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(text: str) -> float:
    """A finite float from plain decimal or scientific text; '' is NaN.

    Stricter than ``float()``, which also takes ``1_000``, ``nan`` and ``infinity``.
    Raises ValueError otherwise.
    """
    if text == "":
        return math.nan
    text = text.replace("\u2212", "-")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


class _RowChecker:
    """Collects problems while turning one raw row into typed values."""

    def __init__(self, file: str, row: int, problems: list[RowProblem]) -> None:
        self.file, self.row, self.problems = file, row, problems

    def problem(self, column: str, value: str, expected: str) -> None:
        self.problems.append(RowProblem(self.file, self.row, column, value, expected))

    def number(self, column: str, text: str) -> float:
        low, high, inclusive, what = _RANGES[column]
        try:
            value = _number(text)
        except ValueError:
            self.problem(column, text, what)
            return math.nan
        if math.isnan(value):
            return value
        too_low = value < low if inclusive else value <= low
        if too_low or value > high:
            reason = what
            if column == "sigma_S_per_cm" and value > high:
                reason += " (above 1 S/cm is implausible: mS/cm in an S/cm column?)"
            self.problem(column, text, reason)
            return math.nan
        return value


def _sigma(check: _RowChecker, raw: dict[str, str], out: dict[str, object]) -> None:
    s_text, ms_text = raw.get("sigma_S_per_cm", ""), raw.get("sigma_mS_per_cm", "")
    censored = raw.get("sigma_censored", "")
    if censored not in CENSORED_VALUES:
        check.problem("sigma_censored", censored, "'<', '>' or empty")
        censored = ""
    out["sigma_S_per_cm"], out["sigma_censored"] = math.nan, censored
    if s_text and ms_text:
        check.problem("sigma_mS_per_cm", ms_text, "empty when sigma_S_per_cm is given")
        return
    column, text = ("sigma_mS_per_cm", ms_text) if ms_text else ("sigma_S_per_cm", s_text)
    if text[:1] in ("<", ">"):
        if censored and censored != text[0]:
            check.problem("sigma_censored", censored, f"{text[0]!r} as in {column}")
        censored, text = text[0], text[1:].strip()
        if not text:
            check.problem(column, raw.get(column, ""), f"a bound value after {censored!r}")
    elif censored and not text:
        check.problem(column, text, f"a bound value with sigma_censored {censored!r}")
    value = check.number(column, text)
    if column == "sigma_mS_per_cm" and not math.isnan(value):
        # Shift the decimal text, not the float: 0.07 * 1e-3 is 7.000000000000001e-05.
        value = float(Decimal(text.replace("\u2212", "-")).scaleb(-3))
    out["sigma_S_per_cm"] = value
    out["sigma_censored"] = censored


def _formula(
    check: _RowChecker, raw: dict[str, str], out: dict[str, object], on_unreadable: OnUnreadable
) -> None:
    composition = raw.get("composition", "")
    out["composition"] = composition
    column, text = (
        ("formula", raw["formula"]) if raw.get("formula") else ("composition", composition)
    )
    if not text:
        check.problem("composition", composition, "a composition (formula as written)")
        out["formula"] = ""
        return
    formula, reason = _written(text)
    out["formula"] = formula
    if reason:
        if on_unreadable == "reject" or column == "formula":
            check.problem(column, text, f"a readable formula ({reason})")
        else:
            out["note"] = _join_note(str(out.get("note", "")), f"formula not readable: {reason}")


@lru_cache(maxsize=65536)
def _written(text: str) -> tuple[str, str]:
    """(chemical formula, '') or ('', reason); cached because datasets repeat formulas."""
    try:
        return chemical_formula(parse_formula(text)), ""
    except FormulaError as err:
        return "", err.reason


def _join_note(note: str, extra: str) -> str:
    return f"{note}; {extra}" if note else extra


def _validate_row(
    check: _RowChecker, raw: dict[str, str], on_unreadable: OnUnreadable
) -> dict[str, object]:
    out: dict[str, object] = {c: raw.get(c, "") for c in ("family", "source", "doi", "note")}
    _formula(check, raw, out, on_unreadable)
    _sigma(check, raw, out)
    temperature = raw.get("temperature_C", "")
    if temperature.lower() in _ROOM_TEMPERATURE_WORDS:
        temperature = str(ROOM_TEMPERATURE_C)
        out["note"] = _join_note(str(out["note"]), "temperature given as RT, taken as 25 C")
    out["temperature_C"] = check.number("temperature_C", temperature)
    for col in ("ea_eV", "modulus_GPa", "hardness_GPa", "density_g_per_cm3"):
        out[col] = check.number(col, raw.get(col, ""))
    kind = raw.get("modulus_kind", "")
    canonical = {k.lower(): k for k in MODULUS_KINDS}.get(kind.lower())
    if kind and canonical is None:
        check.problem("modulus_kind", kind, f"one of {', '.join(MODULUS_KINDS)}")
    elif raw.get("modulus_GPa") and not kind:
        check.problem("modulus_kind", kind, f"one of {', '.join(MODULUS_KINDS)} with modulus_GPa")
    elif kind and not raw.get("modulus_GPa"):
        check.problem("modulus_kind", kind, "empty when modulus_GPa is empty")
    out["modulus_kind"] = canonical or ""
    method = raw.get("modulus_method", "")
    method_canonical = {m.lower(): m for m in MODULUS_METHODS}.get(method.lower())
    if method and method_canonical is None:
        check.problem("modulus_method", method, f"one of {', '.join(MODULUS_METHODS)}")
    elif method and not raw.get("modulus_GPa"):
        check.problem("modulus_method", method, "empty when modulus_GPa is empty")
    out["modulus_method"] = method_canonical or ""
    published = raw.get("published", "")
    if published and not _PUBLISHED.fullmatch(published):
        check.problem("published", published, "a year (2024) or year-month (2024-07)")
        published = ""
    out["published"] = published
    amorphous = _AMORPHOUS_WORDS.get(raw.get("amorphous", "").lower())
    if amorphous is None:
        check.problem("amorphous", raw.get("amorphous", ""), "true, false or unknown")
    out["amorphous"] = amorphous or "unknown"
    measured = (
        raw.get(c, "") for c in ("sigma_S_per_cm", "sigma_mS_per_cm", "ea_eV", "modulus_GPa")
    )
    if not any(measured):
        check.problem(
            "sigma_S_per_cm", "", "at least one of sigma_S_per_cm, ea_eV or modulus_GPa per row"
        )
    return out


def validate_rows(
    df: pd.DataFrame,
    file: str,
    *,
    on_unreadable: OnUnreadable = "reject",
    row_numbers: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Validate row by row: the good rows typed in the schema, and the problems of the rest.

    The batch form behind :func:`validate_measurements` and the external loaders (which skip
    bad rows but record why). Column problems (unknown column, no ``composition``) concern
    every row and raise at once. ``row_numbers`` gives each row's number in its file when it
    is not simply 1, 2, ... (a loader that dropped rows before validating).

    Raises
    ------
    DataValidationError
        For problems with the columns themselves (reported as row 0).
    """
    header: list[RowProblem] = []
    accepted = ", ".join(ACCEPTED_COLUMNS)
    for col in (str(c) for c in df.columns if str(c) not in ACCEPTED_COLUMNS):
        header.append(RowProblem(file, 0, col, col, f"a column among {accepted}"))
    if "composition" not in df.columns:
        header.append(RowProblem(file, 0, "composition", "", "a 'composition' column"))
    if header:
        raise DataValidationError(header)
    problems: list[RowProblem] = []
    rows = []
    records = df.to_dict(orient="records")
    numbers = list(row_numbers) if row_numbers is not None else range(1, len(records) + 1)
    for number, record in zip(numbers, records, strict=True):
        raw = {str(k): _text(v) for k, v in record.items()}
        row_problems: list[RowProblem] = []
        for column, text in raw.items():
            found = _CONTROL.search(text)
            if found:
                # A NUL ends a C string: pandas and the CSV tools cut the text there.
                row_problems.append(
                    RowProblem(
                        file,
                        number,
                        column,
                        text,
                        f"text without control characters (U+{ord(found.group()):04X} at "
                        f"position {found.start()})",
                    )
                )
        out = _validate_row(_RowChecker(file, number, row_problems), raw, on_unreadable)
        if row_problems:
            problems.extend(row_problems)
        else:
            rows.append(out)
    good = _typed(pd.DataFrame(rows, columns=list(MEASUREMENT_COLUMNS))) if rows else None
    return (good if good is not None else empty_measurements()), problems


def validate_measurements(
    df: pd.DataFrame, file: str, *, on_unreadable: OnUnreadable = "reject"
) -> pd.DataFrame:
    """Check every row of a measurement table and return it typed in the schema.

    Parameters
    ----------
    df : DataFrame
        Columns from :data:`ACCEPTED_COLUMNS` (``composition`` required); cells may be text.
    file : str
        Name used in problem messages.
    on_unreadable : {"reject", "keep"}
        What to do with a ``composition`` that is not a readable formula (descriptive text
        such as ``"LiCl nanocrystals in amorphous AlOCl"``): reject the row (default), or keep
        it with an empty ``formula`` and the reason in ``note`` so training can drop and count
        it. A given ``formula`` column must always be readable.

    Returns
    -------
    DataFrame
        Columns :data:`MEASUREMENT_COLUMNS`; numeric columns float64 (NaN when absent), text
        columns str ('' when absent).

    Raises
    ------
    DataValidationError
        Listing every problem of every row (row 1 is the first row after the header; header
        problems are reported as row 0). Nothing is returned then.
    """
    good, problems = validate_rows(df, file, on_unreadable=on_unreadable)
    if problems:
        raise DataValidationError(problems)
    return good


def read_measurements_csv(path: str, *, on_unreadable: OnUnreadable = "reject") -> pd.DataFrame:
    """Read and validate a measurement CSV (UTF-8, optional byte-order mark, any line ends)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return validate_measurements(raw, str(path), on_unreadable=on_unreadable)
