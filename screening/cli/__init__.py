"""The ``anionscreen`` command."""

from anionscreen.screening.cli.app import app, main

__all__ = ["app", "main"]
