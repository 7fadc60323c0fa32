"""Speed of the bulk prediction API on 10^6 candidates (what a campaign calls per chunk).

Run:

    ANIONSCREEN_DATA_MIRROR=../shared/data python benchmarks/bench_predict.py [N] [CHUNK]

Trains the default models (bundled + every external set in the mirror) into a temporary
workspace, timing ``anionscreen train`` equivalent, then builds N (default 10^6)
Li-M-S-O-X candidates as element-fraction chunks and times ``Predictor.predict_chunk`` on
chunks of CHUNK rows (default 131072), split into featurization and model time.
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np

from anionscreen.datasets.settings import get_settings
from anionscreen.descriptors.chunk import CompositionChunk
from anionscreen.descriptors.elements import element_index
from anionscreen.models.features import featurize
from anionscreen.models.predict import Predictor
from anionscreen.models.workflow import train_models

METALS = ("Ta", "Nb", "Zr", "Hf", "W", "Y", "In", "Sc", "Al", "Ga")
HALOGENS = ("Cl", "Br", "I")


def candidates(n: int, seed: int = 0) -> CompositionChunk:
    """Li_a M S_(1-x) O_x X_5 with random a, x, M, X (fractions; rows sum to 1)."""
    rng = np.random.default_rng(seed)
    idx = element_index()
    amounts = np.zeros((n, 118))
    x = rng.uniform(0, 1, n)
    amounts[np.arange(n), [idx[m] for m in rng.choice(METALS, n)]] = 1.0
    amounts[:, idx["S"]] = 1 - x
    amounts[:, idx["O"]] += x
    amounts[np.arange(n), [idx[h] for h in rng.choice(HALOGENS, n)]] = 5.0
    amounts[:, idx["Li"]] = rng.uniform(1, 4, n)
    fractions = amounts / amounts.sum(axis=1, keepdims=True)
    formulas = np.array([f"cand{i}" for i in range(n)], dtype=object)
    return CompositionChunk(fractions=fractions, formulas=formulas)


def main(n: int, chunk_rows: int) -> None:
    with tempfile.TemporaryDirectory() as ws:
        settings = get_settings(ws)
        t0 = time.perf_counter()
        outcomes = train_models(settings)
        train_s = time.perf_counter() - t0
        sizes = {o.target: (o.table.report["rows"], o.result.chosen_family) for o in outcomes}
        print(f"train all targets (default sources, with baselines): {train_s:.1f} s {sizes}")
        predictor = Predictor.from_registry(settings, train_if_missing=False)
        chunk = candidates(n)
        feat_s = model_s = 0.0
        rows = 0
        for start in range(0, n, chunk_rows):
            part = CompositionChunk(
                fractions=chunk.fractions[start : start + chunk_rows],
                formulas=chunk.formulas[start : start + chunk_rows],
            )
            t0 = time.perf_counter()
            features = {m.preset: featurize(part, m.preset) for _, m in predictor.models.values()}
            t1 = time.perf_counter()
            table = predictor.predict_features(features, part.formulas)
            t2 = time.perf_counter()
            feat_s += t1 - t0
            model_s += t2 - t1
            rows += len(table)
        print(
            f"predict {rows} candidates in chunks of {chunk_rows}: featurize {feat_s:.1f} s + "
            f"models/intervals/domain {model_s:.1f} s = {feat_s + model_s:.1f} s "
            f"({rows / (feat_s + model_s):,.0f} rows/s)"
        )
        t0 = time.perf_counter()
        Predictor.from_registry(settings, train_if_missing=False)
        print(f"load the three models from the registry: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 1_000_000, args[1] if len(args) > 1 else 131_072)
