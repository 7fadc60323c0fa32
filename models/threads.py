"""One thread for BLAS and OpenMP inside a block, through one cached threadpoolctl controller.

``threadpoolctl.threadpool_limits`` looks up the loaded BLAS and OpenMP libraries every time
it is entered (about 4 ms); prediction enters such a block once per model and chunk, so the
libraries are looked up once per process here and the controller reused.
"""

from __future__ import annotations

import importlib
from contextlib import AbstractContextManager
from functools import cache
from typing import Any


@cache
def _controller() -> Any:
    # threadpoolctl (a scikit-learn dependency) ships no type information.
    return importlib.import_module("threadpoolctl").ThreadpoolController()


def one_thread(user_api: str | None = None) -> AbstractContextManager[Any]:
    """A context in which the libraries of ``user_api`` (``"blas"``, ``"openmp"`` or all)
    use one thread."""
    limit: AbstractContextManager[Any] = _controller().limit(limits=1, user_api=user_api)
    return limit
