"""Screening campaigns: search spaces, campaigns, runs, results and the command line.

The top layer: it may import every other anionscreen package. A campaign from Python:

>>> from anionscreen.screening import open_run, run_campaign
>>> run = run_campaign("campaign.toml")  # doctest: +SKIP
>>> run.ranked.head()  # doctest: +SKIP

The rooms, in the order a campaign passes through them: ``spaces`` (what can be made),
``campaign`` (what to look for), ``run`` (scoring it, into a run folder), ``results`` (reading
runs) and ``cli`` (the ``anionscreen`` command); :mod:`~anionscreen.screening.api` holds the
orchestration. Public names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.screening.api import list_runs, open_run, resume_campaign, run_campaign
    from anionscreen.screening.campaign.config import Campaign, load_campaign
    from anionscreen.screening.campaign.default import default_campaign
    from anionscreen.screening.results.run import Run, RunSummary
    from anionscreen.screening.run.events import CampaignInterruptedError, Progress, RunReady

__all__ = [
    "Campaign",
    "CampaignInterruptedError",
    "Progress",
    "Run",
    "RunReady",
    "RunSummary",
    "default_campaign",
    "list_runs",
    "load_campaign",
    "open_run",
    "resume_campaign",
    "run_campaign",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
