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

import itertools
import json
import logging
import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from monty.json import MontyDecoder, MontyEncoder
from pymatgen.core.composition import Composition
from pymatgen.core.entries import ComputedEntry

from anionscreen.datasets.formula import normalized_formula
from anionscreen.datasets.mp_cache import (
    CACHE_FORMAT,
    CachedSystem,
    cache_path,
    find_covering,
    normalize_chemsys,
    read_cached,
    require_covering,
    write_json_atomic,
)
from anionscreen.datasets.mp_client import (
    MPClient,
    MPUnavailableError,
    ask_mp,
    client_version,
    default_client,
)
from anionscreen.datasets.schema import validate_measurements
from anionscreen.datasets.settings import Settings

logger = logging.getLogger(__name__)

#: MP's mixed GGA/GGA+U/r2SCAN hull, the one shown on materialsproject.org.
DEFAULT_THERMO_TYPE = "GGA_GGA+U_R2SCAN"
SUMMARY_FIELDS: tuple[str, ...] = (
    "material_id",
    "formula_pretty",
    "chemsys",
    "energy_above_hull",
    "formation_energy_per_atom",
    "is_stable",
    "theoretical",
)
ELASTICITY_FIELDS: tuple[str, ...] = (
    "material_id",
    "formula_pretty",
    "chemsys",
    "bulk_modulus",
    "shear_modulus",
    "homogeneous_poisson",
    "state",
)
#: de Jong et al., Sci. Data 2, 150009 (2015): the Materials Project elastic-constant workflow.
ELASTIC_DOI = "10.1038/sdata.2015.9"
ELASTIC_NOTE = "DFT-PBE (Materials Project)"


def subsystems(chemsys: str) -> list[str]:
    """Every chemical system made of a non-empty subset of the elements, as MP spells them."""
    elements = normalize_chemsys(chemsys).split("-")
    return [
        "-".join(combo)
        for n in range(1, len(elements) + 1)
        for combo in itertools.combinations(elements, n)
    ]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=MontyEncoder))


def _doc_dict(doc: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    data = doc.model_dump(mode="json") if hasattr(doc, "model_dump") else dict(doc)
    return {f: _jsonable(data.get(f)) for f in fields}


def _plain_entry(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        entry = MontyDecoder().process_decoded(entry)
    if not isinstance(entry, ComputedEntry):
        raise MPUnavailableError(
            f"expected computed entries from the Materials Project; got {type(entry).__name__}"
        )
    # Structures are not needed for phase diagrams and would make the cache ~20x larger.
    plain = ComputedEntry(
        entry.composition,
        entry.uncorrected_energy,
        energy_adjustments=entry.energy_adjustments,
        parameters=entry.parameters,
        data=entry.data,
        entry_id=entry.entry_id,
    )
    result: dict[str, Any] = _jsonable(plain.as_dict())
    return result


def _download(client: MPClient, chemsys: str, thermo_type: str) -> dict[str, Any]:
    elements = chemsys.split("-")
    entries = ask_mp(
        "entries request",
        chemsys,
        lambda: client.get_entries_in_chemsys(
            elements, additional_criteria={"thermo_types": [thermo_type]}
        ),
    )
    summary = ask_mp(
        "summary search",
        chemsys,
        lambda: client.materials.summary.search(
            chemsys=subsystems(chemsys), deprecated=False, fields=list(SUMMARY_FIELDS)
        ),
    )
    summary_docs = [_doc_dict(d, SUMMARY_FIELDS) for d in summary]
    ids = sorted({str(d["material_id"]) for d in summary_docs if d["material_id"]})
    elastic = (
        ask_mp(
            "elasticity search",
            chemsys,
            lambda: client.materials.elasticity.search(
                material_ids=ids, fields=list(ELASTICITY_FIELDS)
            ),
        )
        if ids
        else []
    )
    return {
        "entries": [_plain_entry(e) for e in entries],
        "summary": summary_docs,
        "elasticity": [_doc_dict(d, ELASTICITY_FIELDS) for d in elastic],
    }


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
        db_version = str(ask_mp("database version", name, lambda: active.db_version))
        if not refresh:
            have = find_covering(name, settings, db_version)
            if have is not None:
                logger.info("Materials Project %s %s: already cached", name, db_version)
                return have
        data = _download(active, name, thermo_type)
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


def cached_entries(
    chemsys: str, settings: Settings, db_version: str | None = None
) -> list[ComputedEntry]:
    """Computed entries of ``chemsys`` and its subsystems, from the cache (never the network)."""
    cached = require_covering(chemsys, settings, db_version)
    wanted = frozenset(normalize_chemsys(chemsys).split("-"))
    entries = [ComputedEntry.from_dict(d) for d in cached.payload["entries"]]
    return [e for e in entries if {el.symbol for el in e.composition.elements} <= wanted]


def known_phases(chemsys: str, settings: Settings, db_version: str | None = None) -> pd.DataFrame:
    """Known Materials Project phases of ``chemsys`` and its subsystems, from the cache.

    Columns: ``material_id``, ``formula`` (normalised), ``formula_pretty``, ``chemsys``,
    ``e_above_hull_eV`` (eV/atom), ``formation_energy_eV_per_atom``, ``is_stable``,
    ``theoretical``; sorted by formula then energy above hull (lowest polymorph first).
    """
    cached = require_covering(chemsys, settings, db_version)
    wanted = frozenset(normalize_chemsys(chemsys).split("-"))
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
        for d in cached.payload["summary"]
        if _within(wanted, d.get("chemsys"))
    ]
    columns = [
        "material_id",
        "formula",
        "formula_pretty",
        "chemsys",
        "e_above_hull_eV",
        "formation_energy_eV_per_atom",
        "is_stable",
        "theoretical",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["formula", "e_above_hull_eV", "material_id"]).reset_index(drop=True)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _vrh(doc: dict[str, Any], key: str) -> float:
    block = doc.get(key)
    return _number(block.get("vrh")) if isinstance(block, dict) else math.nan


def elastic_records(
    chemsys: str, settings: Settings, db_version: str | None = None
) -> pd.DataFrame:
    """Cached MP elastic moduli as measurement-schema rows, to extend the DFT modulus set.

    Each material with positive Voigt-Reuss-Hill bulk (K) and shear (G) moduli gives three
    rows: ``modulus_kind`` ``bulk`` (K), ``shear`` (G) and ``Young`` (E = 9KG / (3K + G)),
    in GPa, with ``note`` starting ``"DFT-PBE (Materials Project)"`` and the material id.
    Materials with a failed fit or a non-positive K or G (mechanically unstable) are left out
    and counted in a log warning.
    """
    cached = require_covering(chemsys, settings, db_version)
    wanted = frozenset(normalize_chemsys(chemsys).split("-"))
    rows: list[dict[str, object]] = []
    dropped: list[str] = []
    for doc in cached.payload["elasticity"]:
        if not _within(wanted, doc.get("chemsys")):
            continue
        bulk, shear = _vrh(doc, "bulk_modulus"), _vrh(doc, "shear_modulus")
        if doc.get("state") == "failed" or not (bulk > 0 and shear > 0):
            dropped.append(str(doc.get("material_id")))
            continue
        young = 9.0 * bulk * shear / (3.0 * bulk + shear)
        note = f"{ELASTIC_NOTE} {doc['material_id']}, VRH average, database {cached.db_version}"
        for kind, value in (("bulk", bulk), ("shear", shear), ("Young", young)):
            rows.append(
                {
                    "composition": str(doc["formula_pretty"]),
                    "modulus_GPa": value,
                    "modulus_kind": kind,
                    "amorphous": "false",
                    "source": "materials_project",
                    "doi": ELASTIC_DOI,
                    "note": note,
                }
            )
    if dropped:
        logger.warning(
            "Materials Project elastic data: %d material(s) left out (failed fit or K, G <= 0): %s",
            len(dropped),
            ", ".join(dropped),
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "composition",
            "modulus_GPa",
            "modulus_kind",
            "amorphous",
            "source",
            "doi",
            "note",
        ],
    )
    return validate_measurements(frame, f"Materials Project elasticity ({cached.chemsys})")
