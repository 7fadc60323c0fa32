"""anionscreen: screening of mixed-anion lithium solid electrolytes, Li-M-(S,O,X).

``import anionscreen`` is cheap: the names below (and those of every subpackage) are imported
on first use (PEP 562), so the command line starts without the scientific stack.

>>> import anionscreen as asc
>>> features = asc.featurize(frame, column="formula", on_error="skip")  # doctest: +SKIP
>>> predictions = asc.predict(frame, column="formula", on_error="skip")  # doctest: +SKIP
>>> run = asc.run_campaign("campaign.toml")  # doctest: +SKIP

``featurize`` and ``predict`` take a DataFrame (or a list of formulas or Compositions) and
return one that keeps its index and columns, with an ``error`` column for rows that failed.

The subpackages are ``screening`` (campaigns), ``descriptors``, ``models`` and ``datasets``.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from pkgutil import extend_path
from typing import TYPE_CHECKING

# The subpackages are found beside this file in an installed copy; where a source tree's
# ./anionscreen (this file and py.typed only) shadows an installed copy, look there too.
__path__ = extend_path(__path__, __name__)

if TYPE_CHECKING:
    from anionscreen.datasets.errors import AnionscreenError
    from anionscreen.descriptors.composite import CompositionFeaturizer
    from anionscreen.descriptors.frames import featurize_frame as featurize
    from anionscreen.models.frames import predict_frame as predict
    from anionscreen.models.predict import Predictor
    from anionscreen.screening.api import list_runs, open_run, resume_campaign, run_campaign
    from anionscreen.screening.campaign.config import Campaign, load_campaign
    from anionscreen.screening.results.run import Run


def lazy_exports(
    package: str, init_file: str
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose public names load on first use.

    The names are those the package's ``__init__.py`` (``init_file``) imports under
    ``if TYPE_CHECKING:``: type checkers read them as ordinary imports, and at run time each
    is imported from that same module when it is first asked for, then kept in the package
    (``from m import a as b`` exports ``m.a`` as ``b``).
    """
    exports: dict[str, tuple[str, str]] = {}
    for node in ast.parse(Path(init_file).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        exports[alias.asname or alias.name] = (statement.module, alias.name)

    def get(name: str) -> object:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, original = exports[name]
        value = getattr(importlib.import_module(module), original)
        setattr(sys.modules[package], name, value)
        return value

    def names() -> list[str]:
        module = sys.modules[package]
        return sorted({*vars(module), *exports, *getattr(module, "__all__", ())})

    return get, names


__all__ = [
    "AnionscreenError",
    "Campaign",
    "CompositionFeaturizer",
    "Predictor",
    "Run",
    "__version__",
    "featurize",
    "list_runs",
    "load_campaign",
    "open_run",
    "predict",
    "resume_campaign",
    "run_campaign",
]
_get, __dir__ = lazy_exports(__name__, __file__)


def __getattr__(name: str) -> object:
    if name == "__version__":  # read from the installed metadata only when asked
        from importlib.metadata import version

        return version("anionscreen")
    return _get(name)
