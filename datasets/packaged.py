"""The openly licensed external datasets, shipped inside the package so the main job is offline.

OBELiX (CC BY 4.0), McHaffie et al. (CC0) and the two Materials Project elastic sets (CC BY
4.0) ship in ``data/external/`` as the columns the project reads; Liverpool and Laskowski state
no licence and stay fetch-only. ``data/LICENSES.md`` gives the licence and the attribution of
each. The files are made from the checksummed originals by
:mod:`anionscreen.datasets.build_packaged` (``python -m anionscreen.datasets.build_packaged
MIRROR``), which any user can rerun to get the same bytes; the test suite does so whenever the
mirror is there.

A loader reads the original file when the mirror or the cache has it, and the packaged copy
otherwise; both give the same rows (tested). Every packaged file's sha256 is recorded here and
checked on every read.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from anionscreen.datasets.errors import AnionscreenError, ChecksumError
from anionscreen.datasets.files import sha256_of_bytes


@dataclass(frozen=True)
class PackagedFile:
    """A file under the package's ``data/`` folder and its sha256."""

    path: str
    sha256: str


#: Packaged copy of each dataset name (the OBELiX splits share one file with a ``split`` column).
PACKAGED: dict[str, PackagedFile] = {
    "obelix": PackagedFile(
        "external/obelix.csv", "c6934de4830726aca5e0a20b1be8b5eec5358e4fde5efee4258403bd993060ad"
    ),
    "mchaffie": PackagedFile(
        "external/mchaffie.csv", "868c4bd793d7c31b929787dc69478691b27ced0440d19269075143c98ecd1545"
    ),
    "elastic_tensor_2015": PackagedFile(
        "external/elastic_tensor_2015.csv",
        "3cd489364faabb108dfd64d49e557671515641cb33cf101a47374447b992b10e",
    ),
    "mp_binary_elasticity": PackagedFile(
        "external/mp_binary_elasticity.csv",
        "02064e389021a688f96a5c0bcb63fe2e0339d75b179f11a91ad0a29f45d1237d",
    ),
}
PACKAGED["obelix_train"] = PACKAGED["obelix"]
PACKAGED["obelix_test"] = PACKAGED["obelix"]


def packaged_file(name: str) -> PackagedFile | None:
    """The packaged copy of dataset ``name``, or None when it is fetch-only."""
    return PACKAGED.get(name)


def data_path(relative: str) -> str:
    """Filesystem path of a file under the installed package's ``data/`` folder."""
    return str(files("anionscreen.datasets") / "data" / relative)


def read_packaged(name: str) -> bytes:
    """The bytes of dataset ``name``'s packaged copy, after checking its sha256.

    Raises
    ------
    AnionscreenError
        If ``name`` has no packaged copy.
    ChecksumError
        If the packaged file is not the one this version of anionscreen was built with.
    """
    entry = packaged_file(name)
    if entry is None:
        raise AnionscreenError(
            f"dataset {name!r} is not shipped with anionscreen (no licence allows it); fetch it"
        )
    path = data_path(entry.path)
    with open(path, "rb") as handle:
        data = handle.read()
    actual = sha256_of_bytes(data)
    if actual != entry.sha256:
        raise ChecksumError(path, entry.sha256, actual)
    return data
