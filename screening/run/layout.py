"""The names in a run folder: the run store owns them, and every other module asks here.

A workspace keeps its runs in ``campaigns/<run-id>/``; each run folder holds:

=========================  ==========================================================
``run.json``               the run record (:class:`~anionscreen.screening.run.records.RunInfo`)
``campaign.toml``          the campaign text as given
``chunks/``                per-chunk checkpoints while the run goes (removed at the end),
                           each ``chunk-NNNNNN.parquet`` with its ``.sha256`` beside it
``manifest.json``          the finished chunks, rewritten every few seconds
``candidates.parquet``     every scored candidate, with Pareto rank and acquisition value
``ranked.parquet``/``.csv``  the best ``top_n`` feasible candidates by score
``pareto.parquet``         the Pareto fronts ``1..pareto_depth``
``next_batch.parquet``/``.csv``  the proposed next experiments
``report/``                the HTML report and its plots
=========================  ==========================================================
"""

from __future__ import annotations

import re

RUNS_FOLDER = "campaigns"
RUN_JSON = "run.json"
CAMPAIGN_TOML = "campaign.toml"
CHUNKS_DIR = "chunks"
MANIFEST_JSON = "manifest.json"
CANDIDATES = "candidates.parquet"
RANKED = "ranked.parquet"
RANKED_CSV = "ranked.csv"
PARETO = "pareto.parquet"
NEXT_BATCH = "next_batch.parquet"
NEXT_BATCH_CSV = "next_batch.csv"
REPORT_DIR = "report"

#: The final tables a query can name as views, besides ``candidates``.
QUERY_TABLES: dict[str, str] = {"ranked": RANKED, "pareto": PARETO, "next_batch": NEXT_BATCH}

#: Parquet metadata key of a checkpoint's counts (:class:`~.records.ChunkStats` as JSON).
CHUNK_META_KEY = b"anionscreen.chunk"
CHUNK_FILE = re.compile(r"^chunk-(\d{6,})\.parquet$")
#: A checkpoint's sha256 sits beside it: ``chunk-000005.parquet.sha256`` (as sha256sum writes).
CHUNK_HASH_SUFFIX = ".sha256"

#: Checkpoint column: the row's Pareto rank within its own chunk (feasible rows, ranks
#: ``1..pareto_depth``, else 0), computed by the worker that scored the chunk so that
#: finalising only merges the chunk fronts. Not a column of the final tables.
CHUNK_PARETO_RANK = "chunk_pareto_rank"
#: Columns that lead the ranked table, the next batch and query results (the rest follow).
LEADING_COLUMNS = ("rank", "formula", "score", "score_std", "pareto_rank", "acquisition")

#: Run ids (folder names): letters, digits, '.', '_' or '-', starting with a letter or digit.
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def checkpoint_name(index: int) -> str:
    """File name of chunk ``index``'s checkpoint inside :data:`CHUNKS_DIR`."""
    return f"chunk-{index:06d}.parquet"


def checkpoint_hash_name(index: int) -> str:
    """File name of the sha256 line recorded for chunk ``index``'s checkpoint."""
    return checkpoint_name(index) + CHUNK_HASH_SUFFIX


def lock_name(run_id: str) -> str:
    """The lock file of a running run; it sits beside the folder, which stays as written."""
    return f".{run_id}.lock"
