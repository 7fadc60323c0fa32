"""Training tables per target, built from measurement rows, with every dropped row counted.

Rules (each count appears in :attr:`TargetTable.report`):

* Rows without a readable formula are dropped (``no_formula``).
* Excluded on request: exact formulas (``excluded_formula``) and chemical systems
  (``excluded_chemsys``: a measurement is removed when it contains *every* element of the
  system, so ``Li-Ta-S-Cl`` removes Li2TaSCl5 and the oxygen-substituted members too), and
  rows not certainly published before a month (``published_later``, see
  :func:`anionscreen.datasets.published.published_before`).
* ``sigma``: censored values (``<1e-10``) are bounds, not values: excluded (``censored``).
  Values measured more than 10 C from 25 C are brought to 25 C by Arrhenius when Ea is known
  (``temperature_corrected``), else excluded (``far_from_25C``). Label: log10 sigma (S/cm).
* ``ea``: label Ea (eV).
* ``modulus``: DFT bulk (K) and shear (G) moduli (rows of :data:`DFT_SOURCES` or with
  ``modulus_method`` DFT) of ionic compounds (with an anion element; intermetallics are
  ``dft_not_ionic``), per composition (key) the median of each, give Young's modulus
  ``E = 9KG / (3K + G)`` (``dft_formulas``); label log10 E (GPa). Measured indentation,
  Young's and storage moduli of electrolytes (``measured``) are the calibration rows of the
  map from DFT stiffness to measured moduli (:mod:`anionscreen.models.measured`), one per
  composition and state (amorphous or not). With fewer than :data:`MIN_DFT_FORMULAS` DFT
  formulas, the measured moduli are the training rows themselves (and intervals are wide).
* Duplicates: rows are grouped by composition at any scale
  (:func:`~anionscreen.datasets.formula.composition_key`: ``Li7P3S11`` and the glass
  ``Li1.4P0.6S2.2`` are one model input, and so are ``Li2OHCl`` and ``Li2HClO``) and the label
  is the median over the group; groups are ordered by that key and named as their sources
  write them most (:func:`~anionscreen.datasets.combined.name_by_composition`;
  ``duplicates_merged`` counts the rows folded into another).
  Formula exclusions match by composition the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.combined import name_by_composition
from anionscreen.datasets.errors import AnionscreenError, FormulaError
from anionscreen.datasets.formula import composition_key, normalized_formula, parse_formula
from anionscreen.datasets.published import published_before as published_before_mask
from anionscreen.datasets.temperature import bring_to_room_temperature, far_from_room_temperature
from anionscreen.descriptors.chunk import compositions_to_fractions
from anionscreen.models.domain import ANION_ELEMENTS
from anionscreen.models.target_model import TARGETS

MIN_DFT_FORMULAS = 30
#: Training labels below these are raised to them for fitting (log10 S/cm for sigma: below
#: 1e-12 S/cm the values are mostly Arrhenius extrapolations over many decades, down to
#: 1e-31, and a mean-seeking learner chases them); metrics use the labels as measured.
LABEL_FLOORS: dict[str, float] = {"sigma": -12.0}
_CORRECTED_NOTE = "brought to 25 C by Arrhenius"  # written by datasets.temperature
MEASURED_MODULUS_KINDS = ("indentation", "Young", "storage")
# Sources of computed (DFT) elastic moduli; every other modulus row is a measurement.
DFT_SOURCES = ("elastic_tensor_2015", "mp_binary_elasticity", "mp_elastic")


@dataclass
class TargetTable:
    """Deduplicated training rows of one target.

    Attributes
    ----------
    target : str
    data : DataFrame
        ``formula, y, family, sources, references, n_measurements`` (one row per formula;
        ``references`` are the DOIs, or source names, of the values behind ``y``).
    calibration : DataFrame
        ``formula, y, amorphous`` of measured moduli, one row per composition and state
        (empty for other targets or when they are the training rows themselves).
    report : dict
        Counts of every rule applied (see the module docstring) and rows per source.
    """

    target: str
    data: pd.DataFrame
    calibration: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def formulas(self) -> np.ndarray:
        """Training formulas."""
        return self.data["formula"].to_numpy(dtype=object)

    @property
    def y(self) -> np.ndarray:
        """Training labels."""
        return self.data["y"].to_numpy(dtype=np.float64)


def element_set(formula: str) -> frozenset[str]:
    """Elements of a formula (parsed strictly)."""
    return frozenset(el.symbol for el in parse_formula(formula).elements)


def parse_chemsys(text: str) -> frozenset[str]:
    """``"Li-Ta-S-Cl"`` -> its element set, checking each symbol."""
    symbols = [s.strip() for s in text.split("-") if s.strip()]
    if not symbols:
        raise AnionscreenError(f"chemical system {text!r} is empty; expected e.g. 'Li-Ta-S-Cl'")
    for sym in symbols:
        try:
            element_set(sym)
        except FormulaError as err:
            raise AnionscreenError(
                f"chemical system {text!r}: {sym!r} is not an element symbol"
            ) from err
    return frozenset(symbols)


def fractions_of(formulas: np.ndarray) -> np.ndarray:
    """Element-fraction matrix (n, 118) of formulas."""
    comps: list[Composition] = [parse_formula(str(f)) for f in formulas]
    return compositions_to_fractions(comps)


def apply_exclusions(
    measurements: pd.DataFrame,
    *,
    exclude_formulas: tuple[str, ...] = (),
    exclude_chemsys: tuple[str, ...] = (),
    published_before: str | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop unreadable formulas, the requested formulas/systems and (with ``published_before``)
    every row not certainly published before that month; return rows and counts."""
    df = measurements[measurements["formula"].astype(str) != ""]
    counts: dict[str, int] = {
        "input_rows": len(measurements),
        "no_formula": len(measurements) - len(df),
    }
    if published_before is not None:
        known = published_before_mask(df["published"], published_before)
        counts["published_later"] = int((~known).sum())
        df = df[known]
    if exclude_formulas:
        # By composition at any scale: excluding Li7P3S11 also excludes 70Li2S-30P2S5.
        drop = {composition_key(normalized_formula(parse_formula(f))) for f in exclude_formulas}
        keep = ~_composition_keys(df["formula"]).isin(drop)
        counts["excluded_formula"] = int((~keep).sum())
        df = df[keep]
    if exclude_chemsys:
        systems = [parse_chemsys(s) for s in exclude_chemsys]
        sets = {f: element_set(f) for f in df["formula"].unique()}
        hit = df["formula"].map(lambda f: any(s <= sets[f] for s in systems)).astype(bool)
        counts["excluded_chemsys"] = int(hit.sum())
        df = df[~hit]
    return df, counts


def _composition_keys(formulas: pd.Series) -> pd.Series:
    """:func:`composition_key` of each formula, computed once per distinct formula."""
    keys = {f: composition_key(f) for f in formulas.unique()}
    return formulas.map(keys)


def _dedupe(rows: pd.DataFrame, label: np.ndarray) -> tuple[pd.DataFrame, int]:
    # One row per composition, whatever the scale or order it was written in: the descriptors
    # read fractions, so Li7P3S11 and Li1.4P0.6S2.2 are the same model input. Rows group and
    # sort by the composition key; the spelling its sources use most names a group.
    formulas = rows["formula"].astype(str)
    keys = _composition_keys(formulas)
    work = pd.DataFrame(
        {
            "key": keys.to_numpy(dtype=object),
            "formula": formulas.map(name_by_composition(formulas, keys)).to_numpy(dtype=object),
            "y": label,
            "family": rows["family"].astype(str).to_numpy(dtype=object),
            "source": rows["source"].astype(str).to_numpy(dtype=object),
            # where each value was read: its DOI, else the name of the source it came from
            "reference": rows["doi"]
            .astype(str)
            .where(rows["doi"] != "", rows["source"])
            .to_numpy(dtype=object),
        }
    )
    grouped = work.groupby("key", sort=True)
    out = pd.DataFrame(
        {
            "formula": grouped["formula"].first(),
            "y": grouped["y"].median(),
            "family": grouped["family"].agg(lambda s: next((v for v in s if v), "")),
            "sources": grouped["source"].agg(lambda s: ",".join(sorted(set(s)))),
            "references": grouped["reference"].agg(lambda s: "; ".join(sorted(set(s)))),
            "n_measurements": grouped["y"].size(),
        }
    ).reset_index(drop=True)
    return out, len(work) - len(out)


def _source_counts(rows: pd.DataFrame) -> dict[str, int]:
    return dict(sorted(Counter(rows["source"].astype(str)).items()))


def build_target_table(
    target: str,
    measurements: pd.DataFrame,
    *,
    exclude_formulas: tuple[str, ...] = (),
    exclude_chemsys: tuple[str, ...] = (),
    published_before: str | None = None,
) -> TargetTable:
    """Assemble the training table of ``target`` from measurement rows (see module docstring)."""
    if target not in TARGETS:
        raise AnionscreenError(f"unknown target {target!r}; expected one of {TARGETS}")
    df, counts = apply_exclusions(
        measurements,
        exclude_formulas=exclude_formulas,
        exclude_chemsys=exclude_chemsys,
        published_before=published_before,
    )
    report: dict[str, Any] = dict(counts)
    empty_cal = _empty_calibration()
    if target == "sigma":
        rows = df[df["sigma_S_per_cm"].notna()]
        censored = rows["sigma_censored"].astype(str) != ""
        report["censored"] = int(censored.sum())
        rows = rows[~censored]
        rows = bring_to_room_temperature(rows)
        far_after = far_from_room_temperature(rows["temperature_C"])
        # Loaders may already have corrected rows; their note says so either way.
        corrected = rows["note"].astype(str).str.contains(_CORRECTED_NOTE, regex=False)
        report["temperature_corrected"] = int(corrected.sum())
        report["far_from_25C"] = int(far_after.sum())
        rows = rows[~far_after]
        label = np.log10(rows["sigma_S_per_cm"].to_numpy(dtype=np.float64))
        calibration = empty_cal
    elif target == "ea":
        rows = df[df["ea_eV"].notna()]
        label = rows["ea_eV"].to_numpy(dtype=np.float64)
        calibration = empty_cal
    else:
        rows, label, calibration = _modulus_rows(df, report)
    data, merged = _dedupe(rows, label)
    report["duplicates_merged"] = merged
    report["rows"] = len(data)
    report["sources"] = _source_counts(rows)
    return TargetTable(target=target, data=data, calibration=calibration, report=report)


def _modulus_rows(
    df: pd.DataFrame, report: dict[str, Any]
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    with_modulus = df[df["modulus_GPa"].notna()]
    kind = with_modulus["modulus_kind"].astype(str)
    dft_row = (
        with_modulus["source"].astype(str).isin(DFT_SOURCES)
        | (with_modulus["modulus_method"].astype(str) == "DFT")
    ).to_numpy()
    measured = with_modulus[kind.isin(MEASURED_MODULUS_KINDS).to_numpy() & ~dft_row]
    report["measured"] = len(measured)
    measured_label = np.log10(measured["modulus_GPa"].to_numpy(dtype=np.float64))
    bulk_rows = with_modulus[(kind == "bulk").to_numpy() & dft_row]
    shear_rows = with_modulus[(kind == "shear").to_numpy() & dft_row]
    # By composition key: one material may be written differently by two DFT sets.
    key = _composition_keys(with_modulus["formula"].astype(str))
    k = bulk_rows["modulus_GPa"].groupby(key[(kind == "bulk").to_numpy() & dft_row]).median()
    g = shear_rows["modulus_GPa"].groupby(key[(kind == "shear").to_numpy() & dft_row]).median()
    both = k.index.intersection(g.index)
    report["dft_unpaired"] = len(k.index.symmetric_difference(g.index))
    # Electrolytes are ionic: intermetallics (most of the binary set) teach the model nothing
    # about them and cost most of the training time.
    ionic = np.array([bool(element_set(f) & ANION_ELEMENTS) for f in both], dtype=bool)
    report["dft_not_ionic"] = int((~ionic).sum())
    both = both[ionic]
    report["dft_formulas"] = len(both)
    if len(both) < MIN_DFT_FORMULAS:
        report["modulus_training"] = "measured"
        return measured, measured_label, _empty_calibration()
    kk, gg = k.loc[both].to_numpy(), g.loc[both].to_numpy()
    young = 9.0 * kk * gg / (3.0 * kk + gg)
    in_both = dft_row & key.isin(both).to_numpy()
    dft = with_modulus[in_both].assign(key=key[in_both].to_numpy())
    first = dft.drop_duplicates("key").set_index("key").loc[both].reset_index(drop=True)
    report["modulus_training"] = "dft+measured map"
    return first, np.log10(young), _measured_calibration(measured, measured_label)


def _empty_calibration() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "formula": pd.Series([], dtype=object),
            "y": pd.Series([], dtype=np.float64),
            "amorphous": pd.Series([], dtype=bool),
            "references": pd.Series([], dtype=object),
        }
    )


def _measured_calibration(measured: pd.DataFrame, label: np.ndarray) -> pd.DataFrame:
    """One row per measured composition and state (glass or crystal): the median log10 modulus.

    A glass and a crystal of one composition (Li3PS4 glass, beta-Li3PS4) are different
    materials to the measured-modulus map, so they stay apart.
    """
    if measured.empty:
        return _empty_calibration()
    amorphous = (measured["amorphous"].astype(str) == "true").to_numpy()
    keys = _composition_keys(measured["formula"].astype(str)).to_numpy(dtype=object)
    reference = measured["doi"].astype(str).where(measured["doi"] != "", measured["source"])
    work = pd.DataFrame(
        {"key": keys, "formula": measured["formula"].astype(str).to_numpy(), "y": label,
         "amorphous": amorphous, "reference": reference.to_numpy(dtype=object)}
    )  # fmt: skip
    grouped = work.groupby(["key", "amorphous"], sort=True)
    out = grouped.agg(
        formula=("formula", "first"),
        y=("y", "median"),
        references=("reference", lambda r: "; ".join(sorted(set(r)))),
    ).reset_index()
    return out[["formula", "y", "amorphous", "references"]]
