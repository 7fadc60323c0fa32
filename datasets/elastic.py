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
from anionscreen.datasets.fetch import read_dataset
from anionscreen.datasets.loading import OnError, finish, read_text_csv
from anionscreen.datasets.settings import Settings

DFT_NOTE = "DFT-PBE (Materials Project)"
ELASTIC_DOI = "10.1038/sdata.2015.9"
MP_DOI = "10.1063/1.4812323"


def young_modulus(bulk: float, shear: float) -> float:
    """Isotropic Young's modulus E = 9KG / (3K + G) from bulk K and shear G (same units)."""
    return 9.0 * bulk * shear / (3.0 * bulk + shear)


def _json(data: bytes, dataset: ExternalDataset) -> Any:
    try:
        return json.loads(gzip.decompress(data))
    except (OSError, ValueError) as err:
        raise AnionscreenError(f"cannot read {dataset.file.path} as gzipped JSON: {err}") from err


def _rows(
    ids: list[str],
    formulas: list[str],
    bulk: list[Any],
    shear: list[Any],
    doi: str,
    published: str,
) -> pd.DataFrame:
    records = []
    for mid, formula, k, g in zip(ids, formulas, bulk, shear, strict=True):
        base = {
            "composition": formula,
            "amorphous": "false",
            "doi": doi,
            "published": published,
            "modulus_method": "DFT",
        }
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


Scalars = tuple[list[str], list[str], list[Any], list[Any]]


def _packaged_scalars(data: bytes, dataset: ExternalDataset) -> Scalars:
    """``material_id, formula, K_VRH, G_VRH`` of the packaged CSV (empty cells are None)."""
    table = read_text_csv(data, dataset.file.path)
    bulk = [v or None for v in table["K_VRH"]]
    shear = [v or None for v in table["G_VRH"]]
    return list(table["material_id"]), list(table["formula"]), bulk, shear


def _elastic_tensor_scalars(settings: Settings) -> tuple[ExternalDataset, Scalars]:
    dataset = external_dataset("elastic_tensor_2015")
    data, packaged = read_dataset(dataset, settings)
    if packaged:
        return dataset, _packaged_scalars(data, dataset)
    split = _json(data, dataset)
    at = {
        name: split["columns"].index(name) for name in ("material_id", "formula", "K_VRH", "G_VRH")
    }
    rows = split["data"]
    return dataset, (
        [r[at["material_id"]] for r in rows],
        [r[at["formula"]] for r in rows],
        [r[at["K_VRH"]] for r in rows],
        [r[at["G_VRH"]] for r in rows],
    )


def _mp_binary_scalars(settings: Settings) -> tuple[ExternalDataset, Scalars]:
    dataset = external_dataset("mp_binary_elasticity")
    data, packaged = read_dataset(dataset, settings)
    if packaged:
        return dataset, _packaged_scalars(data, dataset)
    records = _json(data, dataset)
    return dataset, (
        [r["mp_id"] for r in records],
        [r["formula"] for r in records],
        [r.get("bulk_modulus_vrh") for r in records],
        [r.get("shear_modulus_vrh") for r in records],
    )


def load_elastic_tensor_2015(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """elastic_tensor_2015 (1181 materials) as bulk, shear and Young rows."""
    dataset, scalars = _elastic_tensor_scalars(settings)
    raw = _rows(*scalars, ELASTIC_DOI, dataset.published)
    return finish(raw, dataset.name, dataset.file.path, on_error=on_error, room_temperature=False)


def load_mp_binary_elasticity(settings: Settings, *, on_error: OnError = "skip") -> pd.DataFrame:
    """Materials Project binary elastic moduli (3953 materials) as bulk, shear and Young rows."""
    dataset, scalars = _mp_binary_scalars(settings)
    raw = _rows(*scalars, MP_DOI, dataset.published)
    return finish(raw, dataset.name, dataset.file.path, on_error=on_error, room_temperature=False)
