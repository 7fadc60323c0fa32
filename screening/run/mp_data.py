"""Materials Project columns in campaigns: which systems a campaign needs, and the preflight.

A campaign gets the stability-window and novelty columns of
:class:`~anionscreen.descriptors.mp_columns.MPColumnProvider` from the on-disk cache only.
:func:`plan_mp_columns` decides, before any work:

* if the campaign **asks** for the window (an objective in :data:`MP_OBJECTIVE_NAMES` or a
  window constraint) and the cache does not cover every chemical system its spaces can
  produce, it raises :class:`~anionscreen.datasets.mp_cache.MPCacheMissingError`, whose message
  ends with the ``anionscreen mp fetch ...`` command that fills the cache;
* otherwise the columns are added when the cache has data (NaN for uncovered systems), or left
  out; either way the returned note says which, for people, and the returned
  :class:`~anionscreen.screening.run.records.MPData` says which data, for the run record: a run
  resumes only with the same (:func:`check_same_mp_data`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.mp_cache import (
    MPCacheMissingError,
    fetch_command,
    list_cached,
    missing_systems,
    mp_cache_dir,
)
from anionscreen.datasets.settings import Settings
from anionscreen.descriptors.mp_columns import MPColumnProvider
from anionscreen.screening.campaign.config import Constraints
from anionscreen.screening.run.records import MPData
from anionscreen.screening.spaces.specs import SpaceSpec

#: Objectives computed from the Materials Project columns.
MP_OBJECTIVE_NAMES: tuple[str, ...] = ("oxidation_limit", "reduction_limit", "stability_window")
#: ``[constraints]`` keys that need the Materials Project columns.
MP_CONSTRAINT_KEYS: tuple[str, ...] = ("oxidation_limit_min_V", "reduction_limit_max_V")
#: How the note of :func:`plan_mp_columns` starts.
MP_NOTE_PREFIX = "Materials Project columns"
#: At most this many missing systems are named in the note; more are counted, and
#: ``anionscreen mp status --campaign FILE`` lists them all (FILE: the campaign file, or
#: ``default``).
MP_NOTE_LISTED = 3


def _fill_hint(missing: Sequence[str], lead: str = "fill with") -> str:
    """How to fill the cache, in a few words: the command, or where to find the long one."""
    if len(missing) <= MP_NOTE_LISTED:
        return f"{lead}: {fetch_command(list(missing))}"
    return (
        f"{lead}: anionscreen mp fetch --campaign FILE (its {len(missing)} systems; "
        "`anionscreen mp status --campaign FILE` lists them)"
    )


def space_element_sets(spaces: Sequence[SpaceSpec]) -> list[frozenset[str]]:
    """The largest element sets the spaces' candidates can have (one per symbol choice).

    A template gives one set per combination of its symbol placeholders (amounts that are zero
    for some grid values only drop elements, which a superset covers); a system space gives Li
    with every choice of ``max_cations`` cations and ``max_anions`` anions.
    """
    sets: list[frozenset[str]] = []
    for space in spaces:
        if space.template is not None:
            names = list(space.symbols)
            for values in itertools.product(*space.symbols.values()):
                chosen = dict(zip(names, values, strict=True))
                sets.append(
                    frozenset(
                        chosen[t.element] if t.placeholder else t.element
                        for t in space.template.terms
                    )
                )
            continue
        n_cat = min(space.max_cations, len(space.cations))
        n_an = min(space.max_anions or len(space.anions), len(space.anions))
        for cations in itertools.combinations(space.cations, n_cat):
            for anions in itertools.combinations(space.anions, n_an):
                sets.append(frozenset(("Li", *cations, *anions)))
    return list(dict.fromkeys(sets))


def mp_requests(objective_names: Sequence[str], constraints: Constraints | None) -> list[str]:
    """What in a campaign needs the window: ``objective 'x'`` / ``constraint 'y'`` labels."""
    asked = [f"objective {name!r}" for name in objective_names if name in MP_OBJECTIVE_NAMES]
    asked += [
        f"constraint {key!r}"
        for key in MP_CONSTRAINT_KEYS
        if getattr(constraints, key, None) is not None
    ]
    return asked


@dataclass(frozen=True)
class MPPlan:
    """The provider to add (or None), a one-line note for people and the data it reads."""

    provider: MPColumnProvider | None
    note: str
    data: MPData


def plan_mp_columns(
    spaces: Sequence[SpaceSpec],
    settings: Settings,
    *,
    objective_names: Sequence[str] = (),
    constraints: Constraints | None = None,
) -> MPPlan:
    """Decide how a campaign gets its Materials Project columns; call before any work.

    Parameters
    ----------
    spaces : sequence of SpaceSpec
        The campaign's validated spaces.
    settings : Settings
        Where the cache is.
    objective_names : sequence of str
        The campaign's objective names.
    constraints : Constraints, optional
        The campaign's ``[constraints]`` (read for :data:`MP_CONSTRAINT_KEYS`).

    Raises
    ------
    MPCacheMissingError
        The campaign asks for the window and some of its chemical systems are not cached.
    """
    asked = mp_requests(objective_names, constraints)
    element_sets = space_element_sets(spaces)
    missing = missing_systems(element_sets, settings)
    if asked and missing:
        raise MPCacheMissingError(
            missing, mp_cache_dir(settings), purpose=f"the campaign asks for {', '.join(asked)}"
        )
    if not list_cached(settings):
        return MPPlan(
            None,
            f"{MP_NOTE_PREFIX} (stability window, novelty) absent: nothing cached; with "
            f"MP_API_KEY and a network, {_fill_hint(missing, 'fill the cache with')}",
            MPData(systems=(), missing=tuple(missing)),
        )
    provider = MPColumnProvider(settings, on_missing="nan" if missing else "raise")
    # Phase diagrams are built once here, so workers receive them with the scorer.
    provider.prepare(element_sets)
    used = ", ".join(provider.systems)
    data = MPData(systems=tuple(provider.systems), missing=tuple(missing))
    if missing:
        named = ", ".join(missing) if len(missing) <= MP_NOTE_LISTED else f"{len(missing)} systems"
        return MPPlan(
            provider,
            f"{MP_NOTE_PREFIX} from the cache ({used}); NaN for systems not cached: {named} "
            f"({_fill_hint(missing)})",
            data,
        )
    return MPPlan(provider, f"{MP_NOTE_PREFIX} from the cache ({used})", data)


def _describe(data: MPData | None) -> str:
    if data is None or not data.systems:
        return "no Materials Project data"
    missing = f" (not cached: {', '.join(data.missing)})" if data.missing else ""
    return f"Materials Project data {', '.join(data.systems)}{missing}"


def check_same_mp_data(run_id: str, frozen: MPData | None, now: MPData) -> None:
    """Refuse to resume when the Materials Project cache no longer gives the run's data.

    The window and novelty columns come from the cache as it was when the run started (its
    record names the cached systems and database versions); a cache filled or updated since
    would score the remaining chunks with other data. A run recorded before runs kept this
    record (``frozen`` is None) is not checked.
    """
    if frozen is not None and frozen != now:
        raise AnionscreenError(
            f"run {run_id!r} cannot be resumed with the same data: it started with "
            f"{_describe(frozen)} but the cache now gives {_describe(now)}; start a new run"
        )
