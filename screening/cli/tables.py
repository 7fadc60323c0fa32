"""How the commands print tables: aligned text for people, CSV or JSON for programs."""

from __future__ import annotations

import io
import json

import pandas as pd

FORMATS = ("table", "csv", "json")


def format_table(frame: pd.DataFrame, fmt: str) -> str:
    """``frame`` as ``table`` (aligned text), ``csv`` or ``json`` (a list of rows)."""
    if fmt == "json":
        return json.dumps(json.loads(frame.to_json(orient="records")), indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False)
        return buffer.getvalue().rstrip("\n")
    if frame.empty:
        return "(no rows)"
    with pd.option_context("display.width", 200, "display.max_columns", 12):
        return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")
