"""Campaigns: what to screen (the validated file), the objectives, ranking and next batch.

Uses ``screening.spaces`` only. Public names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anionscreen import lazy_exports

if TYPE_CHECKING:
    from anionscreen.screening.campaign.acquisition import acquisition_values, select_batch
    from anionscreen.screening.campaign.config import (
        Acquisition,
        Campaign,
        Constraints,
        Execution,
        Models,
        ObjectiveSpec,
        Ranking,
        campaign_from_dict,
        campaign_from_toml,
        load_campaign,
    )
    from anionscreen.screening.campaign.default import DEFAULT_CAMPAIGN_TOML, default_campaign
    from anionscreen.screening.campaign.objectives import (
        ObjectiveDef,
        get_objective,
        objective_names,
        register_objective,
    )
    from anionscreen.screening.campaign.pareto import pareto_ranks, rank_order, utilities
    from anionscreen.screening.campaign.scores import (
        constraint_columns,
        objective_columns,
        score_columns,
    )

__all__ = [
    "DEFAULT_CAMPAIGN_TOML",
    "Acquisition",
    "Campaign",
    "Constraints",
    "Execution",
    "Models",
    "ObjectiveDef",
    "ObjectiveSpec",
    "Ranking",
    "acquisition_values",
    "campaign_from_dict",
    "campaign_from_toml",
    "constraint_columns",
    "default_campaign",
    "get_objective",
    "load_campaign",
    "objective_columns",
    "objective_names",
    "pareto_ranks",
    "rank_order",
    "register_objective",
    "score_columns",
    "select_batch",
    "utilities",
]
__getattr__, __dir__ = lazy_exports(__name__, __file__)
