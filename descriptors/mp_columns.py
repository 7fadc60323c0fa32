"""Per-chunk Materials Project columns for screening: stability window and novelty.

:class:`MPColumnProvider` reads only the on-disk cache (``anionscreen mp fetch`` fills it), so
it runs offline and on any worker. For each candidate of a chunk it adds:

``reduction_limit_V``, ``oxidation_limit_V``
    The electrochemical stability window in V vs Li/Li+ (see
    :mod:`anionscreen.descriptors.stability`), from the Li grand-potential phase diagram of
    the cached system covering the candidate's elements. NaN for a candidate without Li data
    (no Li in the system) or, with ``on_missing="nan"``, without a covering cached system.
``reduction_products``, ``oxidation_products``
    Reduced formulas of the phases formed just beyond each limit, joined by ``" + "``
    (empty when the limit is 0 V against Li metal or the composition never oxidises).
``known_mp_id``, ``e_above_hull_eV``
    Novelty: when the candidate's reduced composition (compared as element fractions, to
    1e-9) is a known Materials Project phase, the id of its lowest-energy polymorph and that
    polymorph's energy above the hull in eV/atom; otherwise ``""`` and NaN.

Phase diagrams are built once per cached chemical system and reused for every chunk, so the
provider is cheap to call many times. It pickles (with any diagrams built so far), so a
campaign can ship it to workers once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.materials_project import system_entries, system_phases
from anionscreen.datasets.mp_cache import (
    CachedSystem,
    MPCacheMissingError,
    list_cached,
    mp_cache_dir,
    pick_covering,
    read_cached,
)
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.chunk import CompositionChunk, compositions_to_fractions
from anionscreen.descriptors.elements import element_symbols
from anionscreen.descriptors.stability import LiWindowCalculator

MP_COLUMNS: tuple[str, ...] = (
    "reduction_limit_V",
    "oxidation_limit_V",
    "reduction_products",
    "oxidation_products",
    "known_mp_id",
    "e_above_hull_eV",
)
_ROUND = 9  # decimals of element fractions compared for novelty


class MPColumnProvider:
    """Adds :data:`MP_COLUMNS` to chunks from the Materials Project cache.

    Parameters
    ----------
    settings : Settings
        Where the cache is (``settings.cache / "mp"``).
    db_version : str, optional
        Use only this database version (default: the newest cached one per system).
    on_missing : {"raise", "nan"}
        A candidate whose elements no cached system covers raises
        :class:`~anionscreen.datasets.mp_cache.MPCacheMissingError` (default), or gets NaN
        window columns.

    Examples
    --------
    ``provider = MPColumnProvider(get_settings()); table = provider.columns(chunk)``
    """

    def __init__(
        self,
        settings: Settings,
        *,
        db_version: str | None = None,
        on_missing: Literal["raise", "nan"] = "raise",
    ) -> None:
        if on_missing not in ("raise", "nan"):
            raise AnionscreenError(f"on_missing must be 'raise' or 'nan'; got {on_missing!r}")
        self.settings = settings
        self.db_version = db_version
        self.on_missing = on_missing
        self._systems = [
            c for c in list_cached(settings) if db_version is None or c.db_version == db_version
        ]
        self._novelty = self._known_table()
        self._calculators: dict[tuple[str, str], LiWindowCalculator | None] = {}

    @property
    def systems(self) -> list[str]:
        """Cached chemical systems this provider reads (``chemsys@db_version``)."""
        return [f"{c.chemsys}@{c.db_version}" for c in self._systems]

    def _known_table(self) -> dict[bytes, tuple[str, float]]:
        best: dict[bytes, tuple[str, float]] = {}
        for system in self._systems:
            phases = system_phases(system)
            if phases.empty:
                continue
            comps = [Composition(f) for f in phases["formula_pretty"]]
            fractions = compositions_to_fractions(comps)
            for row, mp_id, e_hull in zip(
                fractions, phases["material_id"], phases["e_above_hull_eV"], strict=True
            ):
                key = np.round(row, _ROUND).tobytes()
                value = (str(mp_id), float(e_hull))
                if key not in best or value[1] < best[key][1]:
                    best[key] = value
        return best

    def _calculator(self, system: CachedSystem) -> LiWindowCalculator | None:
        key = (system.chemsys, system.db_version)
        if key not in self._calculators:
            if not system.payload:  # shipped without payload: read it where we run
                system = read_cached(system.path)
            has_li = "Li" in system.elements
            self._calculators[key] = LiWindowCalculator(system_entries(system)) if has_li else None
        return self._calculators[key]

    def _covering(self, elements: frozenset[str]) -> CachedSystem | None:
        return pick_covering(elements, self._systems)

    def __getstate__(self) -> dict[str, Any]:
        # Ship what the columns need (built diagrams, the novelty table), not the raw cache
        # payloads: workers re-read a system from the cache only if its diagram is missing.
        state = dict(self.__dict__)
        state["_systems"] = [replace(c, payload={}) for c in self._systems]
        return state

    def prepare(self, element_sets: list[frozenset[str]]) -> list[str]:
        """Build the phase diagrams these element sets need now (before shipping to workers).

        Returns the element sets (as chemical systems) that no cached system covers.
        """
        uncovered = []
        for elements in element_sets:
            system = self._covering(elements)
            if system is None:
                uncovered.append("-".join(sorted(elements)))
            else:
                self._calculator(system)
        return uncovered

    def columns(self, chunk: CompositionChunk) -> pd.DataFrame:
        """The MP columns of every row of ``chunk`` (same order, one row each)."""
        n = len(chunk)
        out = pd.DataFrame(
            {
                "reduction_limit_V": np.full(n, np.nan),
                "oxidation_limit_V": np.full(n, np.nan),
                "reduction_products": np.full(n, "", dtype=object),
                "oxidation_products": np.full(n, "", dtype=object),
            }
        )
        symbols = np.array(element_symbols(), dtype=object)
        present = chunk.fractions > 0
        # Group rows by element set; packed bits as one void value per row sort fast.
        packed = np.ascontiguousarray(np.packbits(present, axis=1))
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1)
        _, first, group_of_row = np.unique(keys, return_index=True, return_inverse=True)
        group_of_row = group_of_row.reshape(-1)
        missing = []
        for group, row0 in enumerate(first):
            elements = frozenset(symbols[present[row0]].tolist())
            rows = np.flatnonzero(group_of_row == group)
            system = self._covering(elements)
            if system is None:
                missing.append("-".join(sorted(elements)))
                continue
            calculator = self._calculator(system)
            if calculator is None:  # a Li-free system has no window against Li
                continue
            arrays = calculator.window_arrays(chunk.fractions[rows])
            out.loc[rows, "reduction_limit_V"] = arrays.reduction_limit_V
            out.loc[rows, "oxidation_limit_V"] = arrays.oxidation_limit_V
            out.loc[rows, "reduction_products"] = [" + ".join(p) for p in arrays.reduction_products]
            out.loc[rows, "oxidation_products"] = [" + ".join(p) for p in arrays.oxidation_products]
        if missing and self.on_missing == "raise":
            raise MPCacheMissingError(sorted(missing), mp_cache_dir(self.settings))
        rounded = np.round(chunk.fractions, _ROUND)
        known = [self._novelty.get(row.tobytes()) for row in rounded]
        out["known_mp_id"] = np.array([k[0] if k else "" for k in known], dtype=object)
        out["e_above_hull_eV"] = np.array([k[1] if k else np.nan for k in known], dtype=np.float64)
        return out
