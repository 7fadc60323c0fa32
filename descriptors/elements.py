"""The one fixed element order of every element-fraction matrix in anionscreen.

Columns are the elements H..Og in order of atomic number, so column ``i`` holds element
``Z = i + 1``. Every generator writes this order and every descriptor reads it.
"""

from __future__ import annotations

from functools import cache

from pymatgen.core.periodic_table import Element

N_ELEMENTS = 118


@cache
def element_symbols() -> tuple[str, ...]:
    """Element symbols in column order (``element_symbols()[0] == "H"``)."""
    return tuple(Element.from_Z(z).symbol for z in range(1, N_ELEMENTS + 1))


@cache
def element_index() -> dict[str, int]:
    """Map element symbol to its column in the element-fraction matrix."""
    return {sym: i for i, sym in enumerate(element_symbols())}


HALOGENS: tuple[str, ...] = ("F", "Cl", "Br", "I")
CHALCOGEN_ANIONS: tuple[str, ...] = ("O", "S", "Se", "Te")
