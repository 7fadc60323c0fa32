"""Element tables, composition featurizers (scikit-learn transformers) and the vectorised engine.

Imports ``anionscreen.datasets`` only; nothing from ``models`` or ``screening``.
"""
