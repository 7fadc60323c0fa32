"""DFT elastic moduli: matminer's elastic_tensor_2015 and the Materials Project binary set.

Both are DFT-PBE results of the Materials Project, not measurements. Each material becomes three
schema rows: ``bulk`` (K_VRH), ``shear`` (G_VRH) and ``Young`` (E = 9KG / (3K + G), derived from
the two, as the note says). Only scalar fields are read from the ``.json.gz`` files (the
structures and tensors are ignored), and the sha256 checked is that of the very bytes parsed.
elastic_tensor_2015 is pandas ``orient="split"`` JSON; the binary set is a list of records.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pandas as pd

from anionscreen.datasets.errors import AnionscreenError
from anionscreen.datasets.external import ExternalDataset, external_dataset
from anionscreen.datasets.fetch import read_verified
from anionscreen.datasets.loading import OnError, finish
from anionscreen.datasets.settings import Settings

DFT_NOTE = "DFT-PBE (Materials Project)"
ELASTIC_DOI = "10.1038/sdata.2015.9"
MP_DOI = "10.1063/1.4812323"


def young_modulus(bulk: float, shear: float) -> float:
    """Isotropic Young's modulus E = 9KG / (3K + G) from bulk K and shear G (same units)."""
    return 9.0 * bulk * shear / (3.0 * bulk + shear)


def _json(dataset: ExternalDataset, settings: Settings) -> Any:
    data = read_verified(dataset, settings)
    try:
        return json.loads(gzip.decompress(data))
    except (OSError, ValueError) as err:
        raise AnionscreenError(f"cannot read {dataset.file.path} as gzipped JSON: {err}") from err


def _rows(
    ids: list[str], formulas: list[str], bulk: list[Any], shear: list[Any], doi: str
) -> pd.DataFrame:
    records = []
    for mid, formula, k, g in zip(ids, formulas, bulk, shear, strict=True):
        base = {"composition": formula, "amorphous": "false", "doi": doi}
        note = f"{DFT_NOTE} {mid}"
        young = young_modulus(float(k), float(g)) if k is not None and g is not None else None
        records.append({**base, "modulus_GPa": k, "modulus_kind": "bulk", "note": f"{note}; K_VRH"})
        records.append(
            {**base, "modulus_GPa": g, "modulus_kind": "shear", "note": f"{note}; G_VRH"}
        )
        records.append(
            {
                **base,
                "modulus_GPa": young,
                "modulus_kind": "Young",
                "note": f"{note}; derived E = 9KG/(3K+G) from K_VRH and G_VRH",
            }
        )
    raw = pd.DataFrame(records)
    raw["modulus_GPa"] = [_text(v) for v in raw["modulus_GPa"]]
    return raw


def _text(value: Any) -> str:
    return "" if value is None else repr(float(value))


def load_elastic_tensor_2015(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """elastic_tensor_2015 (1181 materials) as bulk, shear and Young rows."""
    dataset = external_dataset("elastic_tensor_2015")
    split = _json(dataset, settings)
    columns: list[str] = split["columns"]
    at = {name: columns.index(name) for name in ("material_id", "formula", "K_VRH", "G_VRH")}
    data = split["data"]
    raw = _rows(
        [r[at["material_id"]] for r in data],
        [r[at["formula"]] for r in data],
        [r[at["K_VRH"]] for r in data],
        [r[at["G_VRH"]] for r in data],
        ELASTIC_DOI,
    )
    return finish(raw, dataset.name, dataset.file.path, on_error=on_error, room_temperature=False)


def load_mp_binary_elasticity(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """Materials Project binary elastic moduli (3953 materials) as bulk, shear and Young rows."""
    dataset = external_dataset("mp_binary_elasticity")
    records = _json(dataset, settings)
    raw = _rows(
        [r["mp_id"] for r in records],
        [r["formula"] for r in records],
        [r.get("bulk_modulus_vrh") for r in records],
        [r.get("shear_modulus_vrh") for r in records],
        MP_DOI,
    )
    return finish(raw, dataset.name, dataset.file.path, on_error=on_error, room_temperature=False)
