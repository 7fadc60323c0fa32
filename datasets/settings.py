"""Where anionscreen reads and writes: built by a function from the environment, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import writable_folder

WORKSPACE_ENV = "ANIONSCREEN_WORKSPACE"
MIRROR_ENV = "ANIONSCREEN_DATA_MIRROR"
CACHE_ENV = "ANIONSCREEN_CACHE"


@dataclass(frozen=True)
class Settings:
    """Resolved locations.

    Attributes
    ----------
    workspace : Path
        Holds the measurement log, trained models and campaign runs (default ``./runs``).
    data_mirror : Path or None
        A directory laid out like ``shared/data`` that external datasets are read from
        instead of their public homes.
    cache : Path
        Where downloaded external datasets and Materials Project responses are cached.
    """

    workspace: Path
    data_mirror: Path | None
    cache: Path


def get_settings(workspace: str | Path | None = None) -> Settings:
    """Build settings from arguments and the environment.

    ``workspace`` overrides ``ANIONSCREEN_WORKSPACE``; the default is ``./runs``.

    Raises
    ------
    AnionscreenError
        If ``ANIONSCREEN_WORKSPACE`` is set but empty (``Path("")`` would silently be the
        current folder), or the workspace exists and is not a folder (a file, ``/dev/null``).
    """
    if workspace is not None:
        ws = Path(workspace)
    else:
        env = os.environ.get(WORKSPACE_ENV)
        if env is not None and not env.strip():
            raise AnionscreenError(
                f"{WORKSPACE_ENV} is set but empty; set it to a folder, or unset it to use ./runs"
            )
        ws = Path(env if env is not None else "runs")
    ws = ws.expanduser().resolve()
    if ws.exists() and not ws.is_dir():
        # Caught here, so reading commands do not quietly see an empty workspace.
        writable_folder(ws, "workspace")
    mirror = os.environ.get(MIRROR_ENV)
    cache_env = os.environ.get(CACHE_ENV)
    cache = Path(cache_env) if cache_env else Path.home() / ".cache" / "anionscreen"
    return Settings(
        workspace=ws,
        data_mirror=Path(mirror).expanduser().resolve() if mirror else None,
        cache=cache.expanduser().resolve(),
    )


def writable_workspace(settings: Settings) -> Path:
    """The workspace, created if missing, after checking that files can be written in it.

    Called by every command that writes there (``data add``, ``train``, ``screen``,
    ``report``, a ``predict`` that must train first) before any work, so a workspace that is a
    file, read-only or on a read-only disk is one clear error naming it.
    """
    return writable_folder(settings.workspace, "workspace")
