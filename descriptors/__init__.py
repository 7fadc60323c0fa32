"""Element tables, composition featurizers (scikit-learn transformers) and the vectorised engine.

Imports ``anionscreen.datasets`` only; nothing from ``models`` or ``screening``. Importing the
package imports nothing heavy; use the modules:

- :mod:`~anionscreen.descriptors.composite`: ``CompositionFeaturizer(preset=...)``, ``PRESETS``,
  ``featurize()`` / ``FeaturizeResult``;
- :mod:`~anionscreen.descriptors.matminer_sets`: ``ElementProperty``, ``Stoichiometry``,
  ``ValenceOrbital``, ``ElementFraction`` (matminer's values, vectorised);
- :mod:`~anionscreen.descriptors.ion`: ``IonProperty``;
- :mod:`~anionscreen.descriptors.anion`, :mod:`~anionscreen.descriptors.cation`,
  :mod:`~anionscreen.descriptors.resource`: ``AnionComposition``, ``CationCharge``,
  ``ResourceRisk`` (mixed-anion chemistry, oxidation states, supply risk and cost);
- :mod:`~anionscreen.descriptors.base`: the transformer base class and the error policy;
- :mod:`~anionscreen.descriptors.engine`: block-wise element statistics;
- :mod:`~anionscreen.descriptors.tables` and ``build_tables``: element data files.
"""
