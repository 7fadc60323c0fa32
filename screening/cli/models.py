"""``anionscreen train | evaluate | predict | models ...``: a thin layer over anionscreen.models."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.files import CSV_FLOAT_FORMAT, atomic_write_bytes, writable_folder
from anionscreen.datasets.published import check_month
from anionscreen.datasets.settings import Settings, writable_workspace
from anionscreen.datasets.temperature import check_temperature
from anionscreen.datasets.textfiles import describe_lines, read_csv_table, read_text
from anionscreen.models.estimators import MODEL_FAMILIES
from anionscreen.models.predict import Predictor
from anionscreen.models.registry import ModelRegistry
from anionscreen.models.target_model import TARGETS
from anionscreen.models.trust import model_trust
from anionscreen.models.workflow import TrainOutcome, train_models
from anionscreen.screening.cli.context import current_settings
from anionscreen.screening.cli.options import (
    ColumnOption,
    OutOption,
    parse_sources,
    sources_option,
)
from anionscreen.screening.cli.outputs import check_output
from anionscreen.screening.cli.tables import check_format, format_table, read_table, write_table

models_app = typer.Typer(
    name="models",
    help="List, inspect and promote trained model versions.\n\nExample: anionscreen models list",
    no_args_is_help=True,
    add_completion=False,
)

VersionArgument = Annotated[str, typer.Argument(help="Model version, e.g. sigma-0001.")]
TargetOpt = Annotated[str, typer.Option("--target", help="sigma, ea, modulus or all.")]
SourcesOpt = Annotated[
    list[str] | None,
    sources_option("bundled, log and every external set available offline"),
]
GroupingOpt = Annotated[
    str, typer.Option(help="Cross-validation groups: chemsys, cluster or family.")
]
ExcludeFormulaOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude-formula", help="Leave this formula out of training (repeatable)."),
]
ExcludeChemsysOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-chemsys",
        help="Leave out every measurement containing all these elements, e.g. Li-Ta-S-Cl "
        "(repeatable).",
    ),
]


def _targets(text: str) -> tuple[str, ...]:
    if text == "all":
        return TARGETS
    wanted = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in wanted if t not in TARGETS]
    if bad or not wanted:
        raise AnionscreenError(f"--target must be one of sigma, ea, modulus, all; got {text!r}")
    return wanted


def _metrics_table(outcome: TrainOutcome) -> str:
    res = outcome.result
    lines = [f"  {'model':<10} {'MAE':>7} {'RMSE':>7} {'Spearman':>9} {'coverage':>9}"]
    for name, m in res.metrics.items():
        cov = f"{m['coverage']:.2f}" if "coverage" in m else ""
        mark = " <- chosen" if name == res.chosen_family else ""
        lines.append(
            f"  {name:<10} {m['mae']:7.3f} {m['rmse']:7.3f} {m['spearman']:9.3f} {cov:>9}{mark}"
        )
    return "\n".join(lines)


def _describe(outcome: TrainOutcome) -> str:
    rep = outcome.table.report
    res = outcome.result
    info = res.info
    skipped = {
        k: v
        for k, v in rep.items()
        if k not in ("rows", "sources", "input_rows", "modulus_training") and v
    }
    head = (
        f"{outcome.target}: {rep['rows']} formulas from {rep['input_rows']} rows "
        f"({', '.join(f'{k} {v}' for k, v in rep['sources'].items())}); "
        f"rule counts: {skipped or 'none'}; grouped CV: {info['folds']} folds over "
        f"{info['groups']} {info['grouping']} groups"
    )
    text = head + "\n" + _metrics_table(outcome)
    chosen = res.metrics[res.chosen_family]["mae"]
    if chosen >= res.metrics["mean"]["mae"]:
        text += (
            f"\n  note: no model family beats the mean predictor under grouped CV "
            f"({chosen:.3f} vs {res.metrics['mean']['mae']:.3f}): predictions for unseen "
            "chemistry are no better than the training mean; the intervals say so"
        )
    return text


PublishedBeforeOpt = Annotated[
    str | None,
    typer.Option(
        "--published-before",
        help="Train only on values published before this month, e.g. 2025-07 (an experiment).",
    ),
]
FamiliesOpt = Annotated[
    str | None,
    typer.Option(
        "--families",
        help="Model families to compare, comma-separated, or 'all' "
        "(rf, et, hgb, et+hgb; default: the target's default recipe).",
    ),
]


def _families(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    if text == "all":
        return MODEL_FAMILIES
    wanted = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in wanted if t not in MODEL_FAMILIES]
    if bad or not wanted:
        raise AnionscreenError(
            f"--families must name families among {', '.join(MODEL_FAMILIES)} or 'all'; "
            f"got {text!r}"
        )
    return wanted


@dataclass(frozen=True)
class _Choices:
    """The data and validation options ``train`` and ``evaluate`` share, as given."""

    target: str
    sources: list[str] | None
    exclude_formula: list[str] | None
    exclude_chemsys: list[str] | None
    grouping: str
    families: str | None = None
    published_before: str | None = None

    def train(
        self,
        settings: Settings,
        *,
        force: bool = False,
        promote: bool = False,
        register: bool = True,
        default_families: tuple[str, ...] | None = None,
    ) -> list[TrainOutcome]:
        if self.published_before is not None:
            check_month(self.published_before)
        return train_models(
            settings,
            targets=_targets(self.target),
            sources=parse_sources(self.sources),
            exclude_formulas=tuple(self.exclude_formula or ()),
            exclude_chemsys=tuple(self.exclude_chemsys or ()),
            published_before=self.published_before,
            families=_families(self.families) or default_families,
            grouping=self.grouping,
            force=force,
            promote=promote,
            register=register,
            progress=lambda line: typer.echo(line, err=True),
        )


def train(
    ctx: typer.Context,
    target: TargetOpt = "all",
    sources: SourcesOpt = None,
    exclude_formula: ExcludeFormulaOpt = None,
    exclude_chemsys: ExcludeChemsysOpt = None,
    published_before: PublishedBeforeOpt = None,
    families: FamiliesOpt = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Make the new version current even if it compares worse."),
    ] = False,
    promote: Annotated[
        bool,
        typer.Option(
            "--promote",
            help="Make an experiment (exclusions, --published-before, other sources) current.",
        ),
    ] = False,
    grouping: GroupingOpt = "chemsys",
) -> None:
    """Train, validate (grouped CV with baselines) and register new model versions.

    A run that leaves data out on purpose is an experiment and does not replace the current model unless --promote is given; otherwise a new version becomes current when its out-of-fold error on the compositions it shares with the current one is not worse.

    Example: anionscreen train --target sigma --exclude-chemsys Li-Ta-S-Cl
    """
    settings = current_settings(ctx)
    chosen = _Choices(
        target, sources, exclude_formula, exclude_chemsys, grouping, families, published_before
    )
    for outcome in chosen.train(settings, force=force, promote=promote):
        typer.echo(_describe(outcome))
        state = "now current" if outcome.current else "registered, not current"
        typer.echo(f"  -> {outcome.version} {state}: {outcome.reason}")


def evaluate(
    ctx: typer.Context,
    target: TargetOpt = "all",
    sources: SourcesOpt = None,
    exclude_formula: ExcludeFormulaOpt = None,
    exclude_chemsys: ExcludeChemsysOpt = None,
    families: FamiliesOpt = None,
    grouping: GroupingOpt = "chemsys",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Folder for metrics and plots (default: WORKSPACE/evaluations/TIME).",
        ),
    ] = None,
) -> None:
    """Grouped cross-validation of every model family and baseline; saves metrics and plots.

    Example: anionscreen evaluate --target sigma --sources bundled,obelix --out evaluation
    """
    from anionscreen.models.plots import coverage_plot, parity_plot

    settings = current_settings(ctx)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = out if out is not None else settings.workspace / "evaluations" / stamp
    if out is not None:
        check_output(out, settings, option="--out")
    writable_folder(folder, "evaluation folder")  # before the cross-validation, not after
    chosen = _Choices(target, sources, exclude_formula, exclude_chemsys, grouping, families)
    outcomes = chosen.train(settings, register=False, default_families=MODEL_FAMILIES)
    summary = {}
    for outcome in outcomes:
        res = outcome.result
        typer.echo(_describe(outcome))
        oof_csv = res.out_of_fold.to_csv(index=False, float_format=CSV_FLOAT_FORMAT).encode()
        atomic_write_bytes(folder / f"{outcome.target}_out_of_fold.csv", oof_csv)
        parity_plot(res.out_of_fold, outcome.target, folder / f"{outcome.target}_parity.png")
        coverage_plot(res.coverage_curve, outcome.target, folder / f"{outcome.target}_coverage.png")
        summary[outcome.target] = {
            "chosen": res.chosen_family,
            "metrics": res.metrics,
            "coverage_curve": res.coverage_curve.to_dict(orient="list"),
            "validation": res.info,
            "data_report": outcome.table.report,
        }
    atomic_write_bytes(folder / "metrics.json", json.dumps(summary, indent=2, default=str).encode())
    typer.echo(f"saved metrics.json and plots in {folder}")


def _read_formulas(path: Path, column: str | None) -> list[str]:
    """Formulas of ``--in``: a column of a CSV/Parquet file, or one per line of a text file.

    Blank rows (and rows with an empty formula) are left out and listed on stderr.
    """
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        if suffix == ".csv":
            csv_table = read_csv_table(path, "--in file")  # strict UTF-8 and CSV
            frame, row_lines, blank = csv_table.frame, csv_table.lines, csv_table.blank_lines
        else:
            frame = read_table(path)
            row_lines, blank = tuple(range(1, len(frame) + 1)), ()
        wanted = [column] if column is not None else ["formula", "composition"]
        name = next((c for c in wanted if c in frame.columns), None)
        if name is None and column is not None:
            raise AnionscreenError(
                f"{path.name} has no column {column!r}; its columns are {list(frame.columns)}"
            )
        if name is None:
            raise AnionscreenError(
                f"--in file {path} needs a 'formula' or 'composition' column (or --column NAME); "
                f"got {list(frame.columns)}"
            )
        cells = ["" if pd.isna(c) else str(c) for c in frame[name].tolist()]
        empty = [line for line, cell in zip(row_lines, cells, strict=True) if not cell.strip()]
        _note_skipped(path, sorted([*blank, *empty]), name)
        return [cell for cell in cells if cell.strip()]
    if column is not None:
        raise AnionscreenError(
            f"--column reads a .csv or .parquet file; {path.name} is read as one formula per line"
        )
    lines = read_text(path, "--in file", "a CSV file or a text file of formulas").splitlines()
    _note_skipped(path, [n for n, ln in enumerate(lines, start=1) if not ln.strip()], None)
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def _note_skipped(path: Path, lines: list[int], column: str | None) -> None:
    if lines:
        what = "blank or without a " + repr(column) if column else "blank"
        typer.echo(
            f"note: {path}: skipped {len(lines)} row(s) {what}, on line(s) {describe_lines(lines)}",
            err=True,
        )


def predict(
    ctx: typer.Context,
    formulas: Annotated[list[str] | None, typer.Argument(help="Formulas to predict.")] = None,
    in_file: Annotated[
        Path | None,
        typer.Option(
            "--in",
            help="CSV or Parquet file with a column of formulas, or a text file with one "
            "formula per line.",
        ),
    ] = None,
    column: ColumnOption = None,
    temperature: Annotated[
        float, typer.Option("--temperature", help="Temperature for sigma, in C.")
    ] = 25.0,
    out: OutOption = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="What to print: table (default), csv or json."),
    ] = None,
    level: Annotated[float, typer.Option("--level", help="Interval level.")] = 0.9,
    amorphous: Annotated[
        bool,
        typer.Option(
            "--amorphous",
            help="Predict the modulus as measured on the glassy material (default: crystal).",
        ),
    ] = False,
) -> None:
    """Predict sigma, Ea and modulus with intervals and the applicability domain.

    Each model's own applicability domain and any measured value of the same composition (any scale, with its DOI) are in the table; how far to trust each model (grouped-CV error, rank correlation, coverage, baselines) is printed on stderr. The table shows sigma in mS/cm with its interval; --out and --format csv/json give every column (log10 S/cm, S/cm and mS/cm, each with _lo and _hi).

    Example: anionscreen predict Li2TaS0.4O0.6Cl5 Li3InCl6 --temperature 60

    Example: anionscreen predict --in candidates.csv --column formula --out predictions.csv
    """
    fmt = check_format(fmt, out)
    # Checked before any model is trained (that can take minutes), not after.
    if not 0.0 < level < 1.0:
        raise AnionscreenError(f"--level must be in (0, 1), e.g. 0.9; got {level}")
    check_temperature(temperature, "--temperature")
    wanted = list(formulas or [])
    if in_file is not None:
        wanted += _read_formulas(in_file, column)
    elif column is not None:
        raise AnionscreenError("--column names the formula column of --in FILE; give --in too")
    if not wanted:
        raise AnionscreenError("give formulas as arguments or a file with --in")
    settings = current_settings(ctx)
    if out is not None:
        check_output(out, settings, option="--out", inputs=[] if in_file is None else [in_file])
    registry = ModelRegistry(settings.workspace)
    missing = [t for t in TARGETS if registry.current(t) is None]
    if missing:
        writable_workspace(settings)  # before minutes of training, not after
        typer.echo(
            f"no current {', '.join(missing)} model in {registry.root}: training on the "
            "available data first (seconds on the bundled data, minutes with external sets)",
            err=True,
        )
    predictor = Predictor.from_registry(
        settings,
        level=level,
        amorphous=amorphous,
        progress=lambda line: typer.echo(line, err=True),
    )
    for note in predictor.notes:
        typer.echo(note, err=True)
    for version in predictor.versions.values():
        trust = model_trust(registry.card(version))
        for line in (trust.line(), *trust.warnings()):
            typer.echo(line, err=True)
    table = predictor.predict(wanted, temperature_c=temperature).drop(columns="error")
    table["model_versions"] = table["model_versions"].astype(str)
    if out is not None:
        write_table(table, out)
        typer.echo(f"wrote {len(table)} prediction(s) to {out}", err=True)
    elif fmt == "table":
        typer.echo(_pretty(table, level))
    else:
        typer.echo(format_table(table, fmt))


def _pretty(table: pd.DataFrame, level: float) -> str:
    rows = []
    for named in table.itertuples(index=False):
        r: Any = named  # pandas types a row's fields as any cell type
        rows.append(
            {
                "formula": r.formula,
                f"sigma({r.temperature_C:g} C) mS/cm": f"{_g(r.sigma_mS_per_cm)} "
                f"[{_g(1e3 * r.sigma_S_per_cm_lo)}, {_g(1e3 * r.sigma_S_per_cm_hi)}]",
                "Ea eV": f"{r.ea_eV:.2f} [{r.ea_eV_lo:.2f}, {r.ea_eV_hi:.2f}]",
                "modulus GPa": f"{r.modulus_GPa:.1f} [{r.modulus_GPa_lo:.1f}, {r.modulus_GPa_hi:.1f}]",
                "in domain (sigma/Ea/modulus)": "/".join(
                    "yes" if flag else "NO"
                    for flag in (r.sigma_in_domain, r.ea_in_domain, r.modulus_in_domain)
                ),
                "nearest known (distance)": f"{r.nearest_known} ({r.nearest_distance:.2f})",
                "measured": _measured(r),
            }
        )
    text = pd.DataFrame(rows).to_string(index=False)
    kind = table["modulus_kind"].iloc[0] if len(table) else ""
    return (
        f"{text}\n[lo, hi]: {level:.0%} intervals; modulus: {kind}\n"
        f"models: {table['model_versions'].iloc[0]}"
    )


def _g(value: float) -> str:
    """A value for people: 3 significant digits, no exponent between 1e-3 and 1e4."""
    return f"{value:.3g}" if value == 0 or 1e-3 <= abs(value) < 1e4 else f"{value:.2e}"


def _measured(row: Any) -> str:
    if not row.known:
        return ""
    parts = []
    if row.measured_sigma_S_per_cm == row.measured_sigma_S_per_cm:  # not NaN
        parts.append(f"{_g(1e3 * row.measured_sigma_S_per_cm)} mS/cm")
    if row.measured_ea_eV == row.measured_ea_eV:
        parts.append(f"{row.measured_ea_eV:.2f} eV")
    if row.measured_modulus_GPa == row.measured_modulus_GPa:
        parts.append(f"{row.measured_modulus_GPa:.1f} GPa")
    return f"{', '.join(parts)} ({row.measured_source})"


@models_app.command("list")
def list_versions(ctx: typer.Context) -> None:
    """Every model version per target; '*' marks the current one.

    Example: anionscreen models list
    """
    registry = ModelRegistry(current_settings(ctx).workspace)
    for target in TARGETS:
        current = registry.current(target)
        for version in registry.versions(target):
            card = registry.card(version)
            m = card["metrics"][card["family"]]
            mark = "*" if version == current else " "
            kind = "experiment" if card.get("experiment") else "model"
            typer.echo(
                f"{mark} {version}  {card['created']}  {kind:<10} {card['family']:<6} "
                f"grouped-CV MAE {m['mae']:.3f}  rows {card['data_report']['rows']}  "
                f"parent {card['parent']}\n      {card.get('promotion_reason', '')}"
            )


@models_app.command("show")
def show(ctx: typer.Context, version: VersionArgument) -> None:
    """The card of one version (JSON): data, validation metrics, parent, checksums.

    Example: anionscreen models show sigma-0001
    """
    registry = ModelRegistry(current_settings(ctx).workspace)
    typer.echo(json.dumps(registry.card(version), indent=2, sort_keys=True))


@models_app.command("promote")
def promote(ctx: typer.Context, version: VersionArgument) -> None:
    """Make a version current (its file is verified first).

    Example: anionscreen models promote sigma-0002
    """
    registry = ModelRegistry(current_settings(ctx).workspace)
    registry.promote(version)
    typer.echo(f"{version} is now the current {version.rsplit('-', 1)[0]} model")
