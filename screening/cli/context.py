"""What every command reads from the root command (the workspace, ``--traceback``), and the
checks of options several commands share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.settings import Settings, get_settings


@dataclass
class CliState:
    """Options given before the command name."""

    workspace: Path | None = None
    traceback: bool = False


def cli_state(ctx: Any) -> CliState:  # a typer Context, or its vendored click parent
    """The root command's options (defaults when a command runs on its own)."""
    state = ctx.find_root().obj
    return state if isinstance(state, CliState) else CliState()


def current_settings(ctx: typer.Context) -> Settings:
    """Settings for the running command, honouring ``--workspace``."""
    return get_settings(cli_state(ctx).workspace)


def grid_points_limit(value: float) -> int:
    """``--max-grid-points`` as an integer; written ``6e10`` as readily as ``60000000000``."""
    if not (value >= 1 and float(value).is_integer()):
        raise AnionscreenError(f"--max-grid-points must be a whole number >= 1; got {value:g}")
    return int(value)
