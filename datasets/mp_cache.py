"""The on-disk cache of Materials Project responses: one JSON file per chemical system and
database version, under ``<settings.cache>/mp/<db_version>/<chemsys>.json``.

A cached system holds everything a campaign needs offline: computed entries (for phase
diagrams), summary documents (known phases, energy above hull) and elasticity documents. Files
are written atomically (a temporary file in the same folder, then :func:`os.replace`), so a
reader never sees half a file and a killed fetch leaves nothing behind. The API key is never
written here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymatgen.core.periodic_table import Element

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import atomic_write_bytes
from anionscreen.datasets.settings import Settings

CACHE_FORMAT = 1


def fetch_command(chemsys: list[str]) -> str:
    """The command that fills the cache with these systems."""
    return "anionscreen mp fetch " + " ".join(chemsys)


class MPCacheMissingError(AnionscreenError):
    """No cached Materials Project data covers the chemical system(s) asked about."""

    def __init__(self, chemsys: list[str], cache_dir: Path, purpose: str = "") -> None:
        self.chemsys = list(chemsys)
        command = fetch_command(self.chemsys)
        lead = f"{purpose}, but there is " if purpose else ""
        super().__init__(
            f"{lead}no cached Materials Project data for {', '.join(self.chemsys)} in "
            f"{cache_dir}. Fill the cache first (needs MP_API_KEY and a network): {command}"
        )


def normalize_chemsys(text: str) -> str:
    """Canonical chemical system: element symbols, unique, alphabetical, joined by ``-``.

    >>> normalize_chemsys("Li-Ta-S-O-Cl")
    'Cl-Li-O-S-Ta'
    """
    parts = [p.strip() for p in str(text).replace(",", "-").split("-") if p.strip()]
    if not parts:
        raise AnionscreenError(
            f"chemical system {text!r} is empty; expected element symbols joined by '-'"
        )
    for symbol in parts:
        if not Element.is_valid_symbol(symbol):
            raise AnionscreenError(
                f"chemical system {text!r} has {symbol!r}, which is not an element symbol"
            )
    return "-".join(sorted(set(parts)))


def mp_cache_dir(settings: Settings) -> Path:
    """The folder holding all cached Materials Project systems."""
    return settings.cache / "mp"


def _safe_version(db_version: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in db_version)
    return cleaned or "unknown"


def cache_path(settings: Settings, chemsys: str, db_version: str) -> Path:
    """Where one system of one database version is cached."""
    return mp_cache_dir(settings) / _safe_version(db_version) / f"{normalize_chemsys(chemsys)}.json"


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON so that ``path`` is either the old file or the complete new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(payload, indent=1, sort_keys=True).encode("utf-8"))


@dataclass(frozen=True)
class CachedSystem:
    """One cached chemical system as stored on disk."""

    chemsys: str
    db_version: str
    path: Path
    payload: dict[str, Any]

    @property
    def elements(self) -> frozenset[str]:
        """Element symbols of the system."""
        return frozenset(self.chemsys.split("-"))

    def counts(self) -> dict[str, int]:
        """Number of entries, summary documents and elasticity documents."""
        return {key: len(self.payload.get(key, [])) for key in ("entries", "summary", "elasticity")}


def read_cached(path: Path) -> CachedSystem:
    """Read one cache file; a corrupt or foreign file is an error naming it."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AnionscreenError(
            f"cannot read Materials Project cache file {path}: {err}; delete it and fetch again"
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != CACHE_FORMAT:
        raise AnionscreenError(
            f"{path} is not a Materials Project cache file of format {CACHE_FORMAT}; "
            "delete it and fetch again"
        )
    return CachedSystem(
        chemsys=str(payload["chemsys"]),
        db_version=str(payload["db_version"]),
        path=path,
        payload=payload,
    )


def list_cached(settings: Settings) -> list[CachedSystem]:
    """Every cached system, sorted by chemical system then database version."""
    root = mp_cache_dir(settings)
    if not root.is_dir():
        return []
    found = [read_cached(p) for p in sorted(root.glob("*/*.json"))]
    return sorted(found, key=lambda c: (c.chemsys, c.db_version))


def pick_covering(elements: frozenset[str], systems: Iterable[CachedSystem]) -> CachedSystem | None:
    """Among ``systems``, the one covering ``elements``: newest database, then smallest."""
    candidates = [c for c in systems if elements <= c.elements]
    if not candidates:
        return None
    newest = max(c.db_version for c in candidates)
    return min(
        (c for c in candidates if c.db_version == newest),
        key=lambda c: (len(c.elements), c.chemsys),
    )


def find_covering(
    chemsys: str, settings: Settings, db_version: str | None = None
) -> CachedSystem | None:
    """The cached system that covers ``chemsys`` (same elements or a superset).

    Materials Project chemical-system queries include every subsystem, so a cached
    ``Cl-Li-O-S-Ta`` answers for ``Cl-Li-S-Ta``. Among candidates the newest database version
    wins, then the smallest system.
    """
    wanted = frozenset(normalize_chemsys(chemsys).split("-"))
    systems = [c for c in list_cached(settings) if db_version is None or c.db_version == db_version]
    return pick_covering(wanted, systems)


def require_covering(
    chemsys: str, settings: Settings, db_version: str | None = None
) -> CachedSystem:
    """Like :func:`find_covering`, but raise :class:`MPCacheMissingError` when nothing covers."""
    found = find_covering(chemsys, settings, db_version)
    if found is None:
        raise MPCacheMissingError([normalize_chemsys(chemsys)], mp_cache_dir(settings))
    return found


def missing_systems(element_sets: list[frozenset[str]], settings: Settings) -> list[str]:
    """Chemical systems (from sets of element symbols) that no cached system covers."""
    cached = [c.elements for c in list_cached(settings)]
    uncovered = {e for e in element_sets if not any(e <= have for have in cached)}
    # One fetch of a system also fills its subsystems, so name only the largest systems.
    maximal = [e for e in uncovered if not any(e < other for other in uncovered)]
    return sorted(normalize_chemsys("-".join(e)) for e in maximal)
