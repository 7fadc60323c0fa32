"""The Materials Project client side: the API key, the client interface, and safe errors.

The key comes from ``MP_API_KEY`` or pymatgen's ``PMG_MAPI_KEY`` setting. It is never logged,
cached or put in an error message: :func:`ask_mp` reports a client failure with the key masked
(:func:`redact`) and without chaining the client's exception, whose text could carry it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from importlib import metadata
from typing import Any, Protocol, TypeVar

from anionscreen.datasets.errors import AnionscreenError

KEY_ENV = "MP_API_KEY"

T = TypeVar("T")


class MPUnavailableError(AnionscreenError):
    """The Materials Project could not be asked (no key, no network, an API error)."""


class _SearchRoute(Protocol):
    def search(self, **kwargs: Any) -> list[Any]: ...


class _MaterialsRoutes(Protocol):
    @property
    def summary(self) -> _SearchRoute: ...
    @property
    def elasticity(self) -> _SearchRoute: ...


class MPClient(Protocol):
    """The part of ``mp_api.client.MPRester`` the adapter uses."""

    @property
    def db_version(self) -> str: ...
    @property
    def materials(self) -> _MaterialsRoutes: ...
    def get_entries_in_chemsys(self, elements: list[str], **kwargs: Any) -> list[Any]: ...


def api_key() -> str | None:
    """The configured key (``MP_API_KEY``, else pymatgen's ``PMG_MAPI_KEY``), or None."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        from pymatgen.core import SETTINGS  # read here: pymatgen loads ~/.pmgrc.yaml once

        key = str(SETTINGS.get("PMG_MAPI_KEY") or "").strip()
    return key or None


def api_key_configured() -> bool:
    """Whether a key is configured (the key itself is never shown)."""
    return api_key() is not None


_KEYLIKE = re.compile(r"(?i)(api[_-]?key['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")


def redact(text: str, key: str | None = None) -> str:
    """``text`` with the API key (given, or configured) and ``api_key=...`` values masked."""
    key = key if key is not None else api_key()
    if key:
        text = text.replace(key, "***")
    return _KEYLIKE.sub(r"\1***", text)


def ask_mp(what: str, chemsys: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except Exception as err:
        reason = redact(f"{type(err).__name__}: {err}")
        hint = " (the request timed out)" if "timed out" in reason.lower() else ""
        # ``from None``: the chained exception's text could carry the key unmasked.
        raise MPUnavailableError(
            f"Materials Project {what} for {chemsys} failed{hint}: {reason}. Nothing was "
            "cached; check the network and MP_API_KEY, or work from the cache "
            "(anionscreen mp status)"
        ) from None


def client_version() -> str:
    try:
        return f"mp-api {metadata.version('mp-api')}"
    except metadata.PackageNotFoundError:
        return "mp-api (not installed)"


def default_client(chemsys: str) -> Any:
    key = api_key()
    if key is None:
        raise MPUnavailableError(
            f"no Materials Project API key to fetch {chemsys}: set {KEY_ENV} (or PMG_MAPI_KEY "
            "in pymatgen's settings). Everything else works without it, from the cache."
        )
    from mp_api.client import MPRester

    return ask_mp(
        "connection",
        "the API",
        lambda: MPRester(api_key=key, use_document_model=False, mute_progress_bars=True),
    )
