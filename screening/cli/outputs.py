"""Where a command may write: never over its own input, never into the workspace's stores.

``featurize --in in.csv --out in.csv`` would replace its input with its output, and
``data export -o <workspace>/measurements/measurement_log.csv`` would replace the append-only
log with an export that lacks its provenance columns (every later ``data add`` then refuses
the log). Every output path a command takes (``--out``, ``-o``) is checked here before any
work: it may not be one of the command's input files (the same file by any path: symlinks and
hard links count) and may not lie inside the stores anionscreen keeps itself: the measurement
log folder, the model registry, the run store and the data cache.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.measurement_log import log_path
from anionscreen.datasets.settings import Settings


def stores(settings: Settings) -> dict[str, tuple[str, Path]]:
    """The folders anionscreen writes itself: ``{key: (what it is, folder)}``."""
    # Imported here: a command that writes no file should not load the model stack.
    from anionscreen.models.registry import ModelRegistry
    from anionscreen.screening.run.store import runs_root

    return {
        "log": ("workspace's measurement log", log_path(settings).parent),
        "models": ("workspace's model registry", ModelRegistry(settings.workspace).root),
        "runs": ("workspace's run store", runs_root(settings.workspace)),
        "cache": ("dataset cache", settings.cache),
    }


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they point
        return a.resolve() == b.resolve()


def check_output(
    path: Path,
    settings: Settings,
    *,
    option: str,
    inputs: Sequence[Path] = (),
    exclude: Sequence[str] = (),
) -> None:
    """Refuse an output ``path`` that is an input or lies inside a store.

    Parameters
    ----------
    path : Path
        The output file or folder as given.
    settings : Settings
        Gives the workspace and cache whose stores are protected.
    option : str
        How the message names the option (``--out``).
    inputs : sequence of Path
        The command's input files.
    exclude : sequence of str
        Keys of :func:`stores` the caller checks by its own, more precise rule.

    Raises
    ------
    AnionscreenError
        Naming the option, the path and what it would overwrite.
    """
    for given in inputs:
        if _same_file(path, given):
            raise AnionscreenError(
                f"{option} {path} is the input file {given}: writing there would overwrite "
                "the input; choose another output file"
            )
    target = path.resolve()
    for key, (name, folder) in stores(settings).items():
        root = folder.resolve()
        if key not in exclude and (target == root or root in target.parents):
            raise AnionscreenError(
                f"{option} {path} is inside the {name} ({root}), which anionscreen "
                "keeps itself; writing there could overwrite what it holds. Choose a path "
                "outside it"
            )
