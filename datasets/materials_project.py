"""Materials Project adapter: fetch a chemical system once, then work offline from the cache.

:func:`fetch_chemsys` asks the Materials Project (through ``mp_api.client.MPRester``) for a
chemical system and all its subsystems: computed entries for phase diagrams, summary documents
(known phases, energy above hull) and elasticity documents; it stores them with
:mod:`anionscreen.datasets.mp_cache`. Everything else here reads only the cache, so campaigns,
tests and users without a key or a network never touch the API.

The client is injected: pass any object with MPRester's ``db_version``,
``get_entries_in_chemsys`` and ``materials.summary.search`` / ``materials.elasticity.search``
(tests pass one that replays recorded responses). Without one, an ``MPRester`` is built with
the key from ``MP_API_KEY`` or pymatgen's ``PMG_MAPI_KEY`` setting. The key is never logged,
cached or put in an error message: errors from the client are reported with the key masked and
without the chained traceback that could carry it.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from pymatgen.core.composition import Composition
from pymatgen.core.entries import ComputedEntry

from anionscreen.datasets.elastic import DFT_NOTE, ELASTIC_DOI, young_modulus
from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.formula import normalized_formula
from anionscreen.datasets.mp_cache import (
    CACHE_FORMAT,
    CachedSystem,
    cache_path,
    find_covering,
    list_cached,
    normalize_chemsys,
    read_cached,
    require_covering,
    write_json_atomic,
)
from anionscreen.datasets.mp_client import (
    DEFAULT_THERMO_TYPE,
    MPClient,
    ask_mp,
    client_version,
    default_client,
    download_chemsys,
)
from anionscreen.datasets.schema import validate_measurements
from anionscreen.datasets.settings import Settings

logger = logging.getLogger(__name__)


def fetch_chemsys(
    chemsys: str,
    settings: Settings,
    client: MPClient | None = None,
    *,
    thermo_type: str = DEFAULT_THERMO_TYPE,
    refresh: bool = False,
) -> CachedSystem:
    """Fetch a chemical system (and its subsystems) into the cache, unless already there.

    Parameters
    ----------
    chemsys : str
        Elements joined by ``-`` in any order, e.g. ``"Li-Ta-S-O-Cl"``.
    settings : Settings
        ``settings.cache / "mp"`` receives the file.
    client : MPClient, optional
        An ``MPRester`` or an object with the same methods; default: a new ``MPRester`` with
        the configured key.
    thermo_type : str
        MP thermo type of the entries (default: the mixed GGA/GGA+U/r2SCAN hull).
    refresh : bool
        Ask again even if this database version is already cached.

    Returns
    -------
    CachedSystem
        The cached system that covers ``chemsys`` for the client's database version.

    Raises
    ------
    MPUnavailableError
        No key (when no client is given), or the API failed or timed out; nothing is written.
    """
    name = normalize_chemsys(chemsys)
    owned = client is None
    active: Any = default_client(name) if client is None else client
    try:
        db_version = str(
            ask_mp(
                "database version",
                name,
                lambda: active.db_version,
                getattr(active, "api_key", None),
            )
        )
        if not refresh:
            have = find_covering(name, settings, db_version)
            if have is not None:
                cached_type = have.payload.get("thermo_type")
                if cached_type != thermo_type:
                    # One cache file per system and database version: say so rather than
                    # return entries of another thermo type as if they were the ones asked for.
                    raise AnionscreenError(
                        f"{name} is cached (as {have.chemsys}, database {db_version}) with "
                        f"thermo type {cached_type!r}, not {thermo_type!r}; fetch with "
                        "refresh (`anionscreen mp fetch --refresh`) to replace it"
                    )
                logger.info("Materials Project %s %s: already cached", name, db_version)
                return have
        data = download_chemsys(active, name, thermo_type)
    finally:
        if owned and hasattr(active, "session"):
            active.session.close()
    payload = {
        "format": CACHE_FORMAT,
        "chemsys": name,
        "db_version": db_version,
        "thermo_type": thermo_type,
        "fetched_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "client": client_version(),
        **data,
    }
    path = cache_path(settings, name, db_version)
    write_json_atomic(path, payload)
    cached = read_cached(path)
    logger.info("Materials Project %s %s cached: %s", name, db_version, cached.counts())
    return cached


def _within(system_elements: frozenset[str], chemsys: object) -> bool:
    return bool(chemsys) and frozenset(str(chemsys).split("-")) <= system_elements


def system_entries(
    system: CachedSystem, elements: frozenset[str] | None = None
) -> list[ComputedEntry]:
    """Entries of a loaded cached system, optionally only those within ``elements``."""
    wanted = elements if elements is not None else system.elements
    entries = [ComputedEntry.from_dict(d) for d in system.payload["entries"]]
    return [e for e in entries if {el.symbol for el in e.composition.elements} <= wanted]


def cached_entries(
    chemsys: str, settings: Settings, db_version: str | None = None
) -> list[ComputedEntry]:
    """Computed entries of ``chemsys`` and its subsystems, from the cache (never the network)."""
    cached = require_covering(chemsys, settings, db_version)
    return system_entries(cached, frozenset(normalize_chemsys(chemsys).split("-")))


_PHASE_COLUMNS = [
    "material_id",
    "formula",
    "formula_pretty",
    "chemsys",
    "e_above_hull_eV",
    "formation_energy_eV_per_atom",
    "is_stable",
    "theoretical",
]


def system_phases(system: CachedSystem, elements: frozenset[str] | None = None) -> pd.DataFrame:
    """Known phases of a loaded cached system (see :func:`known_phases` for the columns)."""
    wanted = elements if elements is not None else system.elements
    rows = [
        {
            "material_id": str(d["material_id"]),
            "formula": normalized_formula(Composition(str(d["formula_pretty"]))),
            "formula_pretty": str(d["formula_pretty"]),
            "chemsys": normalize_chemsys(str(d["chemsys"])),
            "e_above_hull_eV": _number(d.get("energy_above_hull")),
            "formation_energy_eV_per_atom": _number(d.get("formation_energy_per_atom")),
            "is_stable": bool(d.get("is_stable")),
            "theoretical": bool(d.get("theoretical")),
        }
        for d in system.payload["summary"]
        if _within(wanted, d.get("chemsys"))
    ]
    frame = pd.DataFrame(rows, columns=_PHASE_COLUMNS)
    return frame.sort_values(["formula", "e_above_hull_eV", "material_id"]).reset_index(drop=True)


def known_phases(chemsys: str, settings: Settings, db_version: str | None = None) -> pd.DataFrame:
    """Known Materials Project phases of ``chemsys`` and its subsystems, from the cache.

    Columns: ``material_id``, ``formula`` (normalised), ``formula_pretty``, ``chemsys``,
    ``e_above_hull_eV`` (eV/atom), ``formation_energy_eV_per_atom``, ``is_stable``,
    ``theoretical``; sorted by formula then energy above hull (lowest polymorph first).
    """
    cached = require_covering(chemsys, settings, db_version)
    return system_phases(cached, frozenset(normalize_chemsys(chemsys).split("-")))


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _vrh(doc: dict[str, Any], key: str) -> float:
    block = doc.get(key)
    return _number(block.get("vrh")) if isinstance(block, dict) else math.nan


_KIND_NOTES = (
    ("bulk", "K_VRH"),
    ("shear", "G_VRH"),
    ("Young", "derived E = 9KG/(3K+G) from K_VRH and G_VRH"),
)


def _release_month(db_version: str) -> str:
    """``2025.09.25`` -> ``2025-09``: the database release bounds when a value was published."""
    match = re.match(r"^((?:19|20)\d\d)[._-](0[1-9]|1[0-2])", db_version)
    return f"{match.group(1)}-{match.group(2)}" if match else ""


def _elastic_rows(
    system: CachedSystem, wanted: frozenset[str], seen: set[str]
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    dropped: list[str] = []
    for doc in system.payload["elasticity"]:
        mp_id = str(doc.get("material_id"))
        if mp_id in seen or not _within(wanted, doc.get("chemsys")):
            continue
        seen.add(mp_id)
        bulk, shear = _vrh(doc, "bulk_modulus"), _vrh(doc, "shear_modulus")
        if doc.get("state") == "failed" or not (bulk > 0 and shear > 0):
            dropped.append(mp_id)
            continue
        values = (bulk, shear, young_modulus(bulk, shear))
        for (kind, what), value in zip(_KIND_NOTES, values, strict=True):
            rows.append(
                {
                    "composition": str(doc["formula_pretty"]),
                    "modulus_GPa": value,
                    "modulus_kind": kind,
                    "modulus_method": "DFT",
                    "amorphous": "false",
                    "source": "materials_project",
                    "doi": ELASTIC_DOI,
                    "published": _release_month(system.db_version),
                    "note": f"{DFT_NOTE} {mp_id}; {what}; database {system.db_version}",
                }
            )
    if dropped:
        logger.warning(
            "Materials Project elastic data (%s): %d material(s) left out (failed fit or "
            "K, G <= 0): %s",
            system.chemsys,
            len(dropped),
            ", ".join(dropped),
        )
    return rows


def _elastic_frame(rows: list[dict[str, object]], name: str) -> pd.DataFrame:
    columns = ["composition", "modulus_GPa", "modulus_kind", "amorphous", "source", "doi", "note"]
    return validate_measurements(pd.DataFrame(rows, columns=columns), name)


def elastic_records(
    chemsys: str, settings: Settings, db_version: str | None = None
) -> pd.DataFrame:
    """Cached MP elastic moduli of ``chemsys`` as measurement-schema rows.

    Each material with positive Voigt-Reuss-Hill bulk (K) and shear (G) moduli gives three
    rows, as :mod:`anionscreen.datasets.elastic` does for the other DFT sets: ``modulus_kind``
    ``bulk`` (K), ``shear`` (G) and ``Young`` (E = 9KG / (3K + G)), in GPa, ``source``
    ``materials_project`` and ``note`` ``"DFT-PBE (Materials Project) mp-...; ..."``.
    Materials with a failed fit or a non-positive K or G (mechanically unstable) are left out
    and counted in a log warning.
    """
    cached = require_covering(chemsys, settings, db_version)
    wanted = frozenset(normalize_chemsys(chemsys).split("-"))
    rows = _elastic_rows(cached, wanted, set())
    return _elastic_frame(rows, f"Materials Project elasticity ({cached.chemsys})")


def cached_elastic_records(settings: Settings) -> pd.DataFrame:
    """Elastic rows of every cached system (each material once, newest database first).

    The rows to extend the modulus model's DFT training set with whatever has been fetched;
    an empty frame (schema columns) when nothing is cached.
    """
    systems = sorted(list_cached(settings), key=lambda c: c.db_version, reverse=True)
    seen: set[str] = set()
    rows = [row for system in systems for row in _elastic_rows(system, system.elements, seen)]
    return _elastic_frame(rows, "Materials Project elasticity (cache)")
