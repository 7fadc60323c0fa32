"""A tiny real screening pipeline for the campaign tests (no mocks).

Candidates are real compositions (Li2 M S(1-x) O(x) X5 for two metals and two halogens);
the predictor is a real scikit-learn ridge regression on element fractions fitted to a few
measured electrolytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core.composition import Composition
from sklearn.linear_model import Ridge

from anionscreen.descriptors.chunk import CompositionChunk, chunk_from_compositions
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.results.report import write_report
from anionscreen.screening.run.execute import ChunkSource, ExecutorSpec
from anionscreen.screening.run.records import RunStart
from anionscreen.screening.run.runner import execute_run
from anionscreen.screening.run.scoring import ChunkScorer
from anionscreen.screening.run.store import RunFolder, create_run, package_versions

# (formula, log10 sigma S/cm, Ea eV, modulus GPa): Ogbolu et al. 2025 and literature rows of
# the bundled data; modulus 8.2/7.3 GPa measured, others representative.
TRAINING = (
    ("Li2TaSCl5", np.log10(2.7e-4), 0.36, 8.2),
    ("Li2TaS0.7O0.3Cl5", np.log10(8.7e-4), 0.35, 7.9),
    ("Li2TaS0.4O0.6Cl5", np.log10(4.17e-3), 0.33, 7.3),
    ("Li2TaS0.1O0.9Cl5", np.log10(4.29e-3), 0.32, 7.0),
    ("Li3InCl6", np.log10(2.04e-3), 0.35, 20.0),
    ("Li3YCl6", np.log10(5.39e-4), 0.40, 25.0),
)


def space_rows() -> list[tuple[str, str, float]]:
    """(M, X, x) of the 44 candidates, in generation order."""
    return [(m, x_, x / 10) for m in ("Ta", "Nb") for x_ in ("Cl", "Br") for x in range(11)]


def make_chunks(chunk_size: int) -> Iterator[CompositionChunk]:
    """The 44 candidates as chunks of ``chunk_size`` rows (deterministic)."""
    rows = space_rows()
    for start in range(0, len(rows), chunk_size):
        part = rows[start : start + chunk_size]
        comps = [Composition(f"Li2{m}S{1 - x:.1f}O{x:.1f}{hal}5") for m, hal, x in part]
        params = pd.DataFrame(
            {
                "space": "Li2M(S,O)X5",
                "M": [m for m, _, _ in part],
                "X": [hal for _, hal, _ in part],
                "x": [x for _, _, x in part],
                "n_Li": 2.0,
            }
        )
        yield chunk_from_compositions(comps, params)


def source(chunk_size: int) -> ChunkSource:
    """The tiny space as a campaign chunk source."""
    total = len(space_rows())
    return ChunkSource(
        chunks=lambda: make_chunks(chunk_size), total=total, total_chunks=-(-total // chunk_size)
    )


class TinyPredictor:
    """Ridge regressions on element fractions; constant-width intervals; L1 nearest neighbour."""

    def __init__(self) -> None:
        chunk = chunk_from_compositions([Composition(f) for f, *_ in TRAINING])
        self.train_x = chunk.fractions
        self.train_formulas = chunk.formulas
        y = np.array([row[1:] for row in TRAINING], dtype=np.float64)
        self.models = [Ridge(alpha=1e-3).fit(self.train_x, y[:, k]) for k in range(3)]

    @property
    def versions(self) -> dict[str, str]:
        """Fixed versions for the run record."""
        return {"sigma": "tiny-1", "ea": "tiny-1", "modulus": "tiny-1"}

    def predict_chunk(self, chunk: CompositionChunk) -> pd.DataFrame:
        """All prediction columns for a chunk."""
        x = chunk.fractions
        sigma, ea, modulus = (m.predict(x) for m in self.models)
        dist = np.abs(x[:, None, :] - self.train_x[None, :, :]).sum(axis=2) / 2
        nearest = dist.argmin(axis=1)
        # Wider intervals further from the training data, so acquisition has something to use.
        half = 0.3 + 2.0 * dist.min(axis=1)
        return pd.DataFrame(
            {
                "log10_sigma_S_per_cm": sigma,
                "log10_sigma_S_per_cm_lo": sigma - half,
                "log10_sigma_S_per_cm_hi": sigma + half,
                "sigma_S_per_cm": 10.0**sigma,
                "ea_eV": ea,
                "ea_eV_lo": ea - 0.05,
                "ea_eV_hi": ea + 0.05,
                "modulus_GPa": np.abs(modulus) + 1.0,
                "modulus_GPa_lo": (np.abs(modulus) + 1.0) / 1.5,
                "modulus_GPa_hi": (np.abs(modulus) + 1.0) * 1.5,
                "in_domain": dist.min(axis=1) < 0.1,
                "nearest_known": self.train_formulas[nearest].astype(str),
                "nearest_distance": dist.min(axis=1),
            }
        )


def tiny_campaign(chunk_size: int = 4, **overrides: object) -> Campaign:
    """A campaign over the tiny space (its [[space]] table is the generators' format)."""
    data: dict[str, object] = {
        "name": "tiny",
        "space": [
            {
                "name": "Li2M(S,O)X5",
                "template": "Li2 {M} S{1-x} O{x} {X}5",
                "M": ["Ta", "Nb"],
                "X": ["Cl", "Br"],
                "x": {"start": 0.0, "stop": 1.0, "step": 0.1},
            }
        ],
        "objective": [{"name": "sigma"}, {"name": "modulus", "weight": 0.5}],
        "constraints": {"sigma_min_S_per_cm": 1e-3},
        "ranking": {"top_n": 10, "pareto_depth": 3},
        "acquisition": {"batch_size": 4, "max_per_family": 1},
        "execution": {"chunk_size": chunk_size},
    }
    data.update(overrides)
    return campaign_from_dict(data, "<tiny>")


def start_record(campaign: Campaign, total: int = len(space_rows())) -> RunStart:
    """What a tiny run is started with (the fixed versions of TinyPredictor)."""
    return RunStart(
        name=campaign.name,
        campaign=campaign.model_dump(mode="json"),
        chunk_size=campaign.execution.chunk_size,
        total_candidates=total,
        model_versions=TinyPredictor().versions,
        packages=package_versions(),
        executor=ExecutorSpec().describe(),
        total_chunks=-(-total // campaign.execution.chunk_size),  # one space: one remainder
    )


def new_run(
    workspace: Path, run_id: str, chunk_size: int = 4
) -> tuple[RunFolder, Campaign, ChunkScorer]:
    """Create (not execute) a tiny run."""
    campaign = tiny_campaign(chunk_size)
    scorer = ChunkScorer(predictor=TinyPredictor(), campaign=campaign)
    run = create_run(workspace, start_record(campaign), "# tiny\n", run_id=run_id)
    return run, campaign, scorer


def run_tiny(workspace: Path, run_id: str, executor: ExecutorSpec | None = None) -> RunFolder:
    """Create and execute a tiny run (with its report, as a campaign has)."""
    run, campaign, scorer = new_run(workspace, run_id)
    return execute_run(
        run, campaign, source(4), scorer, executor or ExecutorSpec(), report=write_report
    )
