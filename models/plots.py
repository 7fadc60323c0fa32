"""Validation plots: parity with intervals, and the coverage curve (PNG, matplotlib Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anionscreen.models.target_model import TARGET_UNITS


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    return plt


def parity_plot(oof: pd.DataFrame, target: str, path: Path, title: str = "") -> Path:
    """Out-of-fold prediction vs label with interval bars; red where the interval misses."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 5.0), dpi=120)
    y = oof["y"].to_numpy()
    pred = oof["pred"].to_numpy()
    lo, hi = oof["lo"].to_numpy(), oof["hi"].to_numpy()
    covered = (y >= lo) & (y <= hi)
    for mask, color, label in ((covered, "tab:blue", "covered"), (~covered, "tab:red", "missed")):
        ax.errorbar(
            y[mask],
            pred[mask],
            yerr=np.vstack([pred[mask] - lo[mask], hi[mask] - pred[mask]]),
            fmt="o",
            ms=3,
            elinewidth=0.5,
            alpha=0.6,
            color=color,
            label=f"{label} ({int(mask.sum())})",
        )
    both = np.concatenate([y, pred])
    edge = (float(both.min()) - 0.5, float(both.max()) + 0.5)
    ax.plot(edge, edge, "k--", lw=0.8)
    ax.set_xlim(edge)
    ax.set_ylim(edge)
    unit = TARGET_UNITS.get(target, "")
    ax.set_xlabel(f"measured {target} [{unit}]")
    ax.set_ylabel(f"grouped out-of-fold prediction [{unit}]")
    ax.set_title(title or f"{target}: parity with intervals")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def coverage_plot(curve: pd.DataFrame, target: str, path: Path) -> Path:
    """Cross-conformal coverage against nominal level (the diagonal is perfect calibration)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    ax.plot(curve["level"], curve["coverage"], "o-", label="grouped cross-conformal")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="nominal")
    ax.set_xlim(0.4, 1.0)
    ax.set_ylim(0.4, 1.0)
    ax.set_xlabel("nominal interval level")
    ax.set_ylabel("observed coverage")
    ax.set_title(f"{target}: interval coverage")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
