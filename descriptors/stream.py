"""Featurizing a long list of formulas straight into a Parquet or CSV file, chunk by chunk.

:func:`write_features` is what ``anionscreen featurize --in FILE --out FILE`` runs. It gives
the file :func:`~anionscreen.descriptors.composite.featurize` would give (columns ``row``,
``formula``, then the features; failures under ``on_error="skip"`` returned, the same error
under ``"raise"``), without ever holding the whole input's matrices: rows are read (plain
formula text in bulk, see :mod:`anionscreen.datasets.formula_batch`), featurized into one of
two reused column-major buffers and handed to Arrow without a copy, while a second thread
writes the previous chunk. Memory stays at a few chunks whatever the input's length, and
writing overlaps computing. The file appears complete or not at all
(:func:`~anionscreen.datasets.files.atomic_output`). Missing feature values are written as
nulls, as pandas writes NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import atomic_output
from anionscreen.descriptors.base import transform_with
from anionscreen.descriptors.batch import compute_features, with_states
from anionscreen.descriptors.composite import CompositionFeaturizer
from anionscreen.descriptors.inputs import RowFailure, prepare_input

# A chunk's matrices stay below glibc's 32 MB mmap threshold, so their memory is reused; and
# 16,384 is 8 engine blocks of 2,048 rows, so without skipped rows the blocks, and hence every
# value to the bit, are those of featurize() on the whole input.
CHUNK_ROWS = 16_384
SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class WrittenFeatures:
    """What :func:`write_features` wrote.

    Attributes
    ----------
    n_rows : int
        Input rows.
    n_written : int
        Rows written (the featurized ones).
    n_features : int
        Feature columns (after ``row`` and ``formula``).
    failures : DataFrame
        Columns ``row`` (input position), ``input`` and ``reason`` of the skipped rows.
    """

    n_rows: int
    n_written: int
    n_features: int
    failures: pd.DataFrame


def output_suffix(path: Path, option: str = "--out") -> str:
    """``.csv`` or ``.parquet``, from the file name; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise AnionscreenError(f"{option} must end in .csv or .parquet; got {path.name!r}")
    return suffix


@contextmanager
def _table_writer(
    path: Path, schema: pa.Schema, suffix: str
) -> Iterator[Callable[[pa.Table], None]]:
    if suffix == ".csv":
        options = pa_csv.WriteOptions(quoting_style="needed")
        with pa_csv.CSVWriter(str(path), schema, write_options=options) as csv_writer:
            yield csv_writer.write_table
    else:
        # Snappy as pandas writes it; no dictionary pages and statistics for ``row`` only:
        # feature columns rarely repeat enough to pay for building either.
        with pq.ParquetWriter(
            str(path),
            schema,
            compression="snappy",
            use_dictionary=False,
            write_statistics=["row"],
        ) as parquet_writer:
            yield parquet_writer.write_table


def _arrow_table(
    schema: pa.Schema, rows: np.ndarray, formulas: np.ndarray, values: np.ndarray
) -> pa.Table:
    # Column-major values: each feature column is contiguous and wraps without a copy; only
    # columns with NaN (missing element data) get a null mask, as pandas would write them.
    columns = [pa.array(rows, pa.int64()), pa.array(formulas.tolist(), pa.string())]
    has_nan = np.isnan(values).any(axis=0)
    for j in range(values.shape[1]):
        column = values[:, j]
        mask = np.isnan(column) if has_nan[j] else None
        columns.append(pa.array(column, pa.float64(), mask=mask))
    return pa.Table.from_arrays(columns, schema=schema)


def write_features(
    compositions: Sequence[Any],
    path: Path,
    *,
    preset: str = "full",
    on_error: str = "raise",
    chunk_rows: int = CHUNK_ROWS,
) -> WrittenFeatures:
    """Featurize ``compositions`` into ``path`` (``.parquet`` or ``.csv``), chunk by chunk.

    Parameters
    ----------
    compositions : sequence of formula strings or pymatgen ``Composition`` objects
    path : Path
        The output; written atomically (complete, or not at all on an error).
    preset : {"magpie", "anion", "full", "composition"}
    on_error : {"raise", "skip"}
        As in :func:`~anionscreen.descriptors.composite.featurize`: under "raise" the first
        unreadable row stops everything with the message ``featurize`` gives, and nothing is
        written.
    chunk_rows : int
        Rows per chunk (and per Parquet row group).

    Returns
    -------
    WrittenFeatures

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "features.parquet"
    >>> written = write_features(["Li2TaS0.4O0.6Cl5", "Li2Q"], out, preset="magpie",
    ...                          on_error="skip")
    >>> written.n_written, written.failures.loc[0, "reason"]
    (1, "cannot read formula 'Li2Q': unknown element 'Q'")
    >>> pd.read_parquet(out).columns[:3].tolist()
    ['row', 'formula', 'magpie minimum Number']
    """
    suffix = output_suffix(path)
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise AnionscreenError(f"chunk_rows must be a positive integer; got {chunk_rows!r}")
    featurizer = CompositionFeaturizer(preset=preset, on_error=on_error)
    featurizer._set_fitted_state([])
    names = [str(name) for name in featurizer.feature_names_out_]
    schema = pa.schema(
        [("row", pa.int64()), ("formula", pa.string()), *((n, pa.float64()) for n in names)]
    )
    n = len(compositions)
    # Two buffers: one being written by the writer thread, one being filled.
    buffers = [np.empty((min(chunk_rows, max(n, 1)), len(names)), order="F") for _ in range(2)]
    failures: list[RowFailure] = []
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_output(path) as tmp,
        _table_writer(tmp, schema, suffix) as write,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending: Future[None] | None = None
        for number, start in enumerate(range(0, n, chunk_rows)):
            prepared = prepare_input(compositions[start : start + chunk_rows])
            states = None
            if featurizer.needs_states:
                prepared, states = with_states(prepared)
            if prepared.failures and on_error == "raise":
                # The whole input's message, as featurize() and the transformers give it.
                transform_with(
                    featurizer, featurizer.featurizers_, compositions, featurizer.needs_states
                )
            failures += [RowFailure(f.row + start, f.input, f.reason) for f in prepared.failures]
            buffer = buffers[number % 2]
            values = compute_features(prepared, states, featurizer.featurizers_, out=buffer)
            table = _arrow_table(schema, prepared.kept + start, prepared.chunk.formulas, values)
            written += table.num_rows
            if pending is not None:
                pending.result()  # the other buffer is free again
            pending = pool.submit(write, table)
        if pending is not None:
            pending.result()
        if n == 0:
            write(schema.empty_table())
    frame = pd.DataFrame(
        [(f.row, f.input, f.reason) for f in failures], columns=["row", "input", "reason"]
    )
    return WrittenFeatures(n_rows=n, n_written=written, n_features=len(names), failures=frame)
