"""Checkpoints: one scored chunk per Parquet file, its sha256 recorded beside it.

A run folder's ``chunks/`` holds, per finished chunk::

    chunk-000005.parquet          the scored rows; the chunk's counts in the Parquet metadata
    chunk-000005.parquet.sha256   "<sha256>  chunk-000005.parquet" (``sha256sum -c`` reads it)

The hash is taken from the written file and stored (atomically) before the checkpoint is
moved into place, so every checkpoint this code wrote has its hash, whatever moment a kill -9
lands at; a hash without its checkpoint is a write that was cut short and is overwritten when
the chunk is scored again. A checkpoint is only ever read through :func:`read_checkpoint`
or :func:`checkpoint_stats`, which compare the bytes with the recorded hash before Parquet
sees them: a flipped bit, a truncated or replaced file, a missing hash or a file that is not
one of the run's chunks is a :class:`CheckpointError` naming the file, never a resumed or
finalised run with changed numbers. Nothing is repaired silently: the message says to delete
the file, and a resume then scores that chunk again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import (
    atomic_output,
    atomic_write_bytes,
    sha256_of_bytes,
    sha256_of_file,
)
from anionscreen.screening.run import layout
from anionscreen.screening.run.records import ChunkStats

_HASH_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)\n?$")


class CheckpointError(AnionscreenError):
    """A checkpoint that is damaged, unverifiable or not one of the run's chunks."""


def _again(path: Path) -> str:
    return (
        f"delete {path.name} and {path.name}{layout.CHUNK_HASH_SUFFIX} from {str(path.parent)!r} "
        "and resume: that chunk is scored again"
    )


def hash_path(path: Path) -> Path:
    """Where the sha256 of checkpoint ``path`` is recorded."""
    return path.with_name(path.name + layout.CHUNK_HASH_SUFFIX)


#: Text columns with a value of their own per candidate: not dictionary-encoded.
_DISTINCT_TEXT = frozenset({"formula", "formula_key"})


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """Columns worth a Parquet dictionary: text that repeats across a chunk.

    A space's name, the metal, the nearest known compound, a reason or the model versions
    take a few values per chunk; numbers and formulas take one per candidate, where a
    dictionary is work that saves nothing (encoding only the repeated columns halves the time
    to write a chunk, and the file is no larger).
    """
    return [
        field.name
        for field in schema
        if (pa.types.is_string(field.type) or pa.types.is_dictionary(field.type))
        and field.name not in _DISTINCT_TEXT
    ]


def write_checkpoint(chunks_dir: Path, index: int, table: pa.Table, stats: ChunkStats) -> Path:
    """Write chunk ``index`` with its counts and its sha256; all or nothing under kill -9."""
    meta = dict(table.schema.metadata or {})
    meta[layout.CHUNK_META_KEY] = json.dumps(stats.to_json(), sort_keys=True).encode()
    path = chunks_dir / layout.checkpoint_name(index)
    with atomic_output(path) as tmp:
        pq.write_table(
            table.replace_schema_metadata(meta),
            tmp,
            use_dictionary=dictionary_columns(table.schema),
            # Nothing filters a checkpoint by its column statistics (finalising reads every
            # row); without them a chunk is written in two thirds of the time.
            write_statistics=False,
        )
        # The hash goes in first: the checkpoint appears (at the rename) only once it exists.
        line = f"{sha256_of_file(tmp)}  {path.name}\n"
        atomic_write_bytes(hash_path(path), line.encode())
    return path


def checkpoint_files(chunks_dir: Path, total_chunks: int | None = None) -> dict[int, Path]:
    """Index -> path of every checkpoint in ``chunks_dir``, in index order.

    With ``total_chunks`` (what the run's space has), a file numbered beyond it is refused
    by name: it cannot be one of this run's chunks.
    """
    out: dict[int, Path] = {}
    if not chunks_dir.is_dir():
        return out
    for path in chunks_dir.iterdir():
        match = layout.CHUNK_FILE.match(path.name)
        if match is None:
            continue
        index = int(match.group(1))
        if total_chunks is not None and index >= total_chunks:
            raise CheckpointError(
                f"checkpoint {str(path)!r} is not a chunk of this run: its space has "
                f"{total_chunks} chunks, {layout.checkpoint_name(0)} to "
                f"{layout.checkpoint_name(max(total_chunks - 1, 0))}; remove that file and resume"
            )
        out[index] = path
    return dict(sorted(out.items()))


def _recorded_hash(path: Path) -> str:
    record = hash_path(path)
    try:
        text = record.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has no recorded sha256 ({record.name} is missing), so "
            f"it cannot be verified and was not written by this run as it stands; {_again(path)}"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError(f"cannot read {str(record)!r}: {err}; {_again(path)}") from None
    match = _HASH_LINE.match(text)
    if match is None or match.group(2) != path.name:
        raise CheckpointError(
            f"{str(record)!r} is not a sha256 line for {path.name} "
            f"(expected '<64 hex digits>  {path.name}'); {_again(path)}"
        )
    return match.group(1)


def _verified_bytes(path: Path) -> bytes:
    expected = _recorded_hash(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CheckpointError(f"cannot read checkpoint {str(path)!r}: {err.strerror}") from None
    found = sha256_of_bytes(data)
    if found != expected:
        raise CheckpointError(
            f"checkpoint {str(path)!r} is damaged: its sha256 is {found}, but {expected} was "
            f"recorded when it was written ({len(data)} bytes now); {_again(path)}"
        )
    return data


def _parse_error(path: Path, err: Exception) -> CheckpointError:
    reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return CheckpointError(
        f"checkpoint {str(path)!r} matches its recorded sha256 but is not a readable "
        f"checkpoint ({reason}); {_again(path)}"
    )


def _stats(path: Path, index: int, schema: pa.Schema) -> ChunkStats:
    meta = schema.metadata or {}
    try:
        stats = ChunkStats.from_json(json.loads(meta[layout.CHUNK_META_KEY]))
    except (KeyError, TypeError, ValueError) as err:
        raise _parse_error(path, err) from None
    if stats.index != index:
        raise CheckpointError(
            f"checkpoint {str(path)!r} holds chunk {stats.index}, not chunk {index}: it was "
            f"copied or renamed, not written there by this run; {_again(path)}"
        )
    return stats


def checkpoint_stats(path: Path, index: int) -> ChunkStats:
    """The counts of a verified checkpoint (the whole file is hashed, only its footer parsed)."""
    data = _verified_bytes(path)
    try:
        schema = pq.read_schema(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as err:
        raise _parse_error(path, err) from None
    return _stats(path, index, schema)


def read_checkpoint(path: Path, index: int) -> tuple[pa.Table, ChunkStats]:
    """The rows and counts of a verified checkpoint (hashed and parsed from the same bytes)."""
    data = _verified_bytes(path)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as err:
        raise _parse_error(path, err) from None
    return table, _stats(path, index, table.schema)
