"""Registry of the external datasets: where each file lives, its sha256, citation and licence.

The project never commits these files. A loader reads a file from the mirror directory
(``ANIONSCREEN_DATA_MIRROR``, laid out like ``shared/data``) or from the cache that
``anionscreen datasets fetch NAME`` fills from the public URL below. URLs are pinned to
commits, so the sha256 cannot drift. Details and row counts: ``shared/data/README.md``.
The openly licensed ones also ship inside the package (:mod:`anionscreen.datasets.packaged`).

``published`` is each dataset's release: OBELiX's files last changed in May 2025, the others
are dated by their paper's year (the Materials Project binary set by its January 2025
download). No row of a dataset can have been published after it, so it is the rows' upper
bound when they carry no date of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from anionscreen.datasets.errors import AnionscreenError

Kind = Literal["conductivity", "modulus"]

_OBELIX = "https://raw.githubusercontent.com/NRC-Mila/OBELiX"
_OBELIX_HEAD = "4eaac889809dd489e3bae468c45d5c0e02b9147a"
_OBELIX_CITATION = (
    "F. Therrien et al., OBELiX: a curated dataset of crystal structures and experimentally "
    "measured ionic conductivities for lithium solid-state electrolytes, Digital Discovery "
    "(2026), DOI 10.1039/D5DD00441A (arXiv:2502.14234)"
)
_MP_CITATION = (
    "M. de Jong et al., Charting the complete elastic properties of inorganic crystalline "
    "compounds, Sci. Data 2, 150009 (2015), DOI 10.1038/sdata.2015.9"
)


@dataclass(frozen=True)
class ExternalFile:
    """One third-party file.

    Attributes
    ----------
    path : str
        Location relative to the mirror (and the cache), e.g. ``"obelix/all.csv"``.
    sha256 : str
        Expected checksum of the bytes.
    url : str
        Public, commit-pinned download address.
    """

    path: str
    sha256: str
    url: str


@dataclass(frozen=True)
class ExternalDataset:
    """One loadable external dataset (a file plus what it is and how to credit it)."""

    name: str
    kind: Kind
    file: ExternalFile
    rows: int
    citation: str
    licence: str
    description: str
    published: str
    """The dataset's release (``2025-05`` or ``2023``): an upper bound of every row's date."""


_FILES = {
    "obelix_all": ExternalFile(
        "obelix/all.csv",
        "54f6265ef84d16a919d08c6815f14b0fd7465fa00090bee2511c16c042e57f3c",
        f"{_OBELIX}/{_OBELIX_HEAD}/data/downloads/all.csv",
    ),
    "obelix_train": ExternalFile(
        "obelix/train.csv",
        "01d87779862807e24bc45bb2c759852f892390b99f9340f13906c54805aa8776",
        f"{_OBELIX}/{_OBELIX_HEAD}/data/downloads/train.csv",
    ),
    "obelix_test": ExternalFile(
        "obelix/test.csv",
        "b2c266eb74e22f403743d52959bea7c43b1531a850994870a70dd909200e5297",
        f"{_OBELIX}/{_OBELIX_HEAD}/data/downloads/test.csv",
    ),
    "liverpool": ExternalFile(
        "liverpool/LiIonDatabase.csv",
        "d24ed972b88c3aba14194b6f9347fb3c8e8f9249b82fec22d961e709c1c06e5d",
        f"{_OBELIX}/{_OBELIX_HEAD}/data/misc/LiIonDatabase.csv",
    ),
    "laskowski": ExternalFile(
        "laskowski/laskowski_with_dois.csv",
        "91bc93cfc6fba61ff170ae0369cec5e1acc3edd15b321929adc3ae6997384ca6",
        f"{_OBELIX}/c2204e5423a0e864042dd2172f19191af1dfa25e/data/misc/laskowski_with_dois.csv",
    ),
    # The mirror copy was rebuilt from indexed text (shared/data/README.md, section 4); if the
    # upstream bytes differ, the download fails its checksum rather than loading other data.
    "mchaffie": ExternalFile(
        "mchaffie/ionic_conductivity_database.csv",
        "868c4bd793d7c31b929787dc69478691b27ced0440d19269075143c98ecd1545",
        f"{_OBELIX}/82e60e48edbf1c517f2896d5250d73fa47245736/data/misc/mchaffie/"
        "ionic_conductivity_database.csv",
    ),
    "elastic_tensor_2015": ExternalFile(
        "elastic_tensor_2015/elastic_tensor_2015.json.gz",
        "8c3b342f75da7e7baa1b769b59554485fd647f4cb1da9318d0d1ba3b3b838183",
        "https://ndownloader.figshare.com/files/13220603",
    ),
    "mp_binary_elasticity": ExternalFile(
        "mp_binary_elasticity_matcalc/mp-binary-pbe-elasticity-2025.1.json.gz",
        "5689599491322805bda913663eeef8d567f64ada80c90173d50fb7b6fb0b5896",
        "https://raw.githubusercontent.com/materialsvirtuallab/matcalc/"
        "27f2d5f44b2bc045ff47446c599a3b6aba298b7f/benchmark_data/"
        "mp-binary-pbe-elasticity-2025.1.json.gz",
    ),
}

EXTERNAL_DATASETS: dict[str, ExternalDataset] = {
    d.name: d
    for d in (
        ExternalDataset(
            "obelix",
            "conductivity",
            _FILES["obelix_all"],
            599,
            _OBELIX_CITATION,
            "CC BY 4.0",
            "OBELiX, experimental RT Li-ion conductivity (all 599 entries)",
            "2025-05",
        ),
        ExternalDataset(
            "obelix_train",
            "conductivity",
            _FILES["obelix_train"],
            478,
            _OBELIX_CITATION,
            "CC BY 4.0",
            "OBELiX official training split",
            "2025-05",
        ),
        ExternalDataset(
            "obelix_test",
            "conductivity",
            _FILES["obelix_test"],
            121,
            _OBELIX_CITATION,
            "CC BY 4.0",
            "OBELiX official test split (keep out of training for OBELiX scores)",
            "2025-05",
        ),
        ExternalDataset(
            "liverpool",
            "conductivity",
            _FILES["liverpool"],
            820,
            "C. J. Hargreaves et al., npj Comput. Mater. 9, 9 (2023), "
            "DOI 10.1038/s41524-022-00951-z",
            "not stated (cite the paper)",
            "Liverpool Ionics Dataset, many temperatures",
            "2023",
        ),
        ExternalDataset(
            "laskowski",
            "conductivity",
            _FILES["laskowski"],
            1346,
            "F. A. L. Laskowski et al., Energy Environ. Sci. 16, 1264 (2023), "
            "DOI 10.1039/D2EE03499A",
            "not stated (cite the paper)",
            "Laskowski et al. SI table with DOIs",
            "2023",
        ),
        ExternalDataset(
            "mchaffie",
            "conductivity",
            _FILES["mchaffie"],
            571,
            "McHaffie et al., Digital Discovery (2025), DOI 10.1039/D5DD00052A",
            "CC0 1.0",
            "McHaffie et al. ICSD-linked RT conductivities (some extrapolated)",
            "2025",
        ),
        ExternalDataset(
            "elastic_tensor_2015",
            "modulus",
            _FILES["elastic_tensor_2015"],
            1181,
            _MP_CITATION,
            "CC BY 4.0 (Materials Project data)",
            "DFT-PBE elastic moduli (matminer elastic_tensor_2015)",
            "2015",
        ),
        ExternalDataset(
            "mp_binary_elasticity",
            "modulus",
            _FILES["mp_binary_elasticity"],
            3953,
            "Materials Project (A. Jain et al., APL Mater. 1, 011002 (2013), "
            "DOI 10.1063/1.4812323); " + _MP_CITATION + "; via matcalc (Materials Virtual Lab)",
            "CC BY 4.0 (Materials Project data)",
            "DFT-PBE elastic moduli of binary compounds (Materials Project, Jan 2025)",
            "2025-01",
        ),
    )
}


def external_dataset(name: str) -> ExternalDataset:
    """The registry entry for ``name``; raises naming the known names otherwise."""
    try:
        return EXTERNAL_DATASETS[name]
    except KeyError:
        known = ", ".join(EXTERNAL_DATASETS)
        raise AnionscreenError(
            f"unknown external dataset {name!r}; expected one of {known}"
        ) from None
