"""Search spaces: ``[[space]]`` tables validated into specs, and the generators that stream them.

Uses nothing else of ``anionscreen.screening``. Public names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.screening.spaces.chunking import Generator
    from anionscreen.screening.spaces.filters import FilterSpec
    from anionscreen.screening.spaces.generators import (
        TemplateGenerator,
        count_all,
        generate_all,
        make_generator,
    )
    from anionscreen.screening.spaces.specs import Grid, SpaceSpec, load_spaces, spaces_from_config
    from anionscreen.screening.spaces.system_enumerator import SystemEnumerator
    from anionscreen.screening.spaces.template import Template, parse_template

__all__ = [
    "FilterSpec",
    "Generator",
    "Grid",
    "SpaceSpec",
    "SystemEnumerator",
    "Template",
    "TemplateGenerator",
    "count_all",
    "generate_all",
    "load_spaces",
    "make_generator",
    "parse_template",
    "spaces_from_config",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
