"""Measurements, formula parsing, the bundled dataset and loaders for external datasets.

This package is the lowest layer of anionscreen: it imports nothing from
``anionscreen.descriptors``, ``anionscreen.models`` or ``anionscreen.screening``.
"""
