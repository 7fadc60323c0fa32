"""``anionscreen cite``: the BibTeX of the data, methods and software a run (or anionscreen) used."""

from __future__ import annotations

from typing import Annotated

import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.screening.cli.context import current_settings


def cite(
    ctx: typer.Context,
    run: Annotated[
        str | None,
        typer.Argument(help="Run id, path or 'latest'; without it, anionscreen and its data."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="bibtex or text.")] = "bibtex",
) -> None:
    """Print what to cite: the data, methods and package versions a run used, as BibTeX.

    Without RUN: anionscreen itself, every dataset it can learn from, the methods of its
    default models and the installed packages.

    Example: anionscreen cite latest > references.bib
    """
    from anionscreen.screening.results.citations import package_bibliography

    if fmt not in ("bibtex", "text"):
        raise AnionscreenError(f"--format must be bibtex or text; got {fmt!r}")
    if run is None:
        bibliography = package_bibliography()
    else:
        from anionscreen.screening.api import open_run

        bibliography = open_run(run, workspace=current_settings(ctx).workspace).citations()
    typer.echo(bibliography.bibtex() if fmt == "bibtex" else bibliography.text(), nl=False)
