"""One exception hierarchy for everything research_kit reports to a person.

Every error a user can cause (a broken file, an invalid codebook, a locked database) is a
:class:`ResearchKitError` carrying the file, the line or record, what is wrong and what to do,
so that the command line and the notebooks can show it without a traceback. Problems found by
validation (``research-kit check``) are :class:`Problem` records; a loader that meets an error
raises the first one wrapped in the matching exception class.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one raw file, as ``research-kit check`` prints it.

    Parameters
    ----------
    path : Path or str
        The file the problem is in.
    message : str
        What is wrong, in plain words.
    hint : str
        What to do about it.
    line : int or None
        1-based line (or CSV row) number, when known.
    severity : {"error", "warning"}
        Errors stop a file from loading; warnings are worth a look.

    Examples
    --------
    >>> print(Problem("notes/P01.md", "front matter is not closed", "add a line '---'", line=1))
    notes/P01.md:1: front matter is not closed — add a line '---'
    """

    path: Path | str
    message: str
    hint: str = ""
    line: int | None = None
    severity: Severity = "error"

    def location(self) -> str:
        """Return ``file:line`` (or just ``file`` when the line is unknown)."""
        return f"{self.path}:{self.line}" if self.line else f"{self.path}"

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.severity == "warning":
            text = f"{self.location()}: warning: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class ResearchKitError(Exception):
    """Base class of every error research_kit raises on purpose.

    Parameters
    ----------
    message : str
        What is wrong.
    path : Path or str, optional
        The file involved.
    line : int, optional
        1-based line or row number.
    hint : str, optional
        What the user can do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str = "",
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    @classmethod
    def from_problem(cls, problem: Problem) -> ResearchKitError:
        """Build the error that reports ``problem``."""
        return cls(problem.message, path=problem.path, line=problem.line, hint=problem.hint)

    def as_problem(self) -> Problem:
        """Return this error as a :class:`Problem` (for ``research-kit check``)."""
        return Problem(self.path or "?", self.message, self.hint, self.line)

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}" + (f" — {self.hint}" if self.hint else "")


class InputError(ResearchKitError):
    """A raw file of the study cannot be read or is not valid."""


class StudyConfigError(InputError):
    """``study.yml`` is missing something or holds an invalid value."""


class NoteError(InputError):
    """An interview note cannot be read (encoding, front matter, attributes)."""


class DocumentChangedError(NoteError):
    """A note's file changed after it was coded; its codings must be reviewed, not re-aligned."""


class CodingError(ResearchKitError):
    """A coding cannot be applied (unknown document or code, span outside the text, …)."""


class CodebookError(InputError):
    """The codebook is not valid (duplicate codes, unknown parents, bad fields)."""


class SurveyError(InputError):
    """A survey export cannot be read or lacks a column the study needs."""


class ClusterEditError(SurveyError):
    """A cluster edit or kept run cannot be made (unknown cluster or respondent, bad name…)."""


class ProcessMapError(InputError):
    """A process map (YAML) is not valid."""


class EventLogError(InputError):
    """An event log cannot be read or lacks a column the study needs."""


class MeasuresError(InputError):
    """The measures file (``measures.yml``) or a measure's values file is not valid."""


class BoundaryError(InputError):
    """A boundary file (the shapes of wards or districts) cannot be read or does not fit."""


class AuditError(ResearchKitError):
    """A file given to the privacy audit is missing or cannot be read in any format it knows."""


class StoreError(ResearchKitError):
    """The study database cannot be opened, migrated or written."""


class DatabaseBusyError(StoreError):
    """Another process kept the database busy for longer than we were willing to wait."""


class SchemaVersionError(StoreError):
    """The database was written by a newer research_kit than the one running."""


def raise_first_error(problems: list[Problem], error_class: type[ResearchKitError]) -> None:
    """Raise ``error_class`` for the first error-severity problem, if there is one."""
    for problem in problems:
        if problem.severity == "error":
            raise error_class.from_problem(problem)


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """A hint suffix naming the closest choice to a misspelt ``word`` (empty when none is close).

    Examples
    --------
    >>> did_you_mean("waitng", ["waiting", "portal"])
    " (did you mean 'waiting'?)"
    """
    close = difflib.get_close_matches(str(word), [str(choice) for choice in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_choice(name: str, value: object, choices: Sequence[object]) -> None:
    """Refuse an option ``value`` that is not one of its ``choices``, naming the option.

    Examples
    --------
    >>> check_choice("unit", "excerpt", ("excerpt", "document"))
    >>> check_choice("unit", "page", ("excerpt", "document"))
    Traceback (most recent call last):
    ...
    ValueError: unit must be one of 'excerpt', 'document', not 'page'
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")
