"""Make the packaged copies of the openly licensed datasets from their checksummed originals.

Usage (from a source checkout; prints the sha256 of each file written)::

    python -m anionscreen.datasets.build_packaged ../shared/data datasets/data/external

The output is deterministic: the same originals always give the same bytes, which is what
:data:`anionscreen.datasets.packaged.PACKAGED` records. What each file keeps:

* ``obelix.csv``: the OBELiX columns the loader reads (``ID``, ``Reduced Composition``, ``Z``,
  ``True Composition``, ``Ionic conductivity (S cm-1)``, ``Family``, ``DOI``, ``note``) of
  ``all.csv``, in its row order, plus ``split`` (``train`` or ``test``, from the official
  ``train.csv`` and ``test.csv``).
* ``mchaffie.csv``: the whole file, byte for byte (every column is read).
* ``elastic_tensor_2015.csv``, ``mp_binary_elasticity.csv``: ``material_id, formula, K_VRH,
  G_VRH`` of each material, the moduli written as Python's shortest round-trip float text, so
  they read back as the very floats of the JSON original.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

from anionscreen.datasets.external import EXTERNAL_DATASETS
from anionscreen.datasets.files import sha256_of_bytes
from anionscreen.datasets.loading import read_text_csv

OBELIX_COLUMNS = (
    "ID",
    "Reduced Composition",
    "Z",
    "True Composition",
    "Ionic conductivity (S cm-1)",
    "Family",
    "DOI",
    "note",
)
ELASTIC_COLUMNS = ("material_id", "formula", "K_VRH", "G_VRH")


def _verified(mirror: Path, name: str) -> bytes:
    entry = EXTERNAL_DATASETS[name].file
    data = (mirror / entry.path).read_bytes()
    if sha256_of_bytes(data) != entry.sha256:
        raise SystemExit(f"{mirror / entry.path}: sha256 is not the published one")
    return data


def _csv(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _number(value: Any) -> str:
    return "" if value is None else repr(float(value))


def obelix_bytes(mirror: Path) -> bytes:
    """The packaged OBELiX table (see the module docstring)."""
    every = read_text_csv(_verified(mirror, "obelix"), "obelix/all.csv")
    test = set(read_text_csv(_verified(mirror, "obelix_test"), "obelix/test.csv")["ID"])
    train = set(read_text_csv(_verified(mirror, "obelix_train"), "obelix/train.csv")["ID"])
    rows = []
    for record in every.to_dict(orient="records"):
        split = "test" if record["ID"] in test else "train" if record["ID"] in train else ""
        rows.append([str(record[c]) for c in OBELIX_COLUMNS] + [split])
    return _csv((*OBELIX_COLUMNS, "split"), rows)


def elastic_tensor_bytes(mirror: Path) -> bytes:
    """elastic_tensor_2015's scalar moduli."""
    split = json.loads(gzip.decompress(_verified(mirror, "elastic_tensor_2015")))
    at = {name: split["columns"].index(name) for name in ELASTIC_COLUMNS}
    rows = [
        [r[at["material_id"]], r[at["formula"]], _number(r[at["K_VRH"]]), _number(r[at["G_VRH"]])]
        for r in split["data"]
    ]
    return _csv(ELASTIC_COLUMNS, rows)


def mp_binary_bytes(mirror: Path) -> bytes:
    """The Materials Project binary set's scalar moduli."""
    records = json.loads(gzip.decompress(_verified(mirror, "mp_binary_elasticity")))
    rows = [
        [
            r["mp_id"],
            r["formula"],
            _number(r.get("bulk_modulus_vrh")),
            _number(r.get("shear_modulus_vrh")),
        ]
        for r in records
    ]
    return _csv(ELASTIC_COLUMNS, rows)


def build(mirror: Path) -> dict[str, bytes]:
    """File name -> bytes of every packaged copy."""
    return {
        "obelix.csv": obelix_bytes(mirror),
        "mchaffie.csv": _verified(mirror, "mchaffie"),
        "elastic_tensor_2015.csv": elastic_tensor_bytes(mirror),
        "mp_binary_elasticity.csv": mp_binary_bytes(mirror),
    }


def main(argv: list[str]) -> int:
    """Write the packaged copies into the output folder and print their sha256."""
    if len(argv) != 2:
        print(__doc__)
        return 2
    mirror, out = Path(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, data in build(mirror).items():
        (out / name).write_bytes(data)
        print(f"{name} {sha256_of_bytes(data)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
