"""Questions to a run's tables, answered by duckdb straight from its Parquet files.

:func:`query_run` returns a pandas DataFrame, the same the ``anionscreen query`` command
prints. The views ``candidates`` (every scored candidate), ``ranked``, ``pareto`` and
``next_batch`` are available to ``sql``. A run that is still going (or was killed) is
queried from its checkpoints, without Pareto ranks or acquisition values.

Examples
--------
>>> from anionscreen.screening import open_run  # doctest: +SKIP
>>> open_run("latest").query(top=5, where="M = 'Nb' AND x >= 0.5", contains=["Br"])  # doctest: +SKIP
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import duckdb
import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.descriptors.elements import element_index
from anionscreen.screening.run import layout
from anionscreen.screening.run.store import RunFolder

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: A query's limits unless the caller gives others: wall time, and duckdb's memory (which
#: includes the result it collects; the DataFrame made from it is a copy on top).
DEFAULT_TIME_LIMIT_S = 60.0
DEFAULT_MEMORY_LIMIT = "2GB"


class QueryError(AnionscreenError):
    """A query that duckdb or the options reject."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _create_view(con: duckdb.DuckDBPyConnection, view: str, source: str) -> None:
    """A view of ``source`` where names equal but for case stay usable.

    duckdb's identifiers ignore case, so a template's symbol ``X`` and number ``x`` would
    collide (duckdb renames the second ``x_1``). The number keeps the plain name, which is
    what ``--where "x >= 0.5"`` means; the symbol becomes ``X_sym`` in SQL, and
    :func:`query_run` gives it its own name ``X`` again in the result (:func:`_sql_aliases`).
    """
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    kinds = {str(row[0]): str(row[1]) for row in described}
    aliases: dict[str, str] = {}
    for name in kinds:
        match = re.match(r"^(.+)_1$", name)
        if match is None or match.group(1) in kinds:
            continue
        base = match.group(1)  # duckdb renamed `base` because `first` differs only by case
        first = next((n for n in kinds if n.lower() == base.lower() and n != name), None)
        if first is not None and kinds[first] == "VARCHAR" and kinds[name] != "VARCHAR":
            aliases[first] = f"{first}_sym"
            aliases[name] = base
    # The workers' per-chunk Pareto rank is bookkeeping of an unfinished run, not a result.
    names = [n for n in kinds if n != layout.CHUNK_PARETO_RANK]
    select = ", ".join(f'"{n}" AS "{aliases.get(n, n)}"' for n in names)
    con.execute(f"CREATE VIEW {view} AS SELECT {select} FROM {source}")


def connect(run: RunFolder, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """An in-memory duckdb connection with the run's tables as read-only views.

    Once the views exist, duckdb may touch no file but the run's own tables and its
    configuration is locked, so a query can neither read other files, load extensions nor
    raise its own memory limit. Nothing spills to disk: a query that needs more memory than
    ``memory_limit`` stops with an error instead of filling the disk or the machine.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = {_quote(memory_limit)}")
    except duckdb.Error as err:
        con.close()
        raise QueryError(
            f"--memory-limit must be a size such as '2GB' or '500MB'; got {memory_limit!r}"
        ) from err
    con.execute("SET temp_directory = ''")
    files = run.candidate_files()
    if not files:
        raise QueryError(f"run {run.run_id!r} has no scored candidates yet")
    listed = "[" + ", ".join(_quote(str(f)) for f in files) + "]"
    _create_view(con, "candidates", f"read_parquet({listed}, union_by_name = true)")
    for view, name in layout.QUERY_TABLES.items():
        path = run.file(name)
        if path.is_file():
            files.append(path)
            _create_view(con, view, f"read_parquet({_quote(str(path))})")
    con.execute(f"SET allowed_paths = [{', '.join(_quote(str(f)) for f in files)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _check_select(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Refuse anything but one SELECT: ``COPY ... TO`` could otherwise write into a run."""
    try:
        # Parsed on our connection: duckdb's module-level default connection would otherwise
        # be created here and live until the interpreter tears it down at exit.
        statements = con.extract_statements(text)
    except duckdb.Error as err:
        raise QueryError(f"query failed: {err}") from None
    kinds = [s.type for s in statements]
    if kinds != [duckdb.StatementType.SELECT]:
        raise QueryError(
            "a query must be a single SELECT statement; got "
            f"{', '.join(k.name for k in kinds) or 'nothing'}"
        )


def _columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("DESCRIBE candidates").fetchall()]


def _sql_aliases(columns: Sequence[str]) -> dict[str, str]:
    """``{"X_sym": "X"}``: the names :func:`_create_view` gave symbols, and their own names."""
    lower = {name.lower(): name for name in columns if not name.endswith("_sym")}
    aliases = {}
    for name in columns:
        base = name.removesuffix("_sym")
        if base != name and base not in columns and base.lower() in lower:
            aliases[name] = base
    return aliases


def _element_filter(elements: Sequence[str]) -> str:
    index = element_index()
    clauses = []
    for element in elements:
        symbol = element.strip()
        if symbol not in index:
            raise QueryError(f"--contains: unknown element {symbol!r}")
        # An element symbol in a reduced formula is followed by a digit, a capital or the end.
        clauses.append(f"regexp_matches(formula, {_quote(symbol + '([^a-z]|$)')})")
    return " AND ".join(clauses)


def _order_by(sort: str | None, columns: list[str]) -> str:
    if sort is None:
        return "score DESC, formula, candidate_id"
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in columns or not _IDENT.match(name):
        raise QueryError(
            f"--sort: unknown column {name!r}; columns are {', '.join(columns)} "
            "(prefix with '-' for descending)"
        )
    return f'"{name}" {"DESC" if descending else "ASC"}, score DESC, formula, candidate_id'


def query_run(
    run: RunFolder,
    *,
    top: int | None = None,
    where: str | None = None,
    contains: Sequence[str] | None = None,
    sort: str | None = None,
    sql: str | None = None,
    include_infeasible: bool = False,
    time_limit_s: float | None = DEFAULT_TIME_LIMIT_S,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> pd.DataFrame:
    """Candidates of a run as a DataFrame.

    Parameters
    ----------
    run : RunFolder
    top : int, optional
        At most this many rows.
    where : str, optional
        A SQL boolean expression over the candidate columns, e.g. ``"x >= 0.5 AND M = 'Nb'"``
        (a symbol column whose name differs from another only by case is ``X_sym`` here).
    contains : sequence of str, optional
        Element symbols every returned formula must contain.
    sort : str, optional
        Column to sort by, ascending; ``"-column"`` sorts descending. Default: score, best first.
    sql : str, optional
        A full ``SELECT`` over the views ``candidates``, ``ranked``, ``pareto``, ``next_batch``;
        not combinable with ``where``/``contains``/``sort``.
    include_infeasible : bool, default=False
        Also return candidates that fail the campaign's constraints.
    time_limit_s : float or None, default=60
        Stop the query after this many seconds (None: no limit).
    memory_limit : str, default="2GB"
        duckdb's memory limit for the query, e.g. ``"500MB"``; a query needing more stops.

    Raises
    ------
    QueryError
        A rejected or failed query, one that ran out of time or memory included.
    """
    if top is not None and top < 1:
        raise QueryError(f"--top must be at least 1; got {top}")
    if time_limit_s is not None and not time_limit_s > 0:
        raise QueryError(f"--time-limit must be more than 0 seconds; got {time_limit_s:g}")
    con = connect(run, memory_limit)
    try:
        if sql is not None:
            if where or contains or sort:
                raise QueryError("--sql cannot be combined with --where, --contains or --sort")
            text = f"SELECT * FROM ({sql.rstrip().rstrip(';')}) AS q"
        else:
            filters = [] if include_infeasible else ["feasible"]
            if where:
                filters.append(f"({where})")
            if contains:
                filters.append(_element_filter(contains))
            condition = f"WHERE {' AND '.join(filters)}" if filters else ""
            text = f"SELECT * FROM candidates {condition} ORDER BY {_order_by(sort, _columns(con))}"
        if top is not None:
            text += f" LIMIT {int(top)}"
        _check_select(con, text)
        aliases = _sql_aliases(_columns(con))
        try:
            frame = _run(con, text, time_limit_s, memory_limit)
        except QueryError as err:
            hint = "".join(
                f" (in SQL the symbol column {base} is {alias}: SQL names ignore case)"
                for alias, base in aliases.items()
                if str(err).startswith("query failed")
            )
            raise QueryError(f"{err}{hint}") from None
        # The result names its columns as the run's tables do (ranked.csv has X, not X_sym).
        frame = frame.rename(columns=aliases)
        if sql is not None:
            return frame
        lead = [c for c in layout.LEADING_COLUMNS if c in frame.columns]
        return frame[lead + [c for c in frame.columns if c not in lead]]
    finally:
        con.close()


def _run(
    con: duckdb.DuckDBPyConnection, text: str, time_limit_s: float | None, memory_limit: str
) -> pd.DataFrame:
    """Run one checked SELECT within the limits; every failure is one :class:`QueryError`."""
    # duckdb has no statement timeout: a timer interrupts the connection instead.
    timer = None if time_limit_s is None else threading.Timer(time_limit_s, con.interrupt)
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        return con.execute(text).df()
    except duckdb.InterruptException:
        raise QueryError(
            f"query stopped after the time limit of {time_limit_s:g} s (give --time-limit "
            "more seconds, or ask for less: a LIMIT, fewer columns, a narrower WHERE)"
        ) from None
    except (duckdb.OutOfMemoryException, MemoryError) as err:
        first = (str(err).splitlines() or ["out of memory"])[0]
        raise QueryError(
            f"query stopped: it needs more than the memory limit of {memory_limit} ({first}); "
            "give --memory-limit more, or ask for less: a LIMIT, fewer columns, no cross join"
        ) from None
    except duckdb.Error as err:
        raise QueryError(f"query failed: {err}") from None
    finally:
        if timer is not None:
            # Joined, so no thread holds the connection once the query is over (duckdb has
            # aborted at interpreter exit with a connection referenced from another thread).
            timer.cancel()
            timer.join()
