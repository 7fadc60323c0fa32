"""Can a space yield the same composition twice? Proved from the space, else keys to dedupe by.

A template space cannot repeat a composition when all of these hold (then generators keep no
set of seen compositions, so memory stays bounded by the chunk size):

1. element *sources* are disjoint: literal elements, and each symbol placeholder's list (no
   element twice in a list, no element in two lists or in a list and a literal term);
2. every symbol placeholder's element is present at every grid point (its total amount > 0,
   or it carries the balance amount, which is > 0 when kept);
3. an *anchor* exists: a source other than the balance one whose total amount is the same
   positive constant at every grid point (e.g. ``{M}`` or ``Cl5``), fixing the scale;
4. the totals of the non-balance sources differ between any two grid points.

(1) and (2) make different symbol choices give different element sets; (3) and (4) make
different grid points of one choice give different compositions, because the balance amount
is then a function of the other totals and the states, and a point is kept once per distinct
balance amount.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anionscreen.descriptors.elements import element_index
from anionscreen.screening.spaces.specs import SpaceSpec

MAX_PROOF_GRID = 4_000_000  # above this many grid points the proof is not attempted


def template_may_repeat(
    space: SpaceSpec,
    terms: Sequence[tuple[tuple[int, ...], np.ndarray | None]],
    grid_shape: tuple[int, ...],
) -> bool:
    """True unless conditions 1-4 of the module docstring hold.

    ``terms`` gives, per template term, the positions of its numeric variables and its exact
    amounts (integers over a common denominator, shaped by those variables), or ``None`` for
    the balance term.
    """
    template = space.template
    assert template is not None
    literals = [t.element for t in template.terms if not t.placeholder]
    pools = [set(literals)]
    for values in space.symbols.values():
        if len(set(values)) != len(values):
            return True
        pools.append(set(values))
    if sum(len(p) for p in pools) != len(set().union(*pools)):
        return True
    grid_size = int(np.prod(grid_shape)) if grid_shape else 1
    if grid_size > MAX_PROOF_GRID:
        return True
    sources: dict[str, np.ndarray] = {}
    balance_source: str | None = None
    for term, (pos, table) in zip(template.terms, terms, strict=True):
        key = ("{" + term.element + "}") if term.placeholder else term.element
        if table is None:
            balance_source = key
            continue
        shape = [1] * len(grid_shape)
        for p, size in zip(pos, table.shape, strict=True):
            shape[p] = size
        full = np.broadcast_to(table.reshape(shape), grid_shape).reshape(grid_size)
        sources[key] = sources.get(key, np.zeros(grid_size, dtype=np.int64)) + full
    for name in space.symbols:
        key = "{" + name + "}"
        if key != balance_source and (key not in sources or sources[key].min() <= 0):
            return True
    others = {k: v for k, v in sources.items() if k != balance_source}
    anchored = any(v.min() > 0 and v.min() == v.max() for v in others.values())
    if not anchored:
        return True
    if not others or grid_size == 1:
        return False
    matrix = np.stack(list(others.values()), axis=1)
    low = matrix.min(axis=0)
    spans = (matrix.max(axis=0) - low + 1).tolist()
    if np.prod(spans, dtype=float) < 2.0**62:
        # One mixed-radix integer per row: a 1-D unique is far faster than unique(axis=0).
        packed = np.zeros(grid_size, dtype=np.int64)
        for column, span in zip((matrix - low).T, spans, strict=True):
            packed = packed * span + column
        packed.sort()
        return bool((packed[1:] == packed[:-1]).any())
    return len(np.unique(matrix, axis=0)) != grid_size


def dedupe_keys(elements: Sequence[str], amounts: np.ndarray) -> list[bytes]:
    """Exact identity of each row's composition (present elements and primitive amounts)."""
    ids = np.array([element_index()[e] + 1 for e in elements], dtype=np.int64)
    order = np.argsort(ids)
    ids, amounts = ids[order], amounts[:, order]
    divisor = np.gcd.reduce(amounts, axis=1)
    divisor[divisor == 0] = 1
    primitive = amounts // divisor[:, None]
    packed = np.where(primitive > 0, ids * (1 << 40) + primitive, 0)
    return [row[row != 0].tobytes() for row in packed]
