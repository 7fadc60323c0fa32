"""What to cite for a run, or for anionscreen itself: data, methods and software, as BibTeX.

A run's bibliography is read from what the run recorded: the model versions in ``run.json``
lead to their cards in the workspace's registry, which say which sources gave training rows
(and how many), which descriptor preset and model family were used and which package versions
trained them; ``run.json`` adds the packages that scored the run and whether Materials Project
data was read. The bundled compilation and the user's measurement log are cited by each row's
DOI (log rows only if they were added before the model was trained). When a card is missing
(a registry moved or deleted), the sources recorded in ``run.json`` stand in, and the
bibliography says so.

Without a run, :func:`package_bibliography` lists anionscreen, every dataset it can learn
from, the methods of its default models and the installed packages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from anionscreen.datasets.bundled import load_compilation
from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import package_versions
from anionscreen.datasets.measurement_log import read_log
from anionscreen.datasets.references import (
    PACKAGE_REFERENCES,
    REFERENCES,
    SOURCE_REFERENCES,
    Reference,
    doi_reference,
)
from anionscreen.datasets.settings import get_settings
from anionscreen.datasets.sources import SOURCE_NAMES
from anionscreen.descriptors.composite import PRESETS
from anionscreen.models.estimators import COMPOSITE_FAMILIES, TRAINING_FAMILIES
from anionscreen.models.registry import ModelRegistry
from anionscreen.screening.run.store import RunFolder, runs_root

#: The sections of a bibliography, in the order they are printed.
SECTIONS = ("anionscreen", "data", "methods", "software")

#: The references of each descriptor set (by class name), beyond matminer and Magpie.
DESCRIPTOR_REFERENCES: dict[str, tuple[str, ...]] = {
    "ElementProperty": ("ward2016magpie", "ward2018matminer"),
    "Stoichiometry": ("ward2016magpie", "ward2018matminer"),
    "ValenceOrbital": ("ward2016magpie", "ward2018matminer"),
    "IonProperty": ("ward2016magpie", "ward2018matminer"),
    "AnionComposition": ("shannon1976", "tessman1953"),
    "CationCharge": ("shannon1976",),
    "ResourceRisk": ("gaultois2013",),
}

#: The references of each model family (the baselines of every card included).
FAMILY_REFERENCES: dict[str, tuple[str, ...]] = {
    "rf": ("breiman2001",),
    "magpie_rf": ("breiman2001", "ward2016magpie"),
    "et": ("geurts2006",),
    "hgb": (),
    "mean": (),
}

# Every model's interval is a normalised split-conformal one (anionscreen.models.conformal).
_INTERVALS = ("papadopoulos2011", "lei2018")
_STABILITY = ("jain2013", "richards2016", "zhu2015")
_PACKAGE_URL = "https://pypi.org/project/{}/"


def anionscreen_reference(version: str) -> Reference:
    """anionscreen itself, at ``version`` (as CITATION.cff at the repository root says)."""
    return Reference(
        "anionscreen",
        "misc",
        ("{anionscreen developers}",),
        "anionscreen: high-throughput screening of mixed-anion lithium solid electrolytes",
        "2026",
        venue="Python package, MIT licence",
        note=f"version {version}",
    )


@dataclass
class Bibliography:
    """References by section, each with what it was used for, in first-cited order."""

    title: str
    entries: dict[str, dict[str, Reference]] = field(
        default_factory=lambda: {s: {} for s in SECTIONS}
    )
    used_for: dict[str, list[str]] = field(default_factory=dict)
    versions: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, ref: Reference, why: str) -> None:
        """Cite ``ref`` in ``section`` for ``why`` (a reference is listed once)."""
        if not any(ref.key in refs for refs in self.entries.values()):
            self.entries[section][ref.key] = ref
        reasons = self.used_for.setdefault(ref.key, [])
        if why not in reasons:
            reasons.append(why)

    def add_package(self, ref: Reference, package: str, version: str, why: str) -> None:
        """Cite ``ref`` for ``package`` at ``version`` (the versions go into its note)."""
        self.add("software", ref, f"{why}: {package} {version}")
        used = self.versions.setdefault(ref.key, [])
        if f"{package} {version}" not in used:
            used.append(f"{package} {version}")

    def _final(self, ref: Reference) -> Reference:
        used = self.versions.get(ref.key)
        return ref.with_note(f"used: {', '.join(used)}") if used else ref

    def section(self, name: str) -> list[Reference]:
        """The references of one section, with the package versions used in their notes."""
        return [self._final(ref) for ref in self.entries[name].values()]

    def references(self) -> list[Reference]:
        """Every reference, section by section."""
        return [ref for section in SECTIONS for ref in self.section(section)]

    def bibtex(self) -> str:
        """The whole bibliography as BibTeX; ``%`` lines say what each entry was used for."""
        lines = [f"% {self.title}", *(f"% note: {note}" for note in self.notes), ""]
        for section in SECTIONS:
            if not self.entries[section]:
                continue
            lines.append(f"% ---- {section} ----")
            for ref in self.section(section):
                lines += [f"% used for: {why}" for why in self.used_for[ref.key]]
                lines.append(ref.bibtex())
        return "\n".join(lines)

    def text(self) -> str:
        """One line per reference, section by section, for people."""
        lines = [self.title, *(f"note: {note}" for note in self.notes)]
        for section in SECTIONS:
            if self.entries[section]:
                lines.append(f"\n{section}:")
                lines += [f"- {ref.text()}" for ref in self.section(section)]
        return "\n".join(lines) + "\n"


def _cite_source(bib: Bibliography, source: str, why: str, dois: Mapping[str, list[str]]) -> None:
    for key in SOURCE_REFERENCES.get(source, ()):
        bib.add("data", REFERENCES[key], why)
    for doi, formulas in dois.items():
        shown = ", ".join(formulas[:4]) + (", ..." if len(formulas) > 4 else "")
        bib.add("data", doi_reference(doi), f"{why}: {shown}")


#: The measurement column each target learns from (a row without a value there is not used).
_TARGET_COLUMNS = {"sigma": "sigma_S_per_cm", "ea": "ea_eV", "modulus": "modulus_GPa"}


def _row_dois(frame: pd.DataFrame, target: str | None = None) -> dict[str, list[str]]:
    """DOI -> distinct formulas (as written) of the rows that carry one, first seen first.

    With ``target``, only rows with a value of that target count.
    """
    if target in _TARGET_COLUMNS:
        frame = frame.loc[frame[_TARGET_COLUMNS[target]].notna()]
    out: dict[str, list[str]] = {}
    for doi, formula in zip(frame["doi"], frame["composition"], strict=True):
        if isinstance(doi, str) and doi.strip():
            formulas = out.setdefault(doi.strip(), [])
            if str(formula) not in formulas:
                formulas.append(str(formula))
    return out


def _cite_methods(bib: Bibliography, preset: str, families: Iterable[str], why: str) -> None:
    for transformer in PRESETS.get(preset, ()):
        for key in DESCRIPTOR_REFERENCES[transformer.__name__]:
            bib.add("methods", REFERENCES[key], f"{why}: {transformer.__name__} descriptors")
    for family in families:
        for part in COMPOSITE_FAMILIES.get(family, (family,)):
            for key in FAMILY_REFERENCES.get(part, ()):
                bib.add("methods", REFERENCES[key], f"{why}: model family {part}")
    for key in _INTERVALS:
        bib.add("methods", REFERENCES[key], f"{why}: 90 % conformal intervals")


def _cite_packages(bib: Bibliography, versions: Mapping[str, str], why: str) -> None:
    for name, version in sorted(versions.items()):
        if name == "anionscreen":
            continue
        key = PACKAGE_REFERENCES.get(name)
        if key is not None:
            ref = REFERENCES[key]
        elif name == "python":
            ref = Reference("python", "misc", ("{Python Software Foundation}",), "Python", "",
                            url="https://www.python.org")  # fmt: skip
        else:
            ref = Reference(f"pkg:{name}", "misc", (), name, "", url=_PACKAGE_URL.format(name))
        bib.add_package(ref, name, version, why)


def package_bibliography() -> Bibliography:
    """anionscreen, every dataset it can learn from, its default methods, installed packages."""
    versions = package_versions(("anionscreen", "numpy", "scipy", "pandas", "pyarrow",
                                 "scikit-learn", "pymatgen", "matminer", "duckdb", "dask"))  # fmt: skip
    bib = Bibliography(f"anionscreen {versions.get('anionscreen', 'unknown')}: package and data")
    bib.add("anionscreen", anionscreen_reference(versions.get("anionscreen", "unknown")),
            "the screening framework")  # fmt: skip
    compilation = _row_dois(load_compilation())
    for source in SOURCE_NAMES:
        if source == "log":
            continue
        dois = compilation if source == "bundled" else {}
        _cite_source(bib, source, f"dataset {source}", dois)
    families = {f for fams in TRAINING_FAMILIES.values() for f in fams} | {"magpie_rf"}
    _cite_methods(bib, "composition", sorted(families), "default models")
    _cite_packages(bib, versions, "installed")
    return bib


def _registry_card(registry: ModelRegistry, version: str) -> dict[str, Any] | None:
    try:
        return registry.card(version)
    except AnionscreenError:
        return None


def run_bibliography(run: RunFolder) -> Bibliography:
    """What the run ``run`` used: its models' data, methods and the packages that ran it."""
    info = run.info
    start = info.start
    anionscreen_version = start.packages.get("anionscreen", "unknown")
    bib = Bibliography(f"anionscreen run {run.run_id}: data, methods and software it used")
    bib.add("anionscreen", anionscreen_reference(anionscreen_version), f"run {run.run_id}")
    workspace = run.path.parent.parent
    registry = ModelRegistry(workspace) if runs_root(workspace) == run.path.parent else None
    hashes = start.dataset_hashes
    for target, version in sorted(start.model_versions.items()):
        card = None if registry is None else _registry_card(registry, version)
        why = f"model {version}"
        if card is None:
            recorded = hashes.models.get(target) if hashes is not None else None
            sources = list(recorded.sources or ()) if recorded is not None else []
            bib.notes.append(
                f"no card of {version} in this workspace's registry: its data is cited from the "
                f"sources run.json records ({', '.join(sources) or 'none recorded'}), its "
                "methods are not known"
            )
            for source in sources:
                _cite_source(bib, source, f"{why} (recorded source {source})", {})
            continue
        rows = card.get("data_report", {}).get("sources", {})
        for source, count in rows.items():
            dois: dict[str, list[str]] = {}
            if source == "bundled":
                dois = _row_dois(load_compilation(), target)
            elif source == "log":
                logged = read_log(get_settings(workspace))
                before = logged["added_at"] <= str(card.get("created", ""))
                dois = _row_dois(logged.loc[before], target)
            _cite_source(bib, source, f"{why}: {count} training rows from {source}", dois)
        families = [str(card.get("family", "")), *card.get("metrics", {}).keys()]
        _cite_methods(bib, str(card.get("preset", "")), families, why)
        _cite_packages(bib, card.get("packages", {}), f"training {version}")
    if start.mp_data is not None and start.mp_data.systems:
        for key in _STABILITY:
            bib.add(
                "methods", REFERENCES[key], "stability window from cached Materials Project data"
            )
    _cite_packages(bib, start.packages, "scoring the run")
    return bib
