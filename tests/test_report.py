"""The run report on a real run: its data, its page, the citations, and a real browser.

One workspace for the module: models trained on the bundled data (`train --sources bundled
--promote --families et`, seconds of CPU), then a small campaign with two spaces, one with two grid
parameters (so the family curves must hold one fixed), ranked by three objectives.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from campaign_fixtures import run_tiny
from chromium import CHROMIUM, Chromium
from typer.testing import CliRunner

from anionscreen.datasets.bundled import load_compilation
from anionscreen.datasets.references import REFERENCES, SOURCE_REFERENCES
from anionscreen.datasets.sources import SOURCE_NAMES
from anionscreen.screening import open_run, run_campaign
from anionscreen.screening.cli import app
from anionscreen.screening.results.citations import anionscreen_reference
from anionscreen.screening.results.columns import undescribed
from anionscreen.screening.results.report import write_report
from anionscreen.screening.results.report_data import candidate_points, family_plots, plot_axes
from anionscreen.screening.results.report_figures import objective_figure
from anionscreen.screening.results.report_models import model_panels
from anionscreen.screening.run.records import RunStart
from anionscreen.screening.run.store import RunError, create_run

ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = {
    "name": "report-test",
    "space": [
        {"name": "LiM(S,O)(Cl,Br)5", "template": "Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y}",
         "M": ["Ta", "Nb"], "x": {"start": 0, "stop": 1, "step": 0.25},
         "y": {"start": 0, "stop": 5, "step": 2.5}, "n": "balance"},
        {"name": "Li3M(Cl,Br)6", "template": "Li3 {M} Cl{6-y} Br{y}", "M": ["Y", "In"],
         "y": {"start": 0, "stop": 6, "step": 3}},
    ],
    "objective": [{"name": "sigma"}, {"name": "modulus", "weight": 0.5},
                  {"name": "ea", "weight": 0.2}],
    "ranking": {"top_n": 10, "pareto_depth": 2},
    "acquisition": {"batch_size": 4, "include_measured": True},
}  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("report") / "ws"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ANIONSCREEN_DATA_MIRROR", raising=False)
        # one fast family (extra trees) is enough for a report: the panels show what it did
        train = ["train", "--sources", "bundled", "--promote", "--families", "et"]
        out = CliRunner().invoke(app, ["-w", str(ws), *train])
        assert out.exit_code == 0, out.output
        run_campaign(CAMPAIGN, workspace=ws, run_id="r")
    return ws


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_report_is_one_page_that_needs_no_network(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    folder = run.path / "report"
    assert [p.name for p in folder.iterdir()] == ["index.html"]
    page = (folder / "index.html").read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()[:2000]) == 1  # plotly.js embedded once
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing fetched
    visible = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    assert "{'" not in visible
    assert "': " not in visible


def test_the_header_reads_as_sentences(workspace: Path) -> None:
    page = (open_run("r", workspace=workspace).report()).read_text(encoding="utf-8")
    head = page[page.index("<dl") : page.index("</dl>")]
    assert (
        "maximise sigma at 25 C (weight 1, log10(S/cm), one point per 1); minimise modulus " in head
    )
    assert "30 generated, 0 failed" in head or "36 generated, 0 failed" in head
    assert re.search(r"sigma: sigma-0001 \((et\+hgb|et|rf|hgb), \d+ training formulas\)", head)


def test_report_latest_prints_the_runs_own_page_and_writes_nothing(workspace: Path) -> None:
    before = _digest(workspace)
    out = CliRunner().invoke(app, ["-w", str(workspace), "report", "latest"])
    assert out.exit_code == 0, out.output
    assert out.output == f"{workspace / 'campaigns' / 'r' / 'report' / 'index.html'}\n"
    assert _digest(workspace) == before
    assert not (workspace / "reports").exists()


def test_a_report_elsewhere_and_refusals(workspace: Path, tmp_path: Path) -> None:
    run = open_run("r", workspace=workspace)
    fresh = run.report(tmp_path / "again")
    own = run.report().read_bytes()
    assert fresh.read_bytes() == own  # same run, same bytes
    inside = CliRunner().invoke(
        app, ["-w", str(workspace), "report", "r", "--out", str(run.path / "x")]
    )
    assert inside.exit_code == 1
    assert "inside the finished run 'r', which is immutable" in inside.output
    started = create_run(tmp_path / "ws2", RunStart.from_json(json.loads(
        (run.path / "run.json").read_text())), "", run_id="half")  # fmt: skip
    with pytest.raises(RunError, match="run 'half' has no final tables yet, so no report"):
        write_report(started, tmp_path / "half-report")
    with pytest.raises(RunError, match="is not finished, so it has no report"):
        open_run(started.path).report()


def test_unusual_campaigns_still_get_a_report(workspace: Path) -> None:
    # no symbol in the template, sigma alone at 60 C, and a floor no candidate passes
    odd = {
        "name": "odd",
        "space": [{"name": "LiTa(S,O)Cl5", "template": "Li2 Ta S{1-x} O{x} Cl5",
                   "x": {"start": 0, "stop": 1, "step": 0.5}}],
        "objective": [{"name": "sigma", "temperature_C": 60.0}],
    }  # fmt: skip
    run = run_campaign(odd, workspace=workspace, run_id="odd")
    page = run.report().read_text(encoding="utf-8")
    assert "sigma against ea (not an objective of this campaign)" in page
    assert "LiTa(S,O)Cl5 (no symbol to fix)" in page
    assert "predicted log10 sigma at 60 C (S\\u002fcm)" in page  # plotly escapes /
    none = odd | {"name": "none", "constraints": {"sigma_min_S_per_cm": 10.0}}
    empty = run_campaign(none, workspace=workspace, run_id="none")
    page = empty.report().read_text(encoding="utf-8")
    assert "a random sample of 0 of the 0 other feasible candidates (0 feasible in all" in page
    assert "No family curves: no template space with a grid parameter has feasible" in page


def test_objective_points_are_bounded_and_say_what_they_stand_for(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    cands = run.candidates
    feasible = cands.loc[cands["feasible"]]
    points = candidate_points(
        run.folder, run.campaign, run.next_batch, sample_points=3, front_points=5
    )
    ranked = feasible.loc[feasible["pareto_rank"] >= 1].sort_values(
        ["pareto_rank", "score"], ascending=[True, False]
    )
    assert points.ranked["candidate_id"].tolist() == ranked["candidate_id"].head(5).tolist()
    assert points.ranked_total == len(ranked)
    assert len(points.sample) == 3
    assert points.others_total == int((feasible["pareto_rank"] == 0).sum())
    assert set(points.sample["pareto_rank"]) == {0}
    assert points.feasible == len(feasible)
    # y is log10 sigma at the objective temperature (25 C here) with its interval
    row = points.ranked.iloc[0]
    assert row["y"] == row["log10_sigma_S_per_cm"]
    assert row["y_hi"] == row["log10_sigma_S_per_cm_hi"]


def test_objective_figure_draws_ranks_intervals_and_the_batch(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    campaign = run.campaign
    assert [a.name for a in plot_axes(campaign)] == ["modulus", "ea"]
    points = candidate_points(run.folder, campaign, run.next_batch)
    fig = objective_figure(points, plot_axes(campaign)[0], depth=2)
    names = [t.name for t in fig.data]
    assert names[-1] == f"next batch ({len(run.next_batch)})"
    assert any(n.startswith("Pareto rank 1 (") for n in names)
    assert all("line" not in (t.mode or "") for t in fig.data)  # no front line on a projection
    batch = fig.data[-1]
    assert list(batch.x) == run.next_batch["modulus_GPa"].tolist()
    np.testing.assert_allclose(
        batch.error_y.array,
        run.next_batch["log10_sigma_S_per_cm_hi"] - run.next_batch["log10_sigma_S_per_cm"],
    )
    np.testing.assert_allclose(
        batch.error_x.arrayminus, run.next_batch["modulus_GPa"] - run.next_batch["modulus_GPa_lo"]
    )
    first = run.next_batch.iloc[0]
    assert batch.text[0].startswith(f"<b>{first['formula']}</b><br>sigma(25 C) ")
    assert f"nearest known {first['nearest_known']}" in batch.text[0]


def test_family_curves_hold_the_other_parameter_fixed(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    plots = {(p.space, p.parameter): p for p in family_plots(run.folder, run.campaign)}
    assert set(plots) == {
        ("LiM(S,O)(Cl,Br)5", "x"),
        ("LiM(S,O)(Cl,Br)5", "y"),
        ("Li3M(Cl,Br)6", "y"),
    }
    along_x = plots[("LiM(S,O)(Cl,Br)5", "x")]
    assert (
        along_x.axis_title
        == "x in Li{n} {M} S{1-x} O{x} Cl{5-y} Br{y} (S 1-x, O x per formula unit)"
    )
    assert along_x.fixed == ("y",)
    cands = run.candidates.set_index("formula")
    for curve in along_x.curves:
        assert curve.averaged == 0
        assert curve.frame["p"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
        ys = set(cands.loc[curve.frame["formula"], "y"])
        assert len(ys) == 1
        assert f"y = {ys.pop():g}" in curve.label
    assert plots[("Li3M(Cl,Br)6", "y")].axis_title.endswith("(Cl 6-y, Br y per formula unit)")


def test_model_panels_show_the_cards(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    panels = model_panels(run.folder)
    assert [p.target for p in panels] == ["sigma", "ea", "modulus"]
    sigma = panels[0]
    card = json.loads((workspace / "models" / "sigma" / sigma.version / "card.json").read_text())
    oof = pd.read_csv(workspace / "models" / "sigma" / sigma.version / "oof.csv")
    assert sigma.oof_total == len(oof)
    assert sigma.oof is not None
    assert len(sigma.oof) == len(oof)
    metrics = sigma.metrics()
    assert metrics["model"].tolist()[0] == card["family"]
    assert metrics.set_index("model").loc["mean", "MAE"] == card["metrics"]["mean"]["mae"]
    assert sigma.coverage_curve()["level"].tolist() == card["coverage_curve"]["level"]
    page = run.report().read_text(encoding="utf-8")
    assert sigma.trust is not None
    assert sigma.trust.line().replace("'", "&#x27;") in page
    # a run whose models are not in the registry says so instead of dropping the panel
    tiny = run_tiny(workspace.parent / "tiny", "t")
    assert model_panels(tiny)[0].problems[0].startswith("no model card: model version 'tiny-1'")


def test_every_column_is_described(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    columns = [*run.candidates.columns, *run.ranked.columns, *run.next_batch.columns]
    assert undescribed(columns, run.campaign) == []
    tiny = open_run(workspace.parent / "tiny" / "campaigns" / "t")
    assert undescribed([*tiny.candidates.columns, *tiny.next_batch.columns], tiny.campaign) == []
    page = run.report().read_text(encoding="utf-8")
    assert 'id="col-pareto_rank"' in page
    assert 'id="col-acquisition"' in page
    assert "score = 1 x obj_sigma / 1 - 0.5 x obj_modulus / 1 - 0.2 x obj_ea / 0.1" in page


def test_run_citations_name_the_data_methods_and_versions(workspace: Path) -> None:
    run = open_run("r", workspace=workspace)
    bib = run.citations()
    keys = [ref.key for ref in bib.references()]
    assert len(keys) == len(set(keys))
    assert keys[:2] == ["anionscreen", "ogbolu2025"]
    # trained on the bundled data only: its rows' DOIs, and no external dataset
    dois = {r.doi.lower() for r in bib.section("data")}
    sigma_dois = set(load_compilation().dropna(subset=["sigma_S_per_cm"])["doi"].str.lower())
    assert sigma_dois <= dois
    assert "therrien2026obelix" not in keys
    assert "hargreaves2023" not in keys
    assert {"ward2016magpie", "ward2018matminer", "papadopoulos2011", "lei2018"} <= set(keys)
    sklearn = next(r for r in bib.references() if r.key == "pedregosa2011sklearn")
    version = json.loads((run.path / "run.json").read_text())["packages"]["scikit-learn"]
    assert f"scikit-learn {version}" in sklearn.note
    text = bib.bibtex()
    assert text.count("@") == len(keys)
    assert text.count("{") == text.count("}")
    out = CliRunner().invoke(app, ["-w", str(workspace), "cite", "r"])
    assert out.exit_code == 0
    assert out.output == text
    assert "ogbolu2025" in run.report().read_text(encoding="utf-8")


def test_cite_without_a_run_lists_the_package_and_every_dataset() -> None:
    out = CliRunner().invoke(app, ["cite"])
    assert out.exit_code == 0, out.output
    for source in SOURCE_NAMES:
        for key in SOURCE_REFERENCES[source]:
            assert f"{{{key},\n" in out.output
    assert set(SOURCE_REFERENCES) == set(SOURCE_NAMES)
    assert out.output.startswith("% anionscreen 0.1.0: package and data\n")
    bad = CliRunner().invoke(app, ["cite", "--format", "ris"])
    assert bad.exit_code == 1
    assert "--format must be bibtex or text; got 'ris'" in bad.output


def test_references_match_the_dataset_registry_and_citation_cff() -> None:
    from anionscreen.datasets.external import EXTERNAL_DATASETS

    for name, dataset in EXTERNAL_DATASETS.items():
        for key in SOURCE_REFERENCES[name]:
            if REFERENCES[key].doi:
                assert REFERENCES[key].doi in dataset.citation or key == "jain2013", name
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version is not None
    assert f'\nversion: "{version.group(1)}"\n' in cff
    assert f'\ntitle: "{anionscreen_reference("x").title}"\n' in cff
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


@pytest.mark.skipif(
    not CHROMIUM.is_file(), reason=f"{CHROMIUM} absent (apt-get install -y chromium)"
)
def test_the_page_renders_in_headless_chromium(workspace: Path, tmp_path: Path) -> None:
    page = open_run("r", workspace=workspace).report()
    with Chromium() as browser:
        browser.open(page.as_uri())
        plots = browser.plots()
        ids = [p["id"] for p in plots]
        assert ids == [
            "plot-sigma-modulus", "plot-sigma-ea", "plot-family-0", "plot-family-1",
            "plot-family-2", "plot-parity-sigma", "plot-coverage-sigma", "plot-parity-ea",
            "plot-coverage-ea", "plot-parity-modulus", "plot-coverage-modulus",
        ]  # fmt: skip
        for plot in plots:
            assert plot["drawn"], plot
            assert plot["traces"] > 0, plot
            assert plot["points"] + plot["lines"] > 0, plot
        # hover the first next-batch star: its label names the formula and nearest known
        hovered = browser.evaluate(
            "(() => { const d = document.getElementById('plot-sigma-modulus');"
            " const n = d.data.length - 1; Plotly.Fx.hover(d, [{curveNumber: n, pointNumber: 0}]);"
            " return d.querySelector('.hoverlayer .hovertext').textContent; })()"
        )
        first = open_run("r", workspace=workspace).next_batch.iloc[0]
        assert first["formula"] in hovered
        assert "nearest known" in hovered
        assert browser.problems() == []
        shot = browser.screenshot(tmp_path / "page.png")
    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(shot.read_bytes())).convert("L"))
    assert image.shape[0] > 500
    assert image.std() > 10
    assert pq.read_schema(page.parent.parent / "candidates.parquet")  # the run is intact


def test_read_rows_returns_the_rows_asked_for_in_their_order(tmp_path: Path) -> None:
    """Rows spread over more row groups than one read takes (16), asked in any order."""
    import pyarrow as pa

    from anionscreen.screening.results.report_data import read_rows

    n = 200
    frame = pd.DataFrame({"i": np.arange(n), "name": [f"Li{k}Cl" for k in range(n)]})
    pq.write_table(pa.Table.from_pandas(frame), tmp_path / "t.parquet", row_group_size=5)
    table = pq.ParquetFile(tmp_path / "t.parquet")
    assert table.metadata.num_row_groups == 40
    positions = np.array([199, 0, 7, 6, 120, 5, 81, 198, 33])
    rows = read_rows(table, positions, ["name", "i"])
    assert rows["i"].tolist() == positions.tolist()
    assert rows["name"].tolist() == [f"Li{k}Cl" for k in positions]
    assert read_rows(table, np.array([], dtype=np.int64), ["i"]).columns.tolist() == ["i"]
