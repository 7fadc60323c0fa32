"""Every measurement source by name: the bundled set, the user's log and the external datasets.

This is the one entry point the rest of anionscreen uses for training data::

    settings = get_settings()
    df = load_measurements(["bundled", "log", "obelix_train"], settings)

Rows are in the measurement schema (:data:`~anionscreen.datasets.schema.MEASUREMENT_COLUMNS`)
with ``source`` set to the source name. External loaders skip unreadable rows but record them:
``df.attrs["skipped_rows"]`` and ``df.attrs["failures"]`` (see
:mod:`anionscreen.datasets.loading`); :func:`load_measurements` sums them per source in
``df.attrs["skipped_by_source"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from anionscreen.datasets.bundled import load_bundled
from anionscreen.datasets.elastic import load_elastic_tensor_2015, load_mp_binary_elasticity
from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.external import EXTERNAL_DATASETS
from anionscreen.datasets.fetch import available_offline
from anionscreen.datasets.laskowski import load_laskowski
from anionscreen.datasets.liverpool import load_liverpool
from anionscreen.datasets.loading import OnError, check_on_error
from anionscreen.datasets.materials_project import cached_elastic_records
from anionscreen.datasets.mchaffie import load_mchaffie
from anionscreen.datasets.measurement_log import log_path, read_log
from anionscreen.datasets.mp_cache import list_cached
from anionscreen.datasets.obelix import load_obelix
from anionscreen.datasets.schema import MEASUREMENT_COLUMNS, empty_measurements
from anionscreen.datasets.settings import Settings

SOURCE_NAMES: tuple[str, ...] = (
    "bundled",
    "log",
    "obelix",
    "obelix_train",
    "obelix_test",
    "liverpool",
    "laskowski",
    "mchaffie",
    "elastic_tensor_2015",
    "mp_binary_elasticity",
    "mp_elastic",
)
CONDUCTIVITY_SOURCES: tuple[str, ...] = (
    "bundled",
    "log",
    "obelix",
    "liverpool",
    "laskowski",
    "mchaffie",
)
"""Sources for conductivity training (``obelix`` includes both official splits)."""

_LOADERS: dict[str, Callable[[Settings, OnError], pd.DataFrame]] = {
    # bundled and log are validated strictly when written, so on_error does not apply to them
    "bundled": lambda settings, on_error: load_bundled(),
    "log": lambda settings, on_error: read_log(settings).loc[:, list(MEASUREMENT_COLUMNS)],
    "obelix": lambda settings, on_error: load_obelix(settings, "all", on_error=on_error),
    "obelix_train": lambda settings, on_error: load_obelix(settings, "train", on_error=on_error),
    "obelix_test": lambda settings, on_error: load_obelix(settings, "test", on_error=on_error),
    "liverpool": lambda settings, on_error: load_liverpool(settings, on_error=on_error),
    "laskowski": lambda settings, on_error: load_laskowski(settings, on_error=on_error),
    "mchaffie": lambda settings, on_error: load_mchaffie(settings, on_error=on_error),
    "elastic_tensor_2015": lambda settings, on_error: load_elastic_tensor_2015(
        settings, on_error=on_error
    ),
    "mp_binary_elasticity": lambda settings, on_error: load_mp_binary_elasticity(
        settings, on_error=on_error
    ),
    # Whatever `anionscreen mp fetch` has cached (validated when cached); none is downloaded here.
    "mp_elastic": lambda settings, on_error: cached_elastic_records(settings),
}
_MP_ELASTIC_META = (
    "modulus",
    "CC BY 4.0 (Materials Project data)",
    "A. Jain et al., APL Mater. 1, 011002 (2013), DOI 10.1063/1.4812323; elastic workflow: "
    "M. de Jong et al., Sci. Data 2, 150009 (2015), DOI 10.1038/sdata.2015.9",
)


def _check_name(name: str) -> None:
    if name not in _LOADERS:
        raise AnionscreenError(
            f"unknown source {name!r}; expected one of {', '.join(SOURCE_NAMES)}"
        )


def load_source(name: str, settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """Rows of one source in the measurement schema, ``source`` = ``name``.

    ``on_error="skip"`` (default) drops rows an external loader cannot read and records them
    in ``attrs``; ``"raise"`` raises :class:`DataValidationError` listing them all.

    Raises
    ------
    AnionscreenError
        For an unknown name, or an external dataset that is neither in the mirror nor in the
        cache (the message says how to get it).
    ChecksumError
        If an external file is not the published one.
    DataValidationError
        With ``on_error="raise"``, if an external file has rows that cannot be read.
    """
    _check_name(name)
    check_on_error(on_error)
    df = _LOADERS[name](settings, on_error)
    df["source"] = name
    df.attrs.setdefault("skipped_rows", 0)
    df.attrs.setdefault("failures", [])
    return df


def load_measurements(
    names: Sequence[str], settings: Settings, *, on_error: OnError = "skip"
) -> pd.DataFrame:
    """Rows of several sources stacked (no deduplication: see :mod:`.combined`)."""
    if isinstance(names, str):
        raise AnionscreenError(f"names must be a list of source names, not the string {names!r}")
    for name in names:
        _check_name(name)
    frames = [load_source(name, settings, on_error=on_error) for name in dict.fromkeys(names)]
    skipped = {
        name: int(f.attrs["skipped_rows"])
        for name, f in zip(dict.fromkeys(names), frames, strict=True)
    }
    failures = [failure for f in frames for failure in f.attrs["failures"]]
    non_empty = [f for f in frames if len(f)]
    for f in frames:
        f.attrs.clear()  # pandas compares attrs on concat; the summary is rebuilt below
    out = pd.concat(non_empty, ignore_index=True) if non_empty else empty_measurements()
    out.attrs["skipped_by_source"] = skipped
    out.attrs["skipped_rows"] = sum(skipped.values())
    out.attrs["failures"] = failures
    return out


def source_available(name: str, settings: Settings) -> bool:
    """Whether ``name`` can be loaded now without a download (no checksum check here)."""
    _check_name(name)
    if name == "bundled":
        return True
    if name == "log":
        return log_path(settings).exists()
    if name == "mp_elastic":
        return bool(list_cached(settings))
    return available_offline(EXTERNAL_DATASETS[name], settings)


_TARGET_COLUMNS = {
    "sigma_rows": "sigma_S_per_cm",
    "ea_rows": "ea_eV",
    "modulus_rows": "modulus_GPa",
}


def list_sources(settings: Settings) -> pd.DataFrame:
    """One row per source: name, kind, available, rows, sigma_rows, ea_rows, modulus_rows,
    skipped, published_rows, licence, citation.

    ``rows`` are the schema rows loaded (elastic sets give three per material), ``sigma_rows``,
    ``ea_rows`` and ``modulus_rows`` those with a value of each target, and ``skipped``
    the file rows that could not be read; both are empty when the source is not available.
    ``published_rows`` is the row count the dataset's documentation gives. Available external
    sources are loaded (and checksummed) to count their rows.
    """
    records = []
    for name in SOURCE_NAMES:
        available = source_available(name, settings)
        skipped: int | None = None
        if name == "bundled":
            kind, licence, citation = (
                "conductivity+modulus",
                "project compilation (facts with a DOI per row)",
                "anionscreen compilation; cite each row's DOI, the Li2TaS(1-x)O(x)Cl5 series: "
                "B. O. Ogbolu et al., ACS Materials Lett. 7, 4029 (2025), "
                "DOI 10.1021/acsmaterialslett.5c01054",
            )
        elif name == "log":
            kind, licence, citation = "conductivity+modulus", "user data", str(log_path(settings))
        elif name == "mp_elastic":
            kind, licence, citation = _MP_ELASTIC_META
        else:
            meta = EXTERNAL_DATASETS[name]
            kind, licence, citation = meta.kind, meta.licence, meta.citation
        rows: int | None = None
        counts: dict[str, int | None] = dict.fromkeys(_TARGET_COLUMNS)
        if available:
            df = load_source(name, settings)
            rows, skipped = len(df), int(df.attrs["skipped_rows"])
            counts = {k: int(df[c].notna().sum()) for k, c in _TARGET_COLUMNS.items()}
        elif name in ("log", "mp_elastic"):
            rows, skipped = 0, 0
        records.append(
            {
                "name": name,
                "kind": kind,
                "available": available,
                "rows": rows,
                **counts,
                "skipped": skipped,
                "published_rows": EXTERNAL_DATASETS[name].rows
                if name in EXTERNAL_DATASETS
                else None,
                "licence": licence,
                "citation": citation,
            }
        )
    table = pd.DataFrame(records)
    for col in ("rows", *_TARGET_COLUMNS, "skipped", "published_rows"):
        table[col] = table[col].astype("Int64")
    return table
