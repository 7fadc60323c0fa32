"""The project's error types.

Every error that anionscreen raises on purpose is an :class:`AnionscreenError`, a
:class:`ValueError` subclass, so callers can catch one type and the CLI can map it to a
message and a non-zero exit code. Messages name the offending thing, its value and what was
expected.
"""

from __future__ import annotations

from dataclasses import dataclass

_SHOWN_CHARACTERS = 60


class AnionscreenError(ValueError):
    """Base class of every error anionscreen raises on purpose."""


class FormulaError(AnionscreenError):
    """A formula string that cannot be read as a composition.

    Parameters
    ----------
    text : str
        The text as the user or dataset gave it.
    reason : str
        Why it was rejected.
    """

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        shown = repr(text)
        if len(text) > _SHOWN_CHARACTERS:
            # A 6000-character input would bury the reason; its start identifies it.
            shown = f"{text[:_SHOWN_CHARACTERS]!r}... ({len(text)} characters)"
        super().__init__(f"cannot read formula {shown}: {reason}")


@dataclass(frozen=True)
class RowProblem:
    """One problem with one value of one row of a tabular input.

    ``row`` is the 1-based data row number as a spreadsheet user counts it: the first row
    after the header is row 1. ``line`` is the line in the file (header = line 1), when known.
    """

    file: str
    row: int
    column: str
    value: str
    expected: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}: row {self.row}"
        if self.line is not None:
            where += f" (line {self.line})"
        return f"{where}, column {self.column!r}: got {self.value!r}; expected {self.expected}"


class DataValidationError(AnionscreenError):
    """One or more rows of a table failed validation; nothing was written."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) found, nothing was written:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


class ChecksumError(AnionscreenError):
    """A file's sha256 differs from the one it must have.

    ``remedy`` says what to do; the default suits a downloaded dataset (fetch it again). A
    trained model cannot be fetched: the registry passes "retrain it ...".
    """

    def __init__(
        self,
        path: str,
        expected: str,
        actual: str,
        remedy: str = "delete it and fetch it again",
    ) -> None:
        self.path = path
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"checksum mismatch for {path}: expected sha256 {expected}, got {actual}. "
            f"The file is corrupt or was changed; {remedy}."
        )


class ConfigError(AnionscreenError):
    """A configuration (search space, campaign) is invalid; the message names the key."""
