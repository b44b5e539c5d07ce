"""Checking and summarising a whole study: ``research-kit check`` and ``research-kit summary``.

:func:`check_folder` reads every raw file a study names (settings, notes, codebook, surveys,
population margins, process maps, event logs), validates each against the study's rules and the
others (a code's process step must exist; a survey's ward values must be allowed ones), and
returns every problem found, in file order. It never writes anything. :func:`summarise_study`
says what a study holds, as a tidy table.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import EventLogError, Problem, ResearchKitError, SurveyError
from research_kit.settings import AttributeSpec, StudySettings, validate_settings

if TYPE_CHECKING:
    from research_kit.interviews.documents import Document
    from research_kit.study import Study

MARGIN_COLUMNS = ("variable", "category", "population")


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
    step_ids: set[str] = set()
    activities: set[str] = set()
    for path in settings.process_maps:
        found, map_steps, map_activities = _check_process_map(path)
        problems += found
        step_ids |= map_steps
        activities |= map_activities
    problems += _check_notes(settings)
    problems += _check_codebook(settings, step_ids)
    if settings.codings:
        problems += _check_codings(settings)
    problems += _check_autocode_rules(settings)
    for source in settings.surveys:
        problems += _check_survey(source, settings)
        if source.population_margins is not None:  # checked even when the export is broken
            problems += _check_margins(source.population_margins)
    for log in settings.event_logs:
        problems += _check_event_log(log, settings, activities)
    problems += _check_database(settings)
    return _in_file_order(problems)


def check_study(study: Study) -> list[Problem]:
    """Validate every raw file of an open study (see :func:`check_folder`)."""
    return check_folder(study.folder)


def attribute_problems(document: Document, attributes: dict[str, AttributeSpec]) -> list[Problem]:
    """Problems with a note's attributes against the study's attribute schema."""
    problems = []
    for name, spec in attributes.items():
        message = spec.problem_with(document.attributes.get(name))
        if message:
            allowed = f"allowed: {', '.join(spec.values)}" if spec.values else ""
            problems.append(
                Problem(
                    document.path,
                    message,
                    allowed or f"fix '{name}:' in the note's front matter",
                    line=_front_matter_line(document, name),
                )
            )
    for name in document.attributes:
        if attributes and name not in attributes:
            problems.append(
                Problem(
                    document.path,
                    f"attribute {name!r} is not in study.yml's attribute schema",
                    "add it under 'attributes:' in study.yml so it can be used in breakdowns",
                    line=_front_matter_line(document, name),
                    severity="warning",
                )
            )
    return problems


def _check_notes(settings: StudySettings) -> list[Problem]:
    from research_kit.interviews.documents import note_paths, validate_note_file

    folder = settings.notes
    if folder is None:
        return []
    if folder.exists() and not folder.is_dir():
        return [Problem(folder, "is not a folder", "name the folder that holds the notes")]
    if not folder.is_dir():
        return [
            Problem(
                folder,
                "the notes folder does not exist",
                "create it and put interview notes (.md, .txt, .docx) in it",
                severity="warning",
            )
        ]
    problems = []
    stems = Counter(path.stem for path in note_paths(folder))
    documents = []
    for path in note_paths(folder):
        document, found = validate_note_file(path)
        problems += found
        if document is not None:
            documents.append(document)
            problems += attribute_problems(document, settings.attributes)
        if stems[path.stem] > 1:
            problems.append(
                Problem(
                    path,
                    f"another note is also called {path.stem!r}",
                    "give every note its own file name (the name is the document id)",
                )
            )
    return problems + _shared_id_problems(documents, settings)


def _shared_id_problems(documents: list[Document], settings: StudySettings) -> list[Problem]:
    """Notes after the first that give the same participant id (an ``id`` attribute)."""
    names = [name for name, spec in settings.attributes.items() if spec.type == "id"]
    problems = []
    for name in names or ["participant"]:
        first: dict[str, Document] = {}
        for document in documents:
            value = document.attributes.get(name)
            if value is None or str(value).strip() == "":
                continue
            earlier = first.setdefault(str(value).strip(), document)
            if earlier is document:
                continue
            line = _front_matter_line(earlier, name)
            where = earlier.path.name + (f", line {line}" if line else "")
            problems.append(
                Problem(
                    document.path,
                    f"{name} {value!r} is also the {name} of {where}",
                    "give each participant their own id; if this is a second interview with "
                    "the same person, that is fine (they count once as a participant)",
                    line=_front_matter_line(document, name),
                    severity="warning",
                )
            )
    return problems


def _check_codebook(settings: StudySettings, step_ids: set[str]) -> list[Problem]:
    from research_kit.interviews.codebook import validate_codebook

    path = settings.codebook
    if path is None:
        return []
    if not path.exists():
        return [
            Problem(
                path,
                "the study has no codebook yet",
                "write one (see the sample study's codebook.yml) before coding",
                severity="warning",
            )
        ]
    codebook, problems = validate_codebook(path)
    for code in codebook:
        if code.process_step and step_ids and code.process_step not in step_ids:
            problems.append(
                Problem(
                    path,
                    f"code {code.id!r} links to process step {code.process_step!r}, "
                    "which no process map has",
                    "use a step id from the study's process map",
                    line=code.line,
                    severity="warning",
                )
            )
    return problems


def _check_database(settings: StudySettings) -> list[Problem]:
    """The database against codebook.yml, unfinished changes and integrity (read-only)."""
    from research_kit.interviews.codebook import validate_codebook
    from research_kit.staging import pending_changes
    from research_kit.store import Store

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
    from research_kit.interviews.codebook_edits import codebook_differences

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


def _check_codings(settings: StudySettings) -> list[Problem]:
    from research_kit.interviews.codebook import validate_codebook
    from research_kit.interviews.coding_io import codings_file_problems
    from research_kit.interviews.documents import note_paths, read_note

    documents = {}
    for path in note_paths(settings.notes) if settings.notes else []:
        try:
            document = read_note(path)
        except ResearchKitError:
            continue  # reported with the notes
        documents[document.id] = document
    codes = set()
    if settings.codebook is not None and settings.codebook.exists():
        codes = set(validate_codebook(settings.codebook)[0].codes)
    problems = []
    for path in settings.codings:
        problems += codings_file_problems(path, documents, codes)
    return problems


def _check_autocode_rules(settings: StudySettings) -> list[Problem]:
    from research_kit.interviews.autocode import validate_rules
    from research_kit.interviews.codebook import validate_codebook

    if not (settings.folder / "autocode.yml").exists():
        return []
    codebook = None
    if settings.codebook is not None and settings.codebook.exists():
        codebook = validate_codebook(settings.codebook)[0]
    return validate_rules(settings.folder, codebook=codebook)[1]


def _check_survey(source, settings: StudySettings) -> list[Problem]:
    from research_kit.survey.ingest import read_survey

    try:
        frame = read_survey(source.path)
    except SurveyError as exc:
        return [exc.as_problem()]
    problems = []
    needed = [source.respondent_id, *source.attributes, *source.open_ended, *source.likert]
    for column in needed:
        if column not in frame.columns:
            problems.append(
                Problem(
                    source.path,
                    f"has no column {column!r} (named in study.yml)",
                    "fix the column name in study.yml or export the survey with that question",
                    line=1,
                )
            )
    if source.respondent_id in frame.columns:
        problems += _respondent_id_problems(frame, source)
    for column, attribute in source.attributes.items():
        spec = settings.attributes.get(attribute)
        if column in frame.columns and spec is not None and spec.values:
            problems += _survey_value_problems(frame, column, spec, source)
    return problems


def _respondent_id_problems(frame: pd.DataFrame, source) -> list[Problem]:
    ids = frame[source.respondent_id]
    problems = []
    if ids.isna().any():
        row = int(ids.isna().to_numpy().nonzero()[0][0]) + 2
        problems.append(
            Problem(source.path, "a response has no respondent id", "fill it in", line=row)
        )
    duplicated = ids[ids.duplicated() & ids.notna()]
    if not duplicated.empty:
        row = int(duplicated.index[0]) + 2
        problems.append(
            Problem(
                source.path,
                f"respondent id {duplicated.iloc[0]!r} appears more than once",
                "remove duplicate submissions or give each response its own id",
                line=row,
            )
        )
    return problems


def _survey_value_problems(frame, column: str, spec: AttributeSpec, source) -> list[Problem]:
    values = frame[column].dropna()
    unknown = values[~values.isin(spec.values)]
    if unknown.empty:
        return []
    counts = unknown.value_counts()
    shown = ", ".join(f"{value!r} ({count})" for value, count in counts.head(5).items())
    return [
        Problem(
            source.path,
            f"column {column!r} has values that are not allowed {spec.name}s: {shown}",
            f"recode them, or add them to '{spec.name}' values in study.yml",
            line=int(unknown.index[0]) + 2,
            severity="warning",
        )
    ]


def _check_margins(path: Path) -> list[Problem]:
    from research_kit.tables import read_csv_table, require_columns

    try:
        margins = read_csv_table(path, error_class=SurveyError)
        require_columns(margins, {c: c for c in MARGIN_COLUMNS}, path, SurveyError)
    except SurveyError as exc:
        return [exc.as_problem()]
    population = pd.to_numeric(margins["population"], errors="coerce")
    if population.isna().any() or (population < 0).any():
        row = int((population.isna() | (population < 0)).to_numpy().nonzero()[0][0]) + 2
        return [Problem(path, "a population is not a positive number", "fix it", line=row)]
    totals = population.groupby(margins["variable"]).sum()
    if totals.nunique() > 1 and (totals.max() - totals.min()) > 1e-6 * totals.max():
        listed = ", ".join(f"{name} {total:,.0f}" for name, total in totals.items())
        return [
            Problem(
                path,
                f"the margins do not add up to the same population ({listed})",
                "each variable's categories should add up to the same total",
                severity="warning",
            )
        ]
    return []


def _check_process_map(path: Path) -> tuple[list[Problem], set[str], set[str]]:
    from research_kit.process.spec import validate_process_map

    spec, problems = validate_process_map(path)
    steps = {step.id for step in spec.steps}
    activities = {step.activity for step in spec.steps if step.activity}
    return problems, steps, activities


def _check_event_log(source, settings: StudySettings, activities: set[str]) -> list[Problem]:
    from research_kit.process.eventlog import read_event_log

    try:
        log = read_event_log(
            source.path,
            case=source.case,
            activity=source.activity,
            timestamp=source.timestamp,
            start_timestamp=source.start_timestamp,
            resource=source.resource,
            lifecycle=source.lifecycle,
            transition=source.transition,
            timezone=source.timezone or settings.timezone,
            errors="drop",
        )
    except EventLogError as exc:
        return [exc.as_problem()]
    problems = []
    unparsed = log.attrs.get("unparsed_lines", [])
    if unparsed:
        shown = ", ".join(map(str, unparsed[:5])) + (" …" if len(unparsed) > 5 else "")
        problems.append(
            Problem(
                source.path,
                f"{len(unparsed)} timestamp(s) cannot be read (lines {shown})",
                "write times as ISO 8601, e.g. 2025-03-04T09:15:00-08:00",
                line=unparsed[0],
            )
        )
    unmatched = sorted(set(log["activity"].unique()) - activities) if activities else []
    if unmatched:
        problems.append(
            Problem(
                source.path,
                f"activities not on any process map step: {', '.join(unmatched[:8])}",
                "add 'activity:' to the matching steps so durations can be shown on the map",
                severity="warning",
            )
        )
    return problems


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


def _front_matter_line(document: Document, key: str) -> int | None:
    """Line of ``key:`` in a note's front matter (found by reading the file again)."""
    if document.encoding == "docx" or document.body_line <= 1:
        return None
    try:
        lines = document.path.read_bytes().decode(document.encoding).splitlines()
    except (OSError, UnicodeDecodeError, LookupError):
        return None
    for number, line in enumerate(lines[: document.body_line], start=1):
        if line.split(":", 1)[0].strip() == key:
            return number
    return 1


def _shorten(text: str, limit: int = 45) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))
