"""Where anionscreen reads and writes: built by a function from the environment, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
    """
    ws = Path(workspace) if workspace is not None else Path(os.environ.get(WORKSPACE_ENV, "runs"))
    mirror = os.environ.get(MIRROR_ENV)
    cache_env = os.environ.get(CACHE_ENV)
    cache = Path(cache_env) if cache_env else Path.home() / ".cache" / "anionscreen"
    return Settings(
        workspace=ws.expanduser().resolve(),
        data_mirror=Path(mirror).expanduser().resolve() if mirror else None,
        cache=cache.expanduser().resolve(),
    )
