"""Element tables, composition featurizers (scikit-learn transformers) and the vectorised engine.

Imports ``anionscreen.datasets`` only; nothing from ``models`` or ``screening``. Its public
names load on first use, so importing the package imports nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.descriptors.anion import AnionComposition
    from anionscreen.descriptors.base import CompositionTransformer
    from anionscreen.descriptors.batch import FeaturizeWarning
    from anionscreen.descriptors.cation import CationCharge
    from anionscreen.descriptors.charge import ChargeBalance, charge_balance
    from anionscreen.descriptors.chunk import CompositionChunk, chunk_from_compositions
    from anionscreen.descriptors.composite import (
        PRESETS,
        CompositionFeaturizer,
        FeaturizeResult,
        featurize,
    )
    from anionscreen.descriptors.elements import N_ELEMENTS, element_index, element_symbols
    from anionscreen.descriptors.frames import composition_text, featurize_frame
    from anionscreen.descriptors.ion import IonProperty
    from anionscreen.descriptors.matminer_sets import (
        ElementFraction,
        ElementProperty,
        Stoichiometry,
        ValenceOrbital,
    )
    from anionscreen.descriptors.mp_columns import MPColumnProvider
    from anionscreen.descriptors.names import NAME_STYLES, feature_names
    from anionscreen.descriptors.resource import ResourceRisk

__all__ = [
    "NAME_STYLES",
    "N_ELEMENTS",
    "PRESETS",
    "AnionComposition",
    "CationCharge",
    "ChargeBalance",
    "CompositionChunk",
    "CompositionFeaturizer",
    "CompositionTransformer",
    "ElementFraction",
    "ElementProperty",
    "FeaturizeResult",
    "FeaturizeWarning",
    "IonProperty",
    "MPColumnProvider",
    "ResourceRisk",
    "Stoichiometry",
    "ValenceOrbital",
    "charge_balance",
    "chunk_from_compositions",
    "composition_text",
    "element_index",
    "element_symbols",
    "feature_names",
    "featurize",
    "featurize_frame",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
