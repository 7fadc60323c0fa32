"""Campaign benchmark: >= 10^6 candidates end to end, stage times, rate, peak memory.

Runs a real campaign (generators -> descriptors -> the workspace's models -> scoring ->
checkpoints -> final tables and report) on a space of the requested size, samples the
resident memory of the whole process tree every 0.1 s, and, in the same process, pushes a
sample of the same candidates through the usual pipeline (matminer ``featurize_dataframe``
with ElementProperty(magpie) + Stoichiometry + ValenceOrbital, then the same models) to
report the speed ratio.

Usage (from the repository root)::

    python benchmarks/bench_campaign.py --size 1e6 --workers 2
    python benchmarks/bench_campaign.py --size 1e7 --workers 2 --no-compare

The workspace (``benchmarks/out/ws`` by default) keeps its trained models between runs; the
first run trains them on the bundled data (timed separately).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from anionscreen.datasets.settings import get_settings
from anionscreen.screening.api import run_campaign
from anionscreen.screening.campaign.config import Campaign, campaign_from_dict
from anionscreen.screening.results.run import Run
from anionscreen.screening.run.events import Progress, RunReady
from anionscreen.screening.run.pipeline import plan_run
from anionscreen.screening.spaces.generators import generate_all

METALS = ["Ta", "Nb", "W", "Mo", "Sb", "Zr", "Hf", "Ti", "Sn", "Bi"]
METALS += ["V", "Ga", "In", "Al", "Y", "Sc", "Fe", "Cr", "Ge", "Si"]
# (x step, y step, metals) -> size: 1,252,431 and 10,161,831 candidates.
GRIDS = {1e5: (0.01, 0.05, 6), 1e6: (0.005, 0.025, 20), 1e7: (0.001, 0.01, 15)}


class MemorySampler(threading.Thread):
    """Peak resident memory (MB) of this process and all its children, sampled every 0.1 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        start = time.perf_counter()
        while not self._halt.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.samples.append((time.perf_counter() - start, total / 2**20))
            self._halt.wait(0.1)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def peak(self, lo: float = 0.0, hi: float = 1.0) -> float:
        """Peak between fractions ``lo`` and ``hi`` of the sampled time."""
        end = self.samples[-1][0] if self.samples else 0.0
        inside = [m for t, m in self.samples if lo * end <= t <= hi * end]
        return max(inside, default=0.0)


def campaign_for(size: float, chunk_size: int, metals: int | None = None) -> dict[str, Any]:
    """The benchmark campaign on grid ``size``; ``metals`` overrides the grid's metal count."""
    step_x, step_y, grid_metals = GRIDS[size]
    metals = grid_metals if metals is None else metals
    return {
        "name": f"bench-{int(size):d}",
        "space": [
            {
                "name": "Li-M-(S,O)-(Cl,Br)5",
                "template": "Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}",
                "M": METALS[:metals],
                "x": {"start": 0.0, "stop": 1.0, "step": step_x},
                "y": {"start": 0.0, "stop": 5.0, "step": step_y},
                "n": "balance",
            }
        ],
        "objective": [
            {"name": "sigma"},
            {"name": "modulus", "weight": 0.5},
            {"name": "supply_risk", "weight": 0.2},
        ],
        "constraints": {"sigma_min_S_per_cm": 1e-6},
        "execution": {"chunk_size": chunk_size},
    }


def usual_way(scorer: Any, campaign: Any, sample: int) -> dict[str, Any]:
    """matminer featurize_dataframe + the same models on ``sample`` candidates."""
    import pandas as pd
    from matminer.featurizers.base import MultipleFeaturizer
    from matminer.featurizers.composition import ElementProperty, Stoichiometry, ValenceOrbital
    from pymatgen.core.composition import Composition

    from anionscreen.descriptors.anion import AnionComposition
    from anionscreen.descriptors.resource import ResourceRisk
    from anionscreen.models.features import featurize

    chunk = next(iter(generate_all(campaign.spaces, sample)))
    start = time.perf_counter()
    frame = pd.DataFrame({"composition": [Composition(f) for f in chunk.formulas]})
    featurizer = MultipleFeaturizer(
        [ElementProperty.from_preset("magpie", impute_nan=False), Stoichiometry(), ValenceOrbital()]
    )
    featurizer.set_n_jobs(1)
    frame = featurizer.featurize_dataframe(frame, "composition", pbar=False)
    t_matminer = time.perf_counter() - start
    mm = frame.drop(columns=["composition"]).to_numpy(np.float64)
    extra = np.hstack(
        [
            cls(on_error="raise").fit(chunk).transform(chunk)
            for cls in (AnionComposition, ResourceRisk)
        ]
    )
    features = np.hstack([mm, extra])
    preds = {}
    for target, (_, model) in scorer.predictor.models.items():
        preds[target] = model.predict_features(features, 0.9).value
    t_usual = time.perf_counter() - start
    ours_start = time.perf_counter()
    ours = scorer.predictor.predict_chunk(chunk)
    t_ours = time.perf_counter() - ours_start
    mine = featurize(chunk, "composition")
    same = np.allclose(mine, features, rtol=1e-9, atol=1e-12, equal_nan=True)
    return {
        "sample": len(chunk),
        "matminer_featurize_s": t_matminer,
        "usual_total_s": t_usual,
        "usual_per_s": len(chunk) / t_usual,
        "anionscreen_predict_chunk_s": t_ours,
        "features_identical_1e-9": bool(same),
        "sigma_predictions_max_abs_diff": float(
            np.nanmax(np.abs(preds["sigma"] - ours["log10_sigma_S_per_cm"].to_numpy()))
        ),
    }


def executor_compare(settings: Any, size: float) -> dict[str, float]:
    """Wall time of the same campaign on joblib and on a local Dask cluster (fix on/off)."""
    from distributed import LocalCluster

    campaign = campaign_from_dict(campaign_for(size, 8192), "<bench>")
    out: dict[str, float] = {}

    def timed(**executor: Any) -> float:
        run, wall, _, _ = timed_run(campaign, settings.workspace, **executor)
        out["candidates"] = float(run.info.start.total_candidates)
        return wall

    out["joblib_2_workers_s"] = timed(workers=2)
    for label, fix in (("dask_malloc_fix_s", "1"), ("dask_dask_default_malloc_s", "0")):
        with LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env={"ANIONSCREEN_DASK_MALLOC_FIX": fix},
        ) as cluster:
            out[label] = timed(scheduler=cluster.scheduler_address)
    return out


def timed_run(
    campaign: Campaign, workspace: Path, **executor: Any
) -> tuple[Run, float, MemorySampler, float]:
    """Run the campaign; wall seconds and memory from the moment its models are loaded, and
    wall seconds from the call (loading the models from the registry included: the workers
    start while they load)."""
    sampler = MemorySampler()
    ready: list[float] = []

    def start(event: RunReady) -> None:
        ready.append(time.perf_counter())
        sampler.start()

    called = time.perf_counter()
    run = run_campaign(campaign, workspace=workspace, progress=Progress(ready=start), **executor)
    end = time.perf_counter()
    sampler.stop()
    return run, end - ready[0], sampler, end - called


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=1e6, choices=sorted(GRIDS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=8192)
    parser.add_argument("--workspace", type=Path, default=Path("benchmarks/out/ws"))
    parser.add_argument(
        "--metals",
        type=int,
        default=None,
        choices=range(1, len(METALS) + 1),
        metavar=f"1..{len(METALS)}",
        help="metals of the grid (default: the size's; --size 1e6 --metals 18 gives "
        "1,050,426 candidates, the fewest of this grid at or above 10^6)",
    )
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--no-compare", action="store_true")
    parser.add_argument(
        "--executors", action="store_true", help="also time joblib vs Dask on 10^5 candidates"
    )
    args = parser.parse_args()
    os.environ.pop("ANIONSCREEN_DATA_MIRROR", None)  # default models: bundled data, offline
    settings = get_settings(args.workspace)
    campaign = campaign_from_dict(campaign_for(args.size, args.chunk_size, args.metals), "<bench>")
    t0 = time.perf_counter()
    plan = plan_run(campaign, settings)  # trains the default models on a fresh workspace
    t_models = time.perf_counter() - t0
    total = plan.source.total
    print(f"{total:,} candidates; models ready in {t_models:.1f} s; {plan.notes[:3]}")
    run, wall, sampler, from_call = timed_run(campaign, settings.workspace, workers=args.workers)
    info = run.info
    result: dict[str, Any] = {
        "candidates": total,
        "workers": args.workers,
        "chunk_size": args.chunk_size,
        "models_ready_s": t_models,
        "wall_s": wall,
        "wall_from_call_s": from_call,
        "candidates_per_s": total / wall,
        "timings": asdict(info.timings) if info.timings else None,
        "counts": asdict(info.counts) if info.counts else None,
        "peak_rss_MB_tree": sampler.peak(),
        "peak_rss_MB_first_half": sampler.peak(0.0, 0.5),
        "peak_rss_MB_second_half": sampler.peak(0.5, 1.0),
        "run": str(run.path),
    }
    if not args.no_compare:
        cmp = usual_way(plan.scorer, plan.campaign, args.sample)
        cmp["ratio_end_to_end_vs_usual"] = result["candidates_per_s"] / cmp["usual_per_s"]
        cmp["ratio_from_call_vs_usual"] = total / from_call / cmp["usual_per_s"]
        result["usual_way"] = cmp
    if args.executors:
        result["executors_1e5"] = executor_compare(settings, 1e5)
    print(json.dumps(result, indent=2, default=str))
    out = Path("benchmarks/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"campaign_{total:d}.json").write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
