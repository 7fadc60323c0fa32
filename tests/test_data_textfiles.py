"""User files read strictly, workspaces checked, outputs kept off inputs and stores (issue 14)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest

from anionscreen.datasets.errors import AnionscreenError, DataValidationError
from anionscreen.datasets.files import writable_folder
from anionscreen.datasets.schema import validate_measurements
from anionscreen.datasets.settings import Settings, get_settings
from anionscreen.datasets.temperature import check_temperature
from anionscreen.datasets.textfiles import decode_text, parse_csv_text, read_text
from anionscreen.screening.cli.outputs import check_output


def test_bom_is_stripped_and_utf8_kept() -> None:
    assert decode_text("\ufeffname = 'é'\n".encode(), "c.toml") == "name = 'é'\n"


def test_non_utf8_csv_names_the_byte_and_line() -> None:
    with pytest.raises(AnionscreenError) as info:
        decode_text(b"formula\nLiCl\nLi\xe9Cl\n", "in.csv", "a UTF-8 CSV file")
    assert str(info.value) == (
        "in.csv is not UTF-8 text: byte 0xe9 at offset 15 (line 3) cannot be decoded (a binary "
        "file, or text in another encoding?); expected a UTF-8 CSV file (save it with UTF-8 "
        "encoding)"
    )


def test_parquet_and_xlsx_are_named(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"formula": ["LiCl"]}).to_parquet(path)
    with pytest.raises(AnionscreenError, match=r"--in file .*x\.parquet is a Parquet file"):
        read_text(path, "--in file")
    with pytest.raises(AnionscreenError, match=r"\(it is a zip archive, e\.g\. an \.xlsx "):
        decode_text(b"PK\x03\x04\xff\xfe", "book.csv")


def test_missing_file_and_folder_are_named(tmp_path: Path) -> None:
    with pytest.raises(AnionscreenError, match=r"^campaign file .*nope\.toml does not exist$"):
        read_text(tmp_path / "nope.toml", "campaign file")
    with pytest.raises(AnionscreenError, match=r"is a folder; expected a file$"):
        read_text(tmp_path, "campaign file")


def test_row_with_one_cell_too_many_names_row_line_and_columns() -> None:
    with pytest.raises(AnionscreenError) as info:
        parse_csv_text("a,b,c\n1,2,3\n\n4,5,6,7\n", "in.csv")
    assert str(info.value) == (
        "in.csv: row 2 (line 4) has 4 cells; the header has 3 column(s) (a, b, c). A comma "
        'inside a value must be quoted, e.g. "a, b"'
    )


def test_short_rows_are_padded_and_blank_lines_listed() -> None:
    table = parse_csv_text('a,b\n1\n\n  \n"x\r\ny",2\r\n3,4', "in.csv")
    assert table.frame.to_dict(orient="list") == {"a": ["1", "x\r\ny", "3"], "b": ["", "2", "4"]}
    assert table.lines == (2, 5, 7)
    assert table.blank_lines == (3, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "in.csv is empty; expected a header line of column names"),
        ("a,,b\n", "in.csv: column 2 of the header has no name; every column needs one"),
        ("a,a\n", "in.csv: column 'a' appears twice in the header"),
        ('a\n"x\n', "in.csv: line 2 is not valid CSV (unexpected end of data)"),
    ],
)
def test_malformed_csv_is_refused(text: str, message: str) -> None:
    with pytest.raises(AnionscreenError) as info:
        parse_csv_text(text, "in.csv")
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("sigma_S_per_cm", "1e-300", "a conductivity in S/cm in [1e-35, 1]"),
        ("sigma_mS_per_cm", "1e-40", "a conductivity in mS/cm in [1e-32, 1000]"),
        (
            "temperature_C",
            "-273",
            "a temperature in C in [-200, 1500] (a measurement's plausible range)",
        ),
        (
            "temperature_C",
            "1e9",
            "a temperature in C in [-200, 1500] (a measurement's plausible range)",
        ),
    ],
)
def test_implausible_values_are_refused_with_the_range(
    column: str, value: str, expected: str
) -> None:
    table = pd.DataFrame({"composition": ["LiCl"], column: [value]})
    if column == "temperature_C":
        table["sigma_S_per_cm"] = "1e-3"
    with pytest.raises(DataValidationError) as info:
        validate_measurements(table, "in.csv")
    assert [(p.column, p.value, p.expected) for p in info.value.problems] == [
        (column, value, expected)
    ]


def test_plausible_extremes_are_kept() -> None:
    table = pd.DataFrame(
        {"composition": ["LiCl", "LiBr"], "sigma_S_per_cm": ["1e-35", "2.7e-31"],
         "temperature_C": ["-200", "1500"]}
    )  # fmt: skip
    out = validate_measurements(table, "in.csv")
    assert out["sigma_S_per_cm"].tolist() == [1e-35, 2.7e-31]
    assert out["temperature_C"].tolist() == [-200.0, 1500.0]


def test_predict_temperature_range() -> None:
    assert check_temperature(-200.0, "--temperature") == -200.0
    with pytest.raises(AnionscreenError) as info:
        check_temperature(1e9, "--temperature")
    assert str(info.value) == (
        "--temperature must be a temperature in C in [-200, 1500] (the plausible range of a "
        "conductivity measurement); got 1e+09 C"
    )
    with pytest.raises(AnionscreenError, match="got nan C"):
        check_temperature(math.nan, "--temperature")


def test_empty_workspace_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANIONSCREEN_WORKSPACE", "")
    with pytest.raises(AnionscreenError) as info:
        get_settings()
    assert str(info.value) == (
        "ANIONSCREEN_WORKSPACE is set but empty; set it to a folder, or unset it to use ./runs"
    )
    assert get_settings("elsewhere").workspace.name == "elsewhere"


def test_workspace_that_is_a_file_or_dev_null(tmp_path: Path) -> None:
    path = tmp_path / "ws"
    path.write_text("x")
    with pytest.raises(AnionscreenError) as info:
        get_settings(path)
    assert str(info.value) == f"workspace {path} is a regular file, not a folder; give a folder"
    with pytest.raises(AnionscreenError, match=r"^workspace /dev/null is a device, not a folder"):
        get_settings("/dev/null")
    with pytest.raises(AnionscreenError) as below:
        writable_folder(path / "models", "model registry")
    assert str(below.value) == (
        f"model registry {path}/models cannot be made: {path} is a regular file, not a folder"
    )


def test_output_over_an_input_or_into_a_store_is_refused(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws", data_mirror=None, cache=tmp_path / "cache")
    source = tmp_path / "in.csv"
    source.write_text("formula\nLiCl\n")
    os.link(source, tmp_path / "hard.csv")
    for out in (source, tmp_path / "hard.csv", tmp_path / "sub" / ".." / "in.csv"):
        with pytest.raises(AnionscreenError, match=r"is the input file .*in\.csv: writing there"):
            check_output(out, settings, option="--out", inputs=[source])
    log = tmp_path / "ws" / "measurements" / "measurement_log.csv"
    with pytest.raises(AnionscreenError) as info:
        check_output(log, settings, option="--output")
    assert str(info.value) == (
        f"--output {log} is inside the workspace's measurement log ({log.parent}), which "
        "anionscreen keeps itself; writing there could overwrite what it holds. Choose a path "
        "outside it"
    )
    for store in ("models/sigma/CURRENT", "campaigns/run-1/ranked.csv", "models"):
        with pytest.raises(AnionscreenError, match="is inside the workspace's"):
            check_output(tmp_path / "ws" / store, settings, option="--out")
    with pytest.raises(AnionscreenError, match="is inside the dataset cache"):
        check_output(tmp_path / "cache" / "x.csv", settings, option="--out")
    check_output(tmp_path / "ws" / "export.csv", settings, option="--out", inputs=[source])
