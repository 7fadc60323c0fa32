"""Materials Project client side: API key, client interface, key-safe errors, downloads.

:func:`download_chemsys` asks a client for one chemical system and returns plain JSON.

The key comes from ``MP_API_KEY`` or pymatgen's ``PMG_MAPI_KEY`` setting. It is never logged,
cached or put in an error message: :func:`ask_mp` reports a client failure with the key masked
(:func:`redact`) and without chaining the client's exception, whose text could carry it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable
from importlib import metadata
from typing import Any, Protocol, TypeVar

from monty.json import MontyDecoder, MontyEncoder
from pymatgen.core.entries import ComputedEntry

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.mp_cache import normalize_chemsys

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
    """``text`` with the API key (given and configured) and ``api_key=...`` values masked."""
    for secret in (key, api_key()):
        if secret:
            text = text.replace(secret, "***")
    return _KEYLIKE.sub(r"\1***", text)


def ask_mp(what: str, chemsys: str, call: Callable[[], T], key: str | None = None) -> T:
    """Run one request to the Materials Project; failures become :class:`MPUnavailableError`.

    The message names the request and the system and gives the client's reason with ``key``
    (the client's own) and the configured key masked.
    """
    try:
        return call()
    except Exception as err:
        reason = redact(f"{type(err).__name__}: {err}", key)
        hint = " (the request timed out)" if "timed out" in reason.lower() else ""
        # ``from None``: the chained exception's text could carry the key unmasked.
        raise MPUnavailableError(
            f"Materials Project {what} for {chemsys} failed{hint}: {reason}. Nothing was "
            "cached; check the network and MP_API_KEY, or work from the cache "
            "(anionscreen mp status)"
        ) from None


def client_version() -> str:
    """``mp-api <version>`` for the cache record."""
    try:
        return f"mp-api {metadata.version('mp-api')}"
    except metadata.PackageNotFoundError:
        return "mp-api (not installed)"


def default_client(chemsys: str) -> Any:
    """A new ``MPRester`` with the configured key (documents as dicts, no progress bars)."""
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


#: MP's mixed GGA/GGA+U/r2SCAN hull, the one shown on materialsproject.org.
DEFAULT_THERMO_TYPE = "GGA_GGA+U_R2SCAN"
SUMMARY_FIELDS: tuple[str, ...] = (
    "material_id",
    "formula_pretty",
    "chemsys",
    "energy_above_hull",
    "formation_energy_per_atom",
    "is_stable",
    "theoretical",
)
ELASTICITY_FIELDS: tuple[str, ...] = (
    "material_id",
    "formula_pretty",
    "chemsys",
    "bulk_modulus",
    "shear_modulus",
    "homogeneous_poisson",
    "state",
)


def subsystems(chemsys: str) -> list[str]:
    """Every chemical system made of a non-empty subset of the elements, as MP spells them."""
    elements = normalize_chemsys(chemsys).split("-")
    return [
        "-".join(combo)
        for n in range(1, len(elements) + 1)
        for combo in itertools.combinations(elements, n)
    ]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=MontyEncoder))


def _doc_dict(doc: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    data = doc.model_dump(mode="json") if hasattr(doc, "model_dump") else dict(doc)
    return {f: _jsonable(data.get(f)) for f in fields}


def _plain_entry(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        entry = MontyDecoder().process_decoded(entry)
    if not isinstance(entry, ComputedEntry):
        raise MPUnavailableError(
            f"expected computed entries from the Materials Project; got {type(entry).__name__}"
        )
    # Structures are not needed for phase diagrams and would make the cache ~20x larger.
    plain = ComputedEntry(
        entry.composition,
        entry.uncorrected_energy,
        energy_adjustments=entry.energy_adjustments,
        parameters=entry.parameters,
        data=entry.data,
        entry_id=entry.entry_id,
    )
    result: dict[str, Any] = _jsonable(plain.as_dict())
    return result


def download_chemsys(client: MPClient, chemsys: str, thermo_type: str) -> dict[str, Any]:
    """Entries, summary and elasticity documents of a normalised ``chemsys``, as plain JSON."""
    elements = chemsys.split("-")
    key = getattr(client, "api_key", None)  # MPRester keeps the key it was given
    entries = ask_mp(
        "entries request",
        chemsys,
        lambda: client.get_entries_in_chemsys(
            elements, additional_criteria={"thermo_types": [thermo_type]}
        ),
        key,
    )
    summary = ask_mp(
        "summary search",
        chemsys,
        lambda: client.materials.summary.search(
            chemsys=subsystems(chemsys), deprecated=False, fields=list(SUMMARY_FIELDS)
        ),
        key,
    )
    summary_docs = [_doc_dict(d, SUMMARY_FIELDS) for d in summary]
    ids = sorted({str(d["material_id"]) for d in summary_docs if d["material_id"]})
    elastic = (
        ask_mp(
            "elasticity search",
            chemsys,
            lambda: client.materials.elasticity.search(
                material_ids=ids, fields=list(ELASTICITY_FIELDS)
            ),
            key,
        )
        if ids
        else []
    )
    return {
        "entries": [_plain_entry(e) for e in entries],
        "summary": summary_docs,
        "elasticity": [_doc_dict(d, ELASTICITY_FIELDS) for d in elastic],
    }
