"""Running descriptor kernels over the blocks of a chunk, with oxidation states and failures.

:func:`compute_features` is the hot path: it cuts the chunk's fraction matrix into blocks,
packs each block's present elements once and hands the same :class:`Block` to every kernel.
:func:`with_states` supplies oxidation states; :func:`resolve_failures` applies the error
policy described in :mod:`anionscreen.descriptors.base`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.charge import assign_oxidation_states, default_oxidation_states
from anionscreen.descriptors.charge_batch import first_neutral_states
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.engine import BLOCK_ROWS, PresentElements, blocks, present_elements
from anionscreen.descriptors.inputs import PreparedInput, RowFailure

ON_ERROR = ("raise", "skip")


class FeaturizeWarning(UserWarning):
    """Rows were skipped under ``on_error="skip"``; their features are NaN."""


@dataclass(frozen=True)
class Block:
    """One block of rows handed to a kernel.

    ``amounts`` (b, 118) are the chunk's rows as given (fractions, summing to 1 up to
    rounding; divide by ``totals`` (b, 1) for exact fractions, which kernels do only for the
    columns they read); ``states`` (b, 118) are oxidation states (NaN where absent) or
    ``None`` for kernels that do not need them; ``present`` packs present elements.
    """

    amounts: np.ndarray
    totals: np.ndarray
    states: np.ndarray | None
    present: PresentElements

    def fractions(self, columns: np.ndarray | list[int] | int) -> np.ndarray:
        """Atomic fractions of the given element columns."""
        if isinstance(columns, int):
            single: np.ndarray = self.amounts[:, columns] / self.totals[:, 0]
            return single
        picked: np.ndarray = self.amounts[:, columns] / self.totals
        return picked

    def slot_states(self) -> np.ndarray:
        """Oxidation state of each slot of ``present``, shape (m, b)."""
        if self.states is None:
            raise RuntimeError("this descriptor set needs oxidation states")
        rows = np.arange(self.states.shape[0])
        picked: np.ndarray = self.states[rows[None, :], self.present.columns]
        return picked


class Kernel(Protocol):
    """What :func:`compute_features` needs of a descriptor set: fitted names and a kernel."""

    feature_names_out_: np.ndarray

    def _compute(self, block: Block, out: np.ndarray) -> None: ...


def check_on_error(owner: str, value: object) -> None:
    """Raise the project error for an ``on_error`` that is not "raise" or "skip"."""
    if value not in ON_ERROR:
        raise AnionscreenError(
            f"The 'on_error' parameter of {owner} must be 'raise' or 'skip'; got {value!r}"
        )


def _failure_text(failures: Sequence[RowFailure], limit: int = 5) -> str:
    shown = "; ".join(f"row {f.row} ({f.input!r}): {f.reason}" for f in failures[:limit])
    more = f"; and {len(failures) - limit} more" if len(failures) > limit else ""
    return shown + more


def with_states(prepared: PreparedInput) -> tuple[PreparedInput, np.ndarray]:
    """Oxidation states for the chunk: the generator's, else the exact neutral assignment.

    Rows the fast text path read are settled in bulk from their exact amounts
    (:func:`~anionscreen.descriptors.charge_batch.first_neutral_states`); the others, and any
    without a neutral assignment, go through
    :func:`~anionscreen.descriptors.charge.assign_oxidation_states`, which words each failure.
    Rows without a neutral assignment move from the chunk to ``failures``.
    """
    chunk = prepared.chunk
    if chunk.oxidation_states is not None:
        return prepared, chunk.oxidation_states
    states = np.full(chunk.fractions.shape, np.nan)
    settled = np.zeros(len(chunk), dtype=bool)
    plain = prepared.plain
    if plain is not None:
        rows = np.flatnonzero(plain.fast[prepared.kept])
        source = prepared.kept[rows]
        settled[rows] = first_neutral_states(
            plain.elements[source],
            plain.mantissas[source],
            plain.decimals[source],
            default_oxidation_states,
            states,
            rows,
        )
    rest = np.flatnonzero(~settled)
    failed: list[tuple[int, str]] = []
    if rest.size:
        # An empty text makes the assignment recover exact amounts from the fraction row.
        texts = np.where(prepared.exact_text[rest], chunk.formulas[rest], "")
        found, failed_rest = assign_oxidation_states(chunk.fractions[rest], list(texts))
        states[rest] = found
        failed = [(int(rest[row]), reason) for row, reason in failed_rest]
    if not failed:
        return prepared, states
    bad = np.zeros(len(chunk), dtype=bool)
    extra = []
    for row, reason in failed:
        bad[row] = True
        extra.append(RowFailure(int(prepared.kept[row]), str(chunk.formulas[row]), reason))
    keep = ~bad
    smaller = CompositionChunk(fractions=chunk.fractions[keep], formulas=chunk.formulas[keep])
    failures = sorted([*prepared.failures, *extra], key=lambda f: f.row)
    return (
        PreparedInput(
            smaller,
            prepared.kept[keep],
            prepared.n_rows,
            failures,
            prepared.exact_text[keep],
            prepared.plain,
        ),
        states[keep],
    )


def compute_features(
    prepared: PreparedInput,
    states: np.ndarray | None,
    kernels: Sequence[Kernel],
    out: np.ndarray | None = None,
    n_threads: int = 1,
) -> np.ndarray:
    """Run kernels side by side over blocks of the chunk; returns (len(chunk), total width).

    ``out``, when given, is a float64 buffer of at least that many rows and exactly that
    width; the result is its leading rows (reusing a buffer avoids page faults, ~2 s/GB).
    ``n_threads > 1`` runs blocks on a thread pool (numpy releases the GIL).
    """
    fractions = prepared.chunk.fractions
    n = len(fractions)
    widths = [len(k.feature_names_out_) for k in kernels]
    offsets = np.concatenate([[0], np.cumsum(widths)])
    width = int(offsets[-1])
    if out is None:
        out = np.empty((n, width), dtype=np.float64)
    elif out.dtype != np.float64 or out.ndim != 2 or out.shape[1] != width or len(out) < n:
        raise AnionscreenError(
            f"out must be a float64 array of shape (>= {n}, {width}); got {out.dtype} {out.shape}"
        )
    result = out[:n]

    def run(rows: slice) -> None:
        frac = fractions[rows]
        totals = frac.sum(axis=1, keepdims=True)
        block = Block(
            frac, totals, None if states is None else states[rows], present_elements(frac)
        )
        for kernel, start, stop in zip(kernels, offsets[:-1], offsets[1:], strict=True):
            kernel._compute(block, result[rows, start:stop])

    if n_threads > 1 and n > BLOCK_ROWS:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(run, blocks(n)))
    else:
        for rows in blocks(n):
            run(rows)
    return result


def resolve_failures(failures: list[RowFailure], on_error: str, owner: str, n_rows: int) -> None:
    """Apply the error policy to row failures (raise, or warn under "skip")."""
    if not failures:
        return
    if on_error == "raise":
        raise AnionscreenError(
            f"{owner}: {len(failures)} of {n_rows} row(s) cannot be featurized: "
            f"{_failure_text(failures)}"
        )
    warnings.warn(
        f"{owner}: skipped {len(failures)} of {n_rows} row(s), their features are NaN: "
        f"{_failure_text(failures)}",
        FeaturizeWarning,
        stacklevel=3,
    )
