"""The HTML pieces of a run's report: the header, hover texts, tables, the column legend, citations.

Everything here returns escaped HTML text; nothing prints a Python ``dict`` or ``repr``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import pandas as pd

from anionscreen.models.trust import ModelTrust
from anionscreen.screening.campaign.config import Campaign
from anionscreen.screening.campaign.objectives import get_objective
from anionscreen.screening.results.citations import SECTIONS, Bibliography
from anionscreen.screening.results.columns import ColumnMeaning
from anionscreen.screening.results.report_data import Axis
from anionscreen.screening.run.records import RunInfo

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:78em;
padding:1em 2em;color:#222;line-height:1.4}
h1{margin-bottom:0.1em}h2{margin-top:2em;border-bottom:1px solid #ddd}
.sub{color:#666;margin-top:0}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:0.2em 1.2em}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th a{color:inherit}td.num{text-align:right;font-variant-numeric:tabular-nums}
.warn{background:#fff4e5;border-left:4px solid #f0a020;padding:0.4em 0.8em;margin:0.4em 0}
.note{color:#555;font-size:0.92em}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(34em,1fr));gap:1em}
.panel{border:1px solid #ddd;border-radius:6px;padding:0.5em 1em;margin:1em 0}
pre{background:#f6f6f6;padding:0.6em;overflow-x:auto;font-size:0.8em}
nav a{margin-right:1em}
"""


def esc(value: object) -> str:
    """``value`` as escaped text."""
    return html.escape(str(value))


def number(value: object, spec: str) -> str:
    """``value`` formatted with ``spec``, or ``n/a`` when it is missing or not a number."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if math.isnan(number) else format(number, spec)


def _sigma(log10: object) -> str:
    try:
        value = float(log10)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "n/a"
    return "n/a" if math.isnan(value) else f"{10.0**value:.2e}"


#: The columns :func:`hover_texts` reads besides the x objective's.
_HOVER_COLUMNS = (
    "formula", "y", "y_lo", "y_hi", "pareto_rank", "score", "nearest_known", "in_domain",
    "nearest_distance", "measured_sigma_S_per_cm", "measured_source",
)  # fmt: skip


def hover_texts(frame: pd.DataFrame, axis: Axis | None, temperature_c: float) -> list[str]:
    """Hover text per row: formula, sigma with interval, the x objective, rank, neighbours."""
    texts = []
    # Only the columns read below (a candidates frame has ~50): half the time on such frames.
    wanted = [*_HOVER_COLUMNS]
    if axis is not None:
        wanted += [c for c in (axis.column, axis.lo, axis.hi) if c is not None]
    for row in frame[[c for c in dict.fromkeys(wanted) if c in frame.columns]].to_dict("records"):
        lines = [
            f"<b>{html.escape(str(row.get('formula', '')))}</b>",
            f"sigma({temperature_c:g} C) {_sigma(row.get('y'))} S/cm "
            f"(90 %: {_sigma(row.get('y_lo'))} to {_sigma(row.get('y_hi'))})",
        ]
        if axis is not None and axis.column in row:
            line = f"{axis.name} {number(row[axis.column], '.3g')} {axis.unit}"
            if axis.lo is not None and axis.hi is not None and axis.lo in row:
                line += f" (90 %: {number(row[axis.lo], '.3g')} to {number(row[axis.hi], '.3g')})"
            lines.append(line)
        rank = row.get("pareto_rank")
        if rank is not None:
            where = f"Pareto rank {int(rank)}" if rank >= 1 else "beyond the Pareto depth"
            lines.append(f"{where}, score {number(row.get('score'), '.2f')}")
        if "nearest_known" in row:
            domain = "in domain" if row.get("in_domain") else "OUT of domain"
            lines.append(
                f"{domain}; nearest known {html.escape(str(row['nearest_known']))} "
                f"(distance {number(row.get('nearest_distance'), '.2f')})"
            )
        measured = row.get("measured_sigma_S_per_cm")
        if measured is not None and not (isinstance(measured, float) and math.isnan(measured)):
            source = html.escape(str(row.get("measured_source", "")))
            lines.append(f"measured sigma {number(measured, '.2e')} S/cm ({source})")
        texts.append("<br>".join(lines))
    return texts


def facts(rows: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, already-escaped HTML) pairs."""
    body = "".join(f"<dt>{esc(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return f'<dl class="facts">{body}</dl>'


def _objectives(campaign: Campaign) -> str:
    parts = []
    for spec in campaign.objective:
        definition = get_objective(spec.name)
        at = f" at {spec.temperature_C:g} C" if spec.name == "sigma" else ""
        parts.append(
            f"{definition.goal}imise {spec.name}{at} (weight {spec.weight:g}, "
            f"{definition.unit}, one point per {definition.scale:g})"
        )
    return "; ".join(parts)


def _constraints(campaign: Campaign) -> str:
    given = {
        k: v for k, v in campaign.constraints.model_dump().items() if v not in (None, [], False)
    }
    return ", ".join(f"{k} = {v}" for k, v in given.items()) or "none"


def header(info: RunInfo, campaign: Campaign, trust: Sequence[ModelTrust]) -> str:
    """The run at a glance: what was screened, how it was ranked, with which models."""
    start, counts = info.start, info.counts
    spaces = "; ".join(
        f"{s.name}: {s.template.text if s.template is not None else 'system space'}"
        for s in campaign.spaces
    )
    outcome = "not recorded yet"
    if counts is not None:
        failed = f"{counts.failed:,} failed" + (
            " (" + ", ".join(f"{k}: {v}" for k, v in counts.failed_reasons.items()) + ")"
            if counts.failed_reasons else ""
        )  # fmt: skip
        outcome = (
            f"{counts.generated:,} generated, {failed}, {counts.kept:,} feasible, "
            f"{counts.pareto_front:,} on the Pareto front (rank 1)"
        )
    models = ", ".join(
        f"{t.target}: {t.version} ({t.family}, {t.rows:,} training formulas)" for t in trust
    ) or ", ".join(f"{k}: {v}" for k, v in start.model_versions.items())
    acq = campaign.acquisition
    packages = ", ".join(f"{k} {v}" for k, v in sorted(start.packages.items()))
    rows = [
        (
            "Campaign",
            esc(
                f"{campaign.name}: {campaign.description}"
                if campaign.description
                else campaign.name
            ),
        ),
        ("Run", esc(f"{info.run_id}, created {info.created_utc}")),
        ("Search spaces", esc(spaces)),
        ("Candidates", esc(outcome)),
        ("Objectives", esc(_objectives(campaign))),
        ("Constraints", esc(_constraints(campaign))),
        (
            "Next batch",
            esc(
                f"{acq.batch_size} by {acq.method} (kappa {acq.kappa:g}), at most "
                f"{acq.max_per_family} per family of {', '.join(acq.family_columns)}, "
                f"composition distance at least {acq.min_distance:g}"
            ),
        ),
        (
            "Material state",
            esc(f"moduli predicted as measured on the {campaign.material_state} material"),
        ),
        ("Models", esc(models)),
        ("Packages", esc(packages)),
    ]
    if start.dataset_hashes is not None:
        rows.append(
            ("Bundled data sha256", f"<code>{esc(start.dataset_hashes.bundled_sha256)}</code>")
        )
    return facts(rows)


def _cell(value: object, column: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if column.startswith("sigma_S") or column.startswith("measured_sigma"):
            return f"{value:.3g}" if value == 0 else f"{value:.2e}"
        return f"{value:.4g}"
    return esc(value)


def table(frame: pd.DataFrame, columns: Sequence[str], rows: int | None = None) -> str:
    """An HTML table of ``columns`` (those present); headers link to the column legend."""
    cols = [c for c in columns if c in frame.columns]
    if frame.empty or not cols:
        return '<p class="note">(none)</p>'
    shown = frame[cols] if rows is None else frame[cols].head(rows)
    head = "".join(f'<th><a href="#col-{esc(c)}">{esc(c)}</a></th>' for c in cols)
    body = []
    for record in shown.to_dict("records"):
        cells = "".join(
            f'<td class="num">{_cell(record[c], c)}</td>'
            if isinstance(record[c], int | float) and not isinstance(record[c], bool)
            else f"<td>{_cell(record[c], c)}</td>"
            for c in cols
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def legend(meanings: Sequence[ColumnMeaning]) -> str:
    """Every column of the run's tables with its unit and meaning."""
    rows = "".join(
        f'<tr id="col-{esc(m.name)}"><td><code>{esc(m.name)}</code></td><td>{esc(m.unit)}</td>'
        f"<td>{esc(m.meaning)}</td></tr>"
        for m in meanings
    )
    return (
        f"<table><thead><tr><th>column</th><th>unit</th><th>meaning</th></tr></thead>{rows}</table>"
    )


def citations(bibliography: Bibliography) -> str:
    """The references, section by section, each with what it was used for, and the BibTeX."""
    parts = [f'<p class="note">{esc(note)}</p>' for note in bibliography.notes]
    for section in SECTIONS:
        refs = bibliography.section(section)
        if not refs:
            continue
        items = []
        for ref in refs:
            link = f' <a href="https://doi.org/{esc(ref.doi)}">doi</a>' if ref.doi else ""
            uses = bibliography.used_for.get(ref.key, [])
            why = f'<br><span class="note">used for: {esc("; ".join(uses[:3]))}' + (
                f" (and {len(uses) - 3} more)" if len(uses) > 3 else ""
            ) + "</span>"  # fmt: skip
            items.append(f"<li>{esc(ref.text())}{link}{why}</li>")
        parts.append(f"<h3>{esc(section)}</h3><ol>{''.join(items)}</ol>")
    parts.append(
        "<details><summary>BibTeX (the same as <code>anionscreen cite RUN</code>)</summary>"
        f"<pre>{esc(bibliography.bibtex())}</pre></details>"
    )
    return "".join(parts)
