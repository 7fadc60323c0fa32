"""The ``anionscreen`` command: a thin typer layer over the library.

One handler maps project errors (:class:`~anionscreen.datasets.errors.AnionscreenError`) to a
plain message on stderr and exit code 1; ``--traceback`` shows the full trace instead.
Each command group lives in its own ``cli_*`` module with a ``register(app)`` function.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings, get_settings


@dataclass
class CliState:
    """Options given before the command name."""

    workspace: Path | None = None
    traceback: bool = False


class _ErrorHandlingGroup(TyperGroup):
    """Turns project errors raised anywhere below into a message and exit code 1."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except AnionscreenError as err:
            state = ctx.obj if isinstance(ctx.obj, CliState) else CliState()
            if state.traceback:
                raise
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(code=1) from err


app = typer.Typer(
    cls=_ErrorHandlingGroup,
    name="anionscreen",
    help=(
        "Screen mixed-anion lithium solid electrolytes (Li-M-(S,O,X)): enumerate candidate "
        "compositions, featurize them, predict ionic conductivity, activation energy and "
        "modulus with calibrated intervals, and rank what to make next."
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


def current_settings(ctx: typer.Context) -> Settings:
    """Settings for the running command, honouring ``--workspace``."""
    state = ctx.find_root().obj
    workspace = state.workspace if isinstance(state, CliState) else None
    return get_settings(workspace)


def _register_commands() -> None:
    # Imported here, not at the top, so each command module can import ``current_settings``
    # from this one. Add one import and one tuple entry per command module.
    from anionscreen.screening.cli import data, featurize, generate, models, mp, screen

    command_modules: tuple[ModuleType, ...] = (
        data,
        generate,
        mp,
        screen,
        featurize,
        models,
    )
    for module in command_modules:
        module.register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app()
