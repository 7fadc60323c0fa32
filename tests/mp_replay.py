"""A stand-in for the Materials Project API (an external service) that replays recordings.

``ReplayMPRester`` has the part of ``mp_api.client.MPRester``'s interface the adapter uses
(``db_version``, ``get_entries_in_chemsys``, ``materials.summary.search``,
``materials.elasticity.search``) and answers from a JSON recording in ``tests/data/mp``. A
request that is not in the recording fails the test, so the adapter's requests are checked
too. Errors are raised as the real client raises them: ``MPRestError`` with the client's
message for an HTTP error status, ``requests.exceptions.ReadTimeout`` for a read timeout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
from mp_api.client.core.exceptions import MPRestError
from pymatgen.core.entries import ComputedStructureEntry

DATA = Path(__file__).resolve().parent / "data" / "mp"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class _Route:
    def __init__(self, owner: ReplayMPRester, name: str) -> None:
        self._owner = owner
        self._name = name

    def search(self, **kwargs: Any) -> list[Any]:
        return list(self._owner.replay(self._name, kwargs)["data"])


class _Materials:
    def __init__(self, owner: ReplayMPRester) -> None:
        self.summary = _Route(owner, "materials.summary.search")
        self.elasticity = _Route(owner, "materials.elasticity.search")


class ReplayMPRester:
    """Replays ``tests/data/mp/<name>.json``; ``api_key`` is what the "server" was sent."""

    def __init__(self, name: str, api_key: str = "") -> None:
        self.recording = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
        self.api_key = api_key
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.materials = _Materials(self)

    @property
    def db_version(self) -> str:
        return str(self.recording["heartbeat"]["db_version"])

    def get_entries_in_chemsys(self, elements: list[str], **kwargs: Any) -> list[Any]:
        response = self.replay("get_entries_in_chemsys", {"elements": elements, **kwargs})
        return [ComputedStructureEntry.from_dict(d) for d in response["entries"]]

    def replay(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.requests.append((method, params))
        for call in self.recording["calls"]:
            if call["method"] == method and _canonical(call["params"]) == _canonical(params):
                return self._respond(call["response"])
        raise AssertionError(f"no recorded response for {method}({params})")

    def _respond(self, response: dict[str, Any]) -> dict[str, Any]:
        if "timeout" in response:
            raise requests.exceptions.ReadTimeout(
                "HTTPSConnectionPool(host='api.materialsproject.org', port=443): Read timed "
                f"out. (read timeout={response['read_timeout']})"
            )
        if response["status"] != 200:
            detail = str(response["body"]["detail"]).replace("{api_key}", self.api_key)
            raise MPRestError(
                f"REST query returned with error status code {response['status']} "
                f"on URL {response['url']} with message:\n{detail}"
            )
        return response
