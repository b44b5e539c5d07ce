"""Checking and summarising a whole study: ``research-kit check`` and ``research-kit summary``.

This module sits on the top floor, beside the CLI: :func:`check_folder` composes the checks
each room makes of its own material (``interviews``, ``survey``, ``process``, ``measures`` and
``places`` each offer ``check(settings)``), adds the settings and the database (integrity,
unfinished changes, ``codebook.yml`` against the codes table), and returns every problem found,
in file order. It never writes anything. :func:`summarise_study` says what a study holds, as a
tidy table.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit import interviews, measures, places, process, survey
from research_kit.errors import Problem, ResearchKitError
from research_kit.interviews.codebook import validate_codebook
from research_kit.interviews.codebook_edits import codebook_differences
from research_kit.settings import StudySettings, validate_settings
from research_kit.staging import pending_changes
from research_kit.store import Store

if TYPE_CHECKING:
    from research_kit.study import Study


def check_folder(folder: Path | str) -> list[Problem]:
    """Validate every raw file of the study in ``folder``; return all problems, in order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> [str(p) for p in check_folder(pathlib.Path(tempfile.mkdtemp()))][0].endswith(
    ...     "study.yml: file not found — check the path in study.yml")
    True
    """
    settings, problems = validate_settings(folder)
    if any(p.severity == "error" for p in problems) and not settings.path.exists():
        return problems
    # Each room checks its own material; they link only through what is passed here.
    problems += process.check(settings)
    problems += interviews.check(settings, process_steps=process.process_steps(settings))
    problems += survey.check(settings)
    problems += measures.check(settings)
    problems += places.check(settings)
    problems += _check_database(settings)
    return _in_file_order(problems)


def check_study(study: Study) -> list[Problem]:
    """Validate every raw file of an open study (see :func:`check_folder`)."""
    return check_folder(study.folder)


def _check_database(settings: StudySettings) -> list[Problem]:
    """The database against codebook.yml, unfinished changes and integrity (read-only)."""

    location = settings.database_location
    if "://" not in location and not Path(location).exists():
        return []  # nothing saved yet
    try:
        store = Store(location, migrate=False)
        try:
            if store.schema_version != store.head_revision:
                return []  # migrated when the study is next opened; compare after that
            problems = [
                Problem(
                    store.location_for_messages(),
                    f"database check: {problem}",
                    "restore the database from a backup, or report this",
                )
                for problem in store.integrity_check()
            ]
            problems += [
                Problem(
                    settings.folder / target,
                    f"a change saved at {saved:%Y-%m-%d %H:%M} has not reached this file yet",
                    "open the study (or run any research-kit command on it) to finish it",
                    severity="warning",
                )
                for target, saved in pending_changes(store)
            ]
            codebook, codebook_problems = (
                validate_codebook(settings.codebook)
                if settings.codebook is not None and settings.codebook.exists()
                else (None, [])
            )
            if codebook is not None and not any(p.severity == "error" for p in codebook_problems):
                problems += _codebook_database_problems(codebook, store)
            return problems
        finally:
            store.close()
    except ResearchKitError as exc:
        return [exc.as_problem()]


def _codebook_database_problems(codebook, store) -> list[Problem]:

    return [
        Problem(
            codebook.path,
            f"code {row.code_id!r}: {row.difference}"
            + (f" ({row.codings} codings use it)" if row.codings else ""),
            f"run 'research-kit codebook sync' to {row.action}",
            severity=row.severity,
        )
        for row in codebook_differences(codebook, store).itertuples()
    ]


def summarise_study(study: Study) -> pd.DataFrame:
    """What a study holds: one row per (section, item, value); unreadable parts say why.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from research_kit.study import open_study
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "s")
    >>> summarise_study(study).query("item == 'documents'")["value"].tolist()
    [0]
    >>> study.close()
    """
    rows: list[tuple[str, str, object]] = [
        ("study", "name", study.name),
        ("study", "question", study.question or "(not set)"),
        ("study", "folder", str(study.folder)),
        ("study", "minimum cell size", study.min_cell_size),
    ]
    rows += _guarded("interviews", lambda: _interview_rows(study))
    rows += _guarded("codebook", lambda: _codebook_rows(study))
    rows += _database_rows(study)
    for source in study.settings.surveys:
        rows += _guarded(f"survey {source.id}", lambda s=source: _survey_rows(study, s))
    for index, path in enumerate(study.settings.process_maps):
        rows += _guarded(f"process map {path.name}", lambda i=index: _process_rows(study, i))
    for log in study.settings.event_logs:
        rows += _guarded(f"event log {log.id}", lambda s=log: _event_log_rows(study, s))
    return pd.DataFrame(rows, columns=["section", "item", "value"])


def _guarded(section: str, make_rows) -> list[tuple[str, str, object]]:
    try:
        return make_rows()
    except ResearchKitError as exc:
        return [(section, "cannot be read", str(exc))]


def _interview_rows(study: Study) -> list[tuple[str, str, object]]:
    documents = study.documents()
    rows = [
        ("interviews", "documents", len(documents)),
        ("interviews", "words", sum(doc.n_words for doc in documents)),
    ]
    for attribute in ("role", "ward"):
        counts = Counter(str(doc.attributes.get(attribute)) for doc in documents)
        if documents and attribute in study.settings.attributes:
            shown = ", ".join(f"{value} {count}" for value, count in sorted(counts.items()))
            rows.append(("interviews", f"by {attribute}", shown))
    return rows


def _codebook_rows(study: Study) -> list[tuple[str, str, object]]:
    codebook = study.codebook()
    return [
        ("codebook", "themes", len(codebook.themes)),
        ("codebook", "codes", len(codebook) - len(codebook.themes)),
    ]


def _database_rows(study: Study) -> list[tuple[str, str, object]]:
    store = study.store
    rows = [
        ("database", "location", store.location_for_messages()),
        ("database", "schema version", store.schema_version),
    ]
    for table in ("documents", "coders", "codings", "memos"):
        label = "documents registered" if table == "documents" else table
        rows.append(("database", label, store.count(table)))
    return rows


def _survey_rows(study: Study, source) -> list[tuple[str, str, object]]:
    frame = study.survey(source.id)
    section = f"survey {source.id}"
    rows = [
        (section, "file", source.path.name),
        (section, "respondents", len(frame)),
        (section, "columns", frame.shape[1]),
        (section, "open-ended questions", len(source.open_ended)),
    ]
    for question in source.open_ended:
        answered = int(frame[question].fillna("").str.strip().ne("").sum())
        rows.append((section, f"answered: {_shorten(question)}", answered))
    return rows


def _process_rows(study: Study, index: int) -> list[tuple[str, str, object]]:
    spec = study.process_map(index)
    section = f"process map {study.settings.process_maps[index].name}"
    return [
        (section, "name", spec.name),
        (section, "lanes", len(spec.lanes)),
        (section, "steps", len(spec.steps)),
        (section, "decisions", sum(step.kind == "decision" for step in spec.steps)),
        (section, "flows", len(spec.flows)),
    ]


def _event_log_rows(study: Study, source) -> list[tuple[str, str, object]]:
    log = study.event_log(source.id, errors="drop")
    section = f"event log {source.id}"
    first, last = log["timestamp"].min(), log["timestamp"].max()
    return [
        (section, "file", source.path.name),
        (section, "cases", log["case_id"].nunique()),
        (section, "events", len(log)),
        (section, "activities", log["activity"].nunique()),
        (section, "period", f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"),
    ]


def _shorten(text: str, limit: int = 45) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))
