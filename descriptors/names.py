"""Feature names in anionscreen's style or in matminer's, for the sets matminer has.

anionscreen names every feature after its set (``"magpie mean Number"``,
``"stoichiometry 2-norm"``, ``"fraction Li"``); matminer's featurizers label the same values
``"MagpieData mean Number"``, ``"2-norm"`` and ``"Li"``. Code written against matminer's
``featurize_dataframe`` columns keeps working with ``names="matminer"``. ValenceOrbital and
IonProperty names are matminer's already; the mixed-anion, cation and resource sets have no
matminer counterpart and keep their names.

>>> feature_names(["magpie mean Number", "stoichiometry 2-norm", "anion share Cl"], "matminer")
['MagpieData mean Number', '2-norm', 'anion share Cl']
"""

from __future__ import annotations

from collections.abc import Sequence

from anionscreen.datasets.errors import AnionscreenError

#: The naming styles :func:`feature_names` knows.
NAME_STYLES: tuple[str, ...] = ("anionscreen", "matminer")

# (anionscreen prefix, matminer prefix), checked against the installed matminer's
# feature_labels() in tests/test_api.py.
_MATMINER_PREFIXES: tuple[tuple[str, str], ...] = (
    ("magpie ", "MagpieData "),  # ElementProperty.from_preset("magpie")
    ("stoichiometry ", ""),  # Stoichiometry: "0-norm", "2-norm", ...
    ("fraction ", ""),  # ElementFraction: the element symbol
)


def matminer_name(name: str) -> str:
    """matminer's label of the feature ``name`` (``name`` itself when matminer has none)."""
    for ours, theirs in _MATMINER_PREFIXES:
        if name.startswith(ours):
            return theirs + name[len(ours) :]
    return name


def feature_names(names: Sequence[str], style: str) -> list[str]:
    """``names`` in ``style`` (one of :data:`NAME_STYLES`)."""
    if style not in NAME_STYLES:
        raise AnionscreenError(
            f"names must be one of {', '.join(repr(s) for s in NAME_STYLES)}; got {style!r}"
        )
    if style == "anionscreen":
        return list(names)
    return [matminer_name(name) for name in names]
