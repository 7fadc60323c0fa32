"""How big a space is, by arithmetic alone, and the limit above which a run must be asked for.

A generator examines every *grid point* of its space: each choice of the symbol placeholders
times each point of the numeric grid (a template), or each amount of each element subset (a
system space). That number is a product of list lengths, known at once without enumerating
anything; the candidates are the neutral points (with a balance placeholder a point can give
one candidate per distinct solved amount). Counting the candidates exactly, let alone scoring
them, examines every point, so a space of 5e10 points would run for hours and fill memory
before a single line came back.

Spaces above a limit (:data:`~.fields.DEFAULT_MAX_GRID_POINTS` unless raised) are refused
with their size and how to go ahead (``max_grid_points`` under ``[execution]`` in a campaign,
``--max-grid-points`` on the command line): one template space as it is validated, before its
grid values are built (:func:`~.specs.spaces_from_config`), and all spaces together by
:func:`check_size`.
"""

from __future__ import annotations

from collections.abc import Sequence

from anionscreen.screening.spaces.fields import DEFAULT_MAX_GRID_POINTS, too_large
from anionscreen.screening.spaces.generators import make_generator
from anionscreen.screening.spaces.specs import SpaceSpec

__all__ = ["DEFAULT_MAX_GRID_POINTS", "check_size", "grid_points"]


def grid_points(spaces: Sequence[SpaceSpec]) -> list[int]:
    """Grid points of each space (products of list lengths; nothing is enumerated)."""
    return [make_generator(space).grid_points() for space in spaces]


def check_size(spaces: Sequence[SpaceSpec], limit: int, source: str = "<spaces>") -> int:
    """The total grid points of ``spaces``; :class:`~.fields.SpaceTooLargeError` above
    ``limit``."""
    total = sum(grid_points(spaces))
    if total > limit:
        names = ", ".join(repr(space.name) for space in spaces)
        raise too_large(f"{source}: the spaces {names} together", total, limit)
    return total
