"""The references anionscreen's data and methods rest on, as BibTeX and as one line of text.

Every dataset a model can learn from, every method the models and descriptors use and the
packages whose papers ask to be cited are entries of :data:`REFERENCES`, keyed by a BibTeX key.
:data:`SOURCE_REFERENCES` names the entries of each measurement source
(:data:`~anionscreen.datasets.sources.SOURCE_NAMES`); rows that carry their own DOI (the bundled
compilation, the user's measurement log) are cited by that DOI with :func:`doi_reference`.

Long author lists are written as the first author(s) and ``others`` (BibTeX prints "et al."),
so no name is guessed. A DOI-only entry has no title: the DOI identifies the work, and any
reference manager fills in the rest from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

EntryType = Literal["article", "inproceedings", "misc"]

# BibTeX (unlike biber) reads ASCII reliably: the few accented letters in names are escaped.
_LATEX = {"ü": '{\\"u}', "é": "{\\'e}", "ö": '{\\"o}', "á": "{\\'a}"}


@dataclass(frozen=True)
class Reference:
    """One citable work.

    Attributes
    ----------
    key : str
        BibTeX key (letters, digits, ``_``, ``-``, ``:``).
    entry_type : {"article", "inproceedings", "misc"}
    authors : tuple of str
        ``"Last, First"`` each; ``"others"`` last for "et al."; ``"{Org Name}"`` for bodies.
    title, year, venue : str
        ``venue`` is the journal (article), the proceedings (inproceedings) or where it is
        published (misc); ``title`` may be empty for a DOI-only entry.
    volume, pages, doi, url, note : str
        Optional; ``note`` says what the work is used for, or a package's version.
    """

    key: str
    entry_type: EntryType
    authors: tuple[str, ...]
    title: str
    year: str
    venue: str = ""
    volume: str = ""
    pages: str = ""
    doi: str = ""
    url: str = ""
    note: str = ""

    def with_note(self, note: str) -> Reference:
        """The same entry with ``note`` (appended to any note it has)."""
        return replace(self, note=f"{self.note}; {note}" if self.note else note)

    def bibtex(self) -> str:
        """The entry as BibTeX text (fields in a fixed order, ending with a newline)."""
        venue_field = {"article": "journal", "inproceedings": "booktitle", "misc": "howpublished"}
        fields = [
            ("author", " and ".join(self.authors)),
            # Double braces keep the capitals of formulas and names (OBELiX, Li2TaS...).
            ("title", f"{{{self.title}}}" if self.title else ""),
            (venue_field[self.entry_type], self.venue),
            ("volume", self.volume),
            ("pages", self.pages.replace("-", "--") if "--" not in self.pages else self.pages),
            ("year", self.year),
            ("doi", self.doi),
            ("url", self.url or (f"https://doi.org/{self.doi}" if self.doi else "")),
            ("note", self.note),
        ]
        body = ",\n".join(f"  {name} = {{{_ascii(value)}}}" for name, value in fields if value)
        return f"@{self.entry_type}{{{self.key},\n{body}\n}}\n"

    def text(self) -> str:
        """One line for people: authors, title, venue volume, pages (year), DOI."""
        names = [a.strip("{}") for a in self.authors if a != "others"]
        if not names and not self.title:
            return f"DOI {self.doi}" + (f"; {self.note}" if self.note else "")
        who = ", ".join(_short(n) for n in names[:2])
        if len(names) > 2 or "others" in self.authors:
            who = f"{_short(names[0])} et al."
        parts = [who, self.title, " ".join(p for p in (self.venue, self.volume) if p)]
        parts += [self.pages] if self.pages else []
        line = ", ".join(p for p in parts if p) + (f" ({self.year})" if self.year else "")
        if self.doi:
            line += f", DOI {self.doi}"
        elif self.url:
            line += f", {self.url}"
        return line + (f"; {self.note}" if self.note else "")


def _short(name: str) -> str:
    last, _, first = name.partition(", ")
    return f"{first} {last}".strip() if first else last


def _ascii(value: str) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in value)


def doi_key(doi: str) -> str:
    """The BibTeX key of a DOI-only entry: ``doi:`` and the DOI in lower case, made key-safe."""
    return "doi:" + re.sub(r"[^a-z0-9.:_-]", "_", doi.strip().lower())


def doi_reference(doi: str, note: str = "") -> Reference:
    """The entry for ``doi``: the full one when :data:`REFERENCES` has it, else DOI only."""
    wanted = doi.strip().lower()
    for reference in REFERENCES.values():
        if reference.doi.lower() == wanted:
            return reference.with_note(note) if note else reference
    return Reference(doi_key(doi), "misc", (), "", "", doi=doi.strip(), note=note)


def _ref(
    key: str, entry_type: EntryType, authors: str, title: str, year: str, **kw: str
) -> Reference:
    return Reference(key, entry_type, tuple(authors.split(" and ")), title, year, **kw)


_ENTRIES = (
    # Data
    _ref("ogbolu2025", "article", "Ogbolu, B. O. and Gamaralalage, T. N. D. D. and others",
         "Li2TaS(1-x)O(x)Cl5: Triple-Anion Glassy Superionic Conductors for High-Performance "
         "Solid-State Batteries", "2025", venue="ACS Materials Letters", volume="7",
         pages="4029-4036", doi="10.1021/acsmaterialslett.5c01054"),
    _ref("therrien2026obelix", "article",
         "Therrien, F. and Abou Haibeh, J. and Sharma, D. and Hendley, R. and others",
         "OBELiX: A Curated Dataset of Crystal Structures and Experimentally Measured Ionic "
         "Conductivities for Lithium Solid-State Electrolytes", "2026",
         venue="Digital Discovery", doi="10.1039/D5DD00441A",
         note="arXiv:2502.14234; data CC BY 4.0"),
    _ref("hargreaves2023", "article", "Hargreaves, C. J. and others",
         "A database of experimentally measured lithium solid electrolyte conductivities "
         "evaluated with machine learning", "2023", venue="npj Computational Materials",
         volume="9", pages="9", doi="10.1038/s41524-022-00951-z",
         note="the Liverpool Ionics Dataset"),
    _ref("laskowski2023", "article", "Laskowski, F. A. L. and others",
         "Identification of potential solid-state Li-ion conductors with semi-supervised "
         "learning", "2023", venue="Energy & Environmental Science", volume="16",
         pages="1264", doi="10.1039/D2EE03499A"),
    _ref("mchaffie2025", "misc", "McHaffie, D. and others", "", "2025",
         venue="Digital Discovery", doi="10.1039/D5DD00052A",
         note="ICSD-linked Li-ion conductivity database, CaltechDATA record 23mvv-6gk43, CC0 1.0"),
    _ref("dejong2015", "article", "de Jong, M. and others",
         "Charting the complete elastic properties of inorganic crystalline compounds", "2015",
         venue="Scientific Data", volume="2", pages="150009", doi="10.1038/sdata.2015.9"),
    _ref("jain2013", "article", "Jain, A. and others",
         "Commentary: The Materials Project: A materials genome approach to accelerating "
         "materials innovation", "2013", venue="APL Materials", volume="1", pages="011002",
         doi="10.1063/1.4812323", note="Materials Project data, CC BY 4.0"),
    _ref("matcalc", "misc", "{Materials Virtual Lab}",
         "matcalc: Materials Project binary elasticity benchmark data "
         "(mp-binary-pbe-elasticity-2025.1)", "2025", url="https://github.com/materialsvirtuallab/matcalc"),
    # Descriptors
    _ref("ward2016magpie", "article", "Ward, L. and Agrawal, A. and Choudhary, A. and Wolverton, C.",
         "A general-purpose machine learning framework for predicting properties of inorganic "
         "materials", "2016", venue="npj Computational Materials", volume="2", pages="16028",
         doi="10.1038/npjcompumats.2016.28", note="Magpie element-property statistics"),
    _ref("ward2018matminer", "article", "Ward, L. and others",
         "Matminer: An open source toolkit for materials data mining", "2018",
         venue="Computational Materials Science", volume="152", pages="60-69",
         doi="10.1016/j.commatsci.2018.05.018"),
    _ref("shannon1976", "article", "Shannon, R. D.",
         "Revised effective ionic radii and systematic studies of interatomic distances in "
         "halides and chalcogenides", "1976", venue="Acta Crystallographica Section A",
         volume="32", pages="751-767", doi="10.1107/S0567739476001551",
         note="ionic radii of the anion and cation descriptors"),
    _ref("tessman1953", "article", "Tessman, J. R. and Kahn, A. H. and Shockley, W.",
         "Electronic polarizabilities of ions in crystals", "1953", venue="Physical Review",
         volume="92", pages="890", doi="10.1103/PhysRev.92.890",
         note="anion polarisabilities of the anion descriptors"),
    _ref("gaultois2013", "article", "Gaultois, M. W. and others",
         "Data-driven review of thermoelectric materials: performance and resource "
         "considerations", "2013", venue="Chemistry of Materials", volume="25",
         pages="2911-2920", doi="10.1021/cm400893e", note="HHI supply-risk data"),
    _ref("richards2016", "article", "Richards, W. D. and Miara, L. J. and Wang, Y. and Kim, J. C. "
         "and Ceder, G.", "Interface stability in solid-state batteries", "2016",
         venue="Chemistry of Materials", volume="28", pages="266-273",
         doi="10.1021/acs.chemmater.5b04082", note="electrochemical stability window"),
    _ref("zhu2015", "article", "Zhu, Y. and He, X. and Mo, Y.",
         "Origin of outstanding stability in the lithium solid electrolyte materials: insights "
         "from thermodynamic analyses based on first-principles calculations", "2015",
         venue="ACS Applied Materials & Interfaces", volume="7", pages="23685-23693",
         doi="10.1021/acsami.5b07517", note="electrochemical stability window"),
    # Models and intervals
    _ref("pedregosa2011sklearn", "article",
         "Pedregosa, F. and Varoquaux, G. and Gramfort, A. and Michel, V. and Thirion, B. and "
         "Grisel, O. and Blondel, M. and Prettenhofer, P. and Weiss, R. and Dubourg, V. and "
         "Vanderplas, J. and Passos, A. and Cournapeau, D. and Brucher, M. and Perrot, M. and "
         "Duchesnay, E.", "Scikit-learn: Machine Learning in Python", "2011",
         venue="Journal of Machine Learning Research", volume="12", pages="2825-2830",
         url="https://jmlr.org/papers/v12/pedregosa11a.html"),
    _ref("breiman2001", "article", "Breiman, L.", "Random Forests", "2001",
         venue="Machine Learning", volume="45", pages="5-32", doi="10.1023/A:1010933404324"),
    _ref("geurts2006", "article", "Geurts, P. and Ernst, D. and Wehenkel, L.",
         "Extremely randomized trees", "2006", venue="Machine Learning", volume="63",
         pages="3-42", doi="10.1007/s10994-006-6226-1"),
    _ref("papadopoulos2011", "article", "Papadopoulos, H. and Vovk, V. and Gammerman, A.",
         "Regression Conformal Prediction with Nearest Neighbours", "2011",
         venue="Journal of Artificial Intelligence Research", volume="40", pages="815-840",
         doi="10.1613/jair.3198", note="normalised nonconformity scores"),
    _ref("lei2018", "article",
         "Lei, J. and G'Sell, M. and Rinaldo, A. and Tibshirani, R. J. and Wasserman, L.",
         "Distribution-Free Predictive Inference for Regression", "2018",
         venue="Journal of the American Statistical Association", volume="113",
         pages="1094-1111", doi="10.1080/01621459.2017.1307116", note="split conformal"),
    # Software with a paper to cite
    _ref("ong2013pymatgen", "article", "Ong, S. P. and others",
         "Python Materials Genomics (pymatgen): A robust, open-source python library for "
         "materials analysis", "2013", venue="Computational Materials Science", volume="68",
         pages="314-319", doi="10.1016/j.commatsci.2012.10.028"),
    _ref("harris2020numpy", "article", "Harris, C. R. and others",
         "Array programming with NumPy", "2020", venue="Nature", volume="585",
         pages="357-362", doi="10.1038/s41586-020-2649-2"),
    _ref("virtanen2020scipy", "article", "Virtanen, P. and others",
         "SciPy 1.0: Fundamental Algorithms for Scientific Computing in Python", "2020",
         venue="Nature Methods", volume="17", pages="261-272",
         doi="10.1038/s41592-019-0686-2"),
    _ref("mckinney2010pandas", "inproceedings", "McKinney, W.",
         "Data Structures for Statistical Computing in Python", "2010",
         venue="Proceedings of the 9th Python in Science Conference", pages="56-61",
         doi="10.25080/Majora-92bf1922-00a"),
    _ref("raasveldt2019duckdb", "inproceedings", "Raasveldt, M. and Mühleisen, H.",
         "DuckDB: an Embeddable Analytical Database", "2019",
         venue="Proceedings of the 2019 International Conference on Management of Data "
         "(SIGMOD)", pages="1981-1984", doi="10.1145/3299869.3320212"),
    _ref("rocklin2015dask", "inproceedings", "Rocklin, M.",
         "Dask: Parallel Computation with Blocked algorithms and Task Scheduling", "2015",
         venue="Proceedings of the 14th Python in Science Conference", pages="130-136",
         doi="10.25080/Majora-7b98e3ed-013"),
)  # fmt: skip

#: Every known reference by BibTeX key.
REFERENCES: dict[str, Reference] = {entry.key: entry for entry in _ENTRIES}

#: The references of each measurement source; ``log`` (the user's rows) cites its rows' DOIs.
SOURCE_REFERENCES: dict[str, tuple[str, ...]] = {
    "bundled": ("ogbolu2025",),
    "log": (),
    "obelix": ("therrien2026obelix",),
    "obelix_train": ("therrien2026obelix",),
    "obelix_test": ("therrien2026obelix",),
    "liverpool": ("hargreaves2023",),
    "laskowski": ("laskowski2023",),
    "mchaffie": ("mchaffie2025",),
    "elastic_tensor_2015": ("dejong2015", "jain2013"),
    "mp_binary_elasticity": ("jain2013", "dejong2015", "matcalc"),
    "mp_elastic": ("jain2013", "dejong2015"),
}

#: Installed distributions whose authors ask for a paper to be cited, and that paper.
PACKAGE_REFERENCES: dict[str, str] = {
    "numpy": "harris2020numpy",
    "scipy": "virtanen2020scipy",
    "pandas": "mckinney2010pandas",
    "scikit-learn": "pedregosa2011sklearn",
    "pymatgen": "ong2013pymatgen",
    "matminer": "ward2018matminer",
    "duckdb": "raasveldt2019duckdb",
    "dask": "rocklin2015dask",
}
