"""The ``anionscreen`` command: a thin typer layer over the library.

One handler maps project errors (:class:`~anionscreen.datasets.errors.AnionscreenError`) to a
plain message on stderr and exit code 1, and an interrupted command (Ctrl-C) to exit code 130;
``--traceback`` shows the full trace instead.

Commands live in the modules of this package and are imported only when they run, so
``anionscreen --help`` starts without loading the scientific stack: :data:`COMMANDS` names
each command's module and the line ``--help`` shows for it (a test holds that line equal to
the command's own help).

The global options (:data:`GLOBAL_OPTIONS`: ``--workspace``, ``--traceback``) are accepted
before or after the command: ``anionscreen screen --workspace X`` is read as
``anionscreen --workspace X screen``. Help shows click's placeholders (``PATH``, ``TEXT``)
rather than typer's ``<type>`` labels, and none for flags.
"""

from __future__ import annotations

import importlib
import signal
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli.context import CliState, cli_state
from anionscreen.screening.run.events import CampaignInterruptedError


@dataclass(frozen=True)
class CommandEntry:
    """Where a command lives: ``module.attribute`` (a function, or a ``typer.Typer`` group)."""

    module: str  # under anionscreen.screening.cli
    attribute: str
    summary: str  # the command's help, as ``anionscreen --help`` lists it


COMMANDS: dict[str, CommandEntry] = {
    "generate": CommandEntry(
        "generate",
        "generate",
        "Enumerate the search spaces of SPACE_FILE: counts per space, candidates to --out.",
    ),
    "check-formula": CommandEntry(
        "generate",
        "check_formula",
        "Say whether FORMULA can be charge neutral (exit 0) or not and by how much (exit 1).",
    ),
    "screen": CommandEntry(
        "screen",
        "screen",
        "Run a screening campaign: generate, featurize, predict, score and rank candidates.",
    ),
    "query": CommandEntry(
        "runs",
        "query",
        "Query a run's candidates (columns of `predict` plus score, pareto_rank, parameters).",
    ),
    "report": CommandEntry(
        "runs",
        "report",
        "Print where a run's HTML report is (written as the run finished), or write one to --out.",
    ),
    "cite": CommandEntry(
        "cite",
        "cite",
        "Print what to cite: the data, methods and package versions a run used, as BibTeX.",
    ),
    "featurize": CommandEntry(
        "featurize",
        "featurize_command",
        "Compute descriptors: one row per formula, column 'row' = input position.",
    ),
    "train": CommandEntry(
        "models",
        "train",
        "Train, validate (grouped CV with baselines) and register new model versions.",
    ),
    "evaluate": CommandEntry(
        "models",
        "evaluate",
        "Grouped cross-validation of every model family and baseline; saves metrics and plots.",
    ),
    "predict": CommandEntry(
        "models",
        "predict",
        "Predict sigma, Ea and modulus with intervals and the applicability domain.",
    ),
    "data": CommandEntry(
        "data",
        "data_app",
        "The measurements the models learn from: list the sources, export rows in the "
        "measurement schema, show the combined (deduplicated) view, and add your own "
        "measurements to the workspace's append-only log.",
    ),
    "datasets": CommandEntry(
        "data",
        "datasets_app",
        "External datasets (OBELiX, Liverpool, Laskowski, McHaffie, DFT elastic moduli): "
        "fetch them into the cache with checksum verification. Without network, point "
        "ANIONSCREEN_DATA_MIRROR at a folder laid out like shared/data instead.",
    ),
    "mp": CommandEntry(
        "mp",
        "mp_app",
        "Materials Project data (known phases, stability window, elastic moduli): fetch "
        "chemical systems into the on-disk cache once (needs MP_API_KEY and a network), then "
        "everything runs offline from the cache.",
    ),
    "runs": CommandEntry("runs", "runs_app", "List and inspect campaign runs."),
    "models": CommandEntry(
        "models", "models_app", "List, inspect and promote trained model versions."
    ),
}


# typer vendors click as a private module; its Context and Command types are Any here.

#: Options of the root command, accepted before or after the command name; the value says
#: whether the option takes a value. No command may define an option of these names.
GLOBAL_OPTIONS: dict[str, bool] = {"--workspace": True, "-w": True, "--traceback": False}


def global_options_first(args: list[str]) -> list[str]:
    """``args`` with the global options that follow the command moved in front of it.

    Everything after a ``--`` stays where it is (it is the command's, whatever it looks like).
    """
    command_at = _command_position(args)
    if command_at is None:
        return list(args)
    moved: list[str] = []
    rest: list[str] = []
    tail = args[command_at + 1 :]
    i = 0
    while i < len(tail):
        token = tail[i]
        if token == "--":
            rest += tail[i:]
            break
        name, equals, _ = token.partition("=")
        if name in GLOBAL_OPTIONS and (GLOBAL_OPTIONS[name] or not equals):
            # A value option takes the next token unless written --workspace=DIR.
            width = 2 if GLOBAL_OPTIONS[name] and not equals else 1
            moved += tail[i : i + width]
            i += width
            continue
        rest.append(token)
        i += 1
    return [*args[:command_at], *moved, args[command_at], *rest]


def _command_position(args: list[str]) -> int | None:
    """Index of the command name: the first token that is neither a root option nor its value."""
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("-"):
            return i
        if token == "--":
            return None
        i += 2 if GLOBAL_OPTIONS.get(token, False) else 1
    return None


def _placeholder(param: Any, ctx: Any) -> str:
    """click's placeholder for an option's value (``PATH``, ``TEXT``, ``[csv|json]``)."""
    label = str(param.display_type(ctx)).strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    if "|" in label:
        return f"[{label}]"
    return {"str": "TEXT", "int": "INTEGER", "float": "NUMBER"}.get(label, label.upper())


def plain_help(command: Any) -> Any:
    """Give ``command`` (and its subcommands) click-style placeholders in ``--help``.

    typer labels every value with a ``<type>`` (``<path>``, ``<list[str]>``) and flags with
    ``<bool>``; here options show ``PATH``/``TEXT``/``INTEGER``, flags nothing, and arguments
    their upper-case name only.
    """
    ctx = command.context_class(command, info_name=command.name)
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            param.metavar = param.metavar or param.name.upper()
            # The name says what to give; typer's "<list[str]>" beside it would say nothing.
            setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010
        elif getattr(param, "is_flag", False):
            param.metavar = ""
        elif param.metavar is None:
            param.metavar = _placeholder(param, ctx)
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
    return command


@cache
def load_command(name: str) -> Any:
    """The click command ``name``, importing its module now."""
    entry = COMMANDS[name]
    found = getattr(importlib.import_module(f"{__package__}.{entry.module}"), entry.attribute)
    if isinstance(found, typer.Typer):
        group = typer.main.get_group(found)
        group.name = name
        return plain_help(group)
    single = typer.Typer(add_completion=False)
    single.command(name)(found)
    return plain_help(typer.main.get_command(single))


class _RootGroup(TyperGroup):
    """Finds commands in :data:`COMMANDS`; maps project errors and Ctrl-C to exit codes."""

    _listing = False  # True while --help lists the commands: nothing is imported for it
    _tidied = False

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not self._tidied:
            self._tidied = True
            plain_help(self)
        return list(super().parse_args(ctx, global_options_first(args)))

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].summary)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CampaignInterruptedError as err:
            if cli_state(ctx).traceback:
                raise
            typer.echo(str(err), err=True)
            raise typer.Exit(code=130) from None
        except AnionscreenError as err:
            if cli_state(ctx).traceback:
                raise
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(code=1) from err
        except KeyboardInterrupt:
            if cli_state(ctx).traceback:
                raise
            typer.echo("interrupted", err=True)
            raise typer.Exit(code=130) from None


app = typer.Typer(
    cls=_RootGroup,
    name="anionscreen",
    help=(
        "Screen mixed-anion lithium solid electrolytes (Li-M-(S,O,X)): enumerate candidate "
        "compositions, featurize them, predict ionic conductivity, activation energy and "
        "modulus with calibrated intervals, and rank what to make next.\n\n"
        "The options below go before or after the command; every command has --help with "
        "an example.\n\n"
        "Example: anionscreen screen --workspace my_runs"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Folder for the measurement log, models and runs "
            "(default: $ANIONSCREEN_WORKSPACE or ./runs).",
        ),
    ] = None,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show the full Python traceback on errors.")
    ] = False,
) -> None:
    ctx.obj = CliState(workspace=workspace, traceback=traceback)


def main() -> None:
    """Console-script entry point."""
    # A shell starts a background command with SIGINT ignored when it has no job control, and
    # Python then leaves SIGINT ignored: a Ctrl-C or `kill -INT` would be lost and a campaign
    # would run on to exit 0. An interrupted run is saved and resumable, so SIGINT interrupts.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    app()
