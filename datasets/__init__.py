"""Measurements, formula parsing, the bundled dataset and loaders for external datasets.

This package is the lowest layer of anionscreen: it imports nothing from
``anionscreen.descriptors``, ``anionscreen.models`` or ``anionscreen.screening``. Its public
names load on first use, so importing one light module (``errors``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.datasets.bundled import load_bundled
    from anionscreen.datasets.combined import combine
    from anionscreen.datasets.errors import (
        AnionscreenError,
        ChecksumError,
        ConfigError,
        DataValidationError,
        FormulaError,
    )
    from anionscreen.datasets.external import EXTERNAL_DATASETS, external_dataset
    from anionscreen.datasets.fetch import fetch
    from anionscreen.datasets.files import atomic_output, atomic_write_bytes, sha256_of_file
    from anionscreen.datasets.formula import normalized_formula, parse_formula
    from anionscreen.datasets.materials_project import fetch_chemsys
    from anionscreen.datasets.measurement_log import append_measurements, read_log
    from anionscreen.datasets.schema import MEASUREMENT_COLUMNS, validate_measurements
    from anionscreen.datasets.settings import Settings, get_settings
    from anionscreen.datasets.sources import (
        SOURCE_NAMES,
        list_sources,
        load_measurements,
        load_source,
    )

__all__ = [
    "EXTERNAL_DATASETS",
    "MEASUREMENT_COLUMNS",
    "SOURCE_NAMES",
    "AnionscreenError",
    "ChecksumError",
    "ConfigError",
    "DataValidationError",
    "FormulaError",
    "Settings",
    "append_measurements",
    "atomic_output",
    "atomic_write_bytes",
    "combine",
    "external_dataset",
    "fetch",
    "fetch_chemsys",
    "get_settings",
    "list_sources",
    "load_bundled",
    "load_measurements",
    "load_source",
    "normalized_formula",
    "parse_formula",
    "read_log",
    "sha256_of_file",
    "validate_measurements",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
