"""The report's interactive figures, built with plotly and embedded as HTML fragments.

Why plotly: it is already installed with anionscreen (pymatgen depends on it), it is MIT
licensed, and its Python package carries plotly.js, so a report embeds the library once and
works offline with no CDN. Its scatter traces draw in SVG (no WebGL, so they render in any
browser, headless ones included) with asymmetric error bars on linear and log axes, filled
bands, hover text and legends that hide or show a trace on click.

Every figure is a ``go.Figure``; :func:`figure_html` turns it into a ``<div>`` with the call
that draws it, with a fixed element id so a report is the same bytes for the same run.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative, sample_colorscale
from plotly.subplots import make_subplots

from anionscreen.models.target_model import TARGET_UNITS
from anionscreen.screening.results.report_data import Axis, CandidatePoints, FamilyPlot
from anionscreen.screening.results.report_html import hover_texts, number
from anionscreen.screening.results.report_models import ModelPanel

_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}
_TEMPLATE = "plotly_white"
_LAYOUT = {
    "height": 480,
    "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
}
_BATCH = "#d62728"


def _figure() -> go.Figure:
    """An empty figure with the report's template.

    Given at construction, the template replaces plotly's default one instead of being laid
    over it later, and :data:`_LAYOUT` does not set it again: each setting is a deep copy of a
    large dict, a few milliseconds a figure. The figures are the same.
    """
    return go.Figure(layout={"template": _TEMPLATE})


def figure_html(figure: go.Figure, element_id: str) -> str:
    """A ``<div>`` that draws ``figure`` (plotly.js must be loaded before it, once per page)."""
    text: str = pio.to_html(
        figure, include_plotlyjs=False, full_html=False, div_id=element_id, config=_CONFIG
    )
    return text


def _errors(frame: pd.DataFrame, value: str, lo: str | None, hi: str | None) -> dict[str, object]:
    if lo is None or hi is None or lo not in frame.columns:
        return {"visible": False}
    centre = frame[value].to_numpy(np.float64)
    return {
        "type": "data",
        "symmetric": False,
        "array": np.clip(frame[hi].to_numpy(np.float64) - centre, 0.0, None),
        "arrayminus": np.clip(centre - frame[lo].to_numpy(np.float64), 0.0, None),
        "thickness": 1,
        "width": 0,
    }


def _points(
    frame: pd.DataFrame, axis: Axis, temperature_c: float, name: str, marker: dict[str, object]
) -> go.Scatter:
    color = str(marker.get("color", "#888"))
    x_err, y_err = (
        _errors(frame, axis.column, axis.lo, axis.hi),
        _errors(frame, "y", "y_lo", "y_hi"),
    )
    for err in (x_err, y_err):
        if err.get("visible", True):
            err["color"] = color
    return go.Scatter(
        x=frame[axis.column], y=frame["y"], mode="markers", name=name, marker=marker,
        error_x=x_err, error_y=y_err, text=hover_texts(frame, axis, temperature_c),
        hovertemplate="%{text}<extra></extra>",
    )  # fmt: skip


def rank_colours(depth: int) -> list[str]:
    """One colour per Pareto rank 1..depth, darkest for rank 1."""
    steps = [0.85 * i / max(depth - 1, 1) for i in range(depth)]
    colours: list[str] = sample_colorscale("Viridis", steps)
    return colours


def _interval_buttons(highlight: list[bool], has_x: bool) -> list[dict[str, object]]:
    """Buttons that show the interval bars of the highlighted traces, of all, or of none."""
    choices = (
        ("90 % intervals: rank 1 and batch", highlight),
        ("all drawn points", [True] * len(highlight)),
        ("none", [False] * len(highlight)),
    )
    return [
        {
            "label": label,
            "method": "restyle",
            "args": [{"error_y.visible": shown, "error_x.visible": [v and has_x for v in shown]}],
        }
        for label, shown in choices
    ]


def objective_figure(points: CandidatePoints, axis: Axis, depth: int) -> go.Figure:
    """Sigma against one objective: a sample of the candidates, the Pareto ranks, the batch.

    Interval bars are shown for Pareto rank 1 and the next batch; buttons show them for every
    drawn point, or for none (hover gives every point's intervals either way).
    """
    fig = _figure()
    temp = points.temperature_c
    highlight: list[bool] = []
    if not points.sample.empty:
        name = f"other feasible ({len(points.sample):,} of {points.others_total:,} shown)"
        marker = {"color": "rgba(150,150,150,0.45)", "size": 4}
        fig.add_trace(_points(points.sample, axis, temp, name, marker))
        fig.data[-1].error_x.color = fig.data[-1].error_y.color = "rgba(150,150,150,0.25)"
        highlight.append(False)
    colours = rank_colours(depth)
    for rank in range(depth, 0, -1):  # rank 1 drawn last, on top
        part = points.ranked.loc[points.ranked["pareto_rank"] == rank]
        if part.empty:
            continue
        marker = {"color": colours[rank - 1], "size": 7 if rank == 1 else 5}
        fig.add_trace(_points(part, axis, temp, f"Pareto rank {rank} ({len(part):,})", marker))
        highlight.append(rank == 1)
    if not points.batch.empty:
        marker = {
            "symbol": "star",
            "size": 13,
            "color": _BATCH,
            "line": {"width": 1, "color": "black"},
        }
        fig.add_trace(
            _points(points.batch, axis, temp, f"next batch ({len(points.batch)})", marker)
        )
        highlight.append(True)
    has_x = axis.lo is not None
    for trace, shown in zip(fig.data, highlight, strict=True):
        trace.error_y.visible = shown
        trace.error_x.visible = shown and has_x
    note = "" if axis.is_objective else " (not an objective of this campaign)"
    fig.update_layout(
        **(_LAYOUT | {"height": 540, "margin": {"l": 70, "r": 20, "t": 80, "b": 60}}),
        title=f"sigma against {axis.name}{note}",
        xaxis={"title": axis.title, "type": "log" if axis.log else "linear"},
        yaxis={"title": f"predicted log10 sigma at {temp:g} C (S/cm)"},
        legend={"itemsizing": "constant", "traceorder": "reversed"},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.12,
                "yanchor": "top",
                "showactive": True,
                "active": 0,
                "buttons": _interval_buttons(highlight, has_x),
            }
        ],
    )
    return fig


def _rgba(colour: str, alpha: float) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def family_figure(plot: FamilyPlot, temperature_c: float) -> go.Figure:
    """One small panel per family along the parameter: predicted sigma, its 90 % band and the
    measured values; the panels share their axes."""
    columns = min(3, len(plot.curves))
    rows = math.ceil(len(plot.curves) / columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[html.escape(c.label) for c in plot.curves],
                        vertical_spacing=0.12, horizontal_spacing=0.04, figure=_figure())  # fmt: skip
    colour = qualitative.D3[0]
    measured_in_legend = False
    for i, curve in enumerate(plot.curves):
        frame, where = curve.frame, {"row": i // columns + 1, "col": i % columns + 1}
        first = i == 0
        fig.add_trace(go.Scatter(x=frame["p"], y=frame["y_hi"], mode="lines", line={"width": 0},
                                 legendgroup="band", showlegend=False, hoverinfo="skip"), **where)  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=frame["p"],
                y=frame["y_lo"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(colour, 0.18),
                legendgroup="band",
                name="90 % interval",
                showlegend=first,
                hoverinfo="skip",
            ),
            **where,
        )
        fig.add_trace(
            go.Scatter(x=frame["p"], y=frame["y"], mode="lines+markers", name="predicted",
                       line={"color": colour}, marker={"size": 5}, legendgroup="pred",
                       showlegend=first, text=hover_texts(frame, None, temperature_c),
                       hovertemplate=f"{html.escape(plot.parameter)} = %{{x}}<br>%{{text}}<extra></extra>"),
            **where,
        )  # fmt: skip
        if temperature_c == 25.0 and "measured_y" in frame.columns:
            measured = frame.loc[frame["measured_y"].notna()]
            if measured.empty:
                continue
            fig.add_trace(
                go.Scatter(x=measured["p"], y=measured["measured_y"], mode="markers",
                           name="measured (training data)", legendgroup="measured",
                           showlegend=not measured_in_legend,
                           marker={"symbol": "diamond", "size": 9, "color": "black"},
                           text=[html.escape(str(s)) for s in measured["measured_source"]],
                           hovertemplate="measured %{y:.2f} log10(S/cm)<br>%{text}<extra></extra>"),
                **where,
            )  # fmt: skip
            measured_in_legend = True
    fig.update_xaxes(title_text=html.escape(plot.parameter), row=rows)
    fig.update_yaxes(title_text="log10 sigma (S/cm)", col=1)
    fig.update_layout(
        **(_LAYOUT | {"height": 120 + 260 * rows, "margin": {"l": 70, "r": 20, "t": 110, "b": 60}}),
        title={"text": f"{html.escape(plot.space)}: predicted sigma at {temperature_c:g} C along "
                       f"{html.escape(plot.parameter)}<br><sup>{html.escape(plot.axis_title)}</sup>"},
        legend={"orientation": "h", "y": -0.12 if rows > 1 else -0.25},
    )  # fmt: skip
    return fig


def parity_figure(panel: ModelPanel) -> go.Figure:
    """Grouped out-of-fold prediction against the measured label, with 90 % intervals."""
    assert panel.oof is not None
    oof = panel.oof
    covered = (oof["y"] >= oof["lo"]) & (oof["y"] <= oof["hi"])
    fig = _figure()
    for mask, colour, label in ((covered, "#1f77b4", "inside its interval"),
                                (~covered, _BATCH, "outside its interval")):  # fmt: skip
        part = oof.loc[mask]
        text = [
            f"<b>{html.escape(str(f))}</b><br>measured {y:.3g}, predicted {p:.3g} "
            f"(90 %: {lo:.3g} to {hi:.3g})"
            for f, y, p, lo, hi in zip(part["formula"], part["y"], part["pred"], part["lo"],
                                       part["hi"], strict=True)
        ]  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=part["y"],
                y=part["pred"],
                mode="markers",
                marker={"size": 4, "color": colour},
                error_y=_errors(part, "pred", "lo", "hi") | {"color": _rgba(colour, 0.3)},
                name=f"{label} ({len(part):,})",
                text=text,
                hovertemplate="%{text}<extra></extra>",
            )
        )
    both = np.concatenate([oof["y"].to_numpy(), oof["pred"].to_numpy()])
    edge = [float(np.nanmin(both)) - 0.3, float(np.nanmax(both)) + 0.3]
    fig.add_trace(go.Scatter(x=edge, y=edge, mode="lines", name="prediction = measurement",
                             line={"color": "black", "dash": "dash", "width": 1}, hoverinfo="skip"))  # fmt: skip
    unit = TARGET_UNITS.get(panel.target, "")
    shown = f" ({len(oof):,} of {panel.oof_total:,} shown)" if len(oof) < panel.oof_total else ""
    fig.update_layout(
        **_LAYOUT,
        title=f"{panel.version}: grouped out-of-fold parity{shown}",
        xaxis={"title": f"measured ({unit})"},
        yaxis={"title": f"predicted on held-out chemistry ({unit})"},
    )
    return fig


def coverage_figure(panel: ModelPanel) -> go.Figure:
    """Observed coverage of the intervals against their nominal level (diagonal = calibrated)."""
    curve = panel.coverage_curve()
    fig = _figure()
    text = [f"mean half-width {number(h, '.3g')}" for h in curve.get("mean_halfwidth", [])]
    fig.add_trace(go.Scatter(x=curve["level"], y=curve["coverage"], mode="lines+markers",
                             name="observed (grouped CV)", text=text or None,
                             hovertemplate="nominal %{x:.2f}, observed %{y:.3f}<br>%{text}<extra></extra>"))  # fmt: skip
    fig.add_trace(go.Scatter(x=[0.4, 1.0], y=[0.4, 1.0], mode="lines", name="nominal",
                             line={"color": "black", "dash": "dash", "width": 1}, hoverinfo="skip"))  # fmt: skip
    fig.update_layout(
        **(_LAYOUT | {"height": 420}),
        title=f"{panel.version}: interval coverage",
        xaxis={"title": "nominal interval level", "range": [0.4, 1.0]},
        yaxis={"title": "observed coverage", "range": [0.4, 1.0]},
    )
    return fig
