"""A study's settings (``study.yml``): what the study asks, where its raw files are, its rules.

``study.yml`` names the study and its research question, declares the attribute schema of
participants (role, ward, …: which values are allowed), the minimum cell size below which group
breakdowns are suppressed, and where the raw material lives: the notes folder, the codebook,
survey exports (with which column is the respondent id, which are attributes, which questions
are open-ended, which surveys are waves of one series: :mod:`research_kit.settings.surveys`),
process maps and event logs (with their column mapping), and the process's time targets with
the business-day calendars they count on (:mod:`research_kit.settings.deadlines`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from research_kit.errors import Problem, StoreError, StudyConfigError, raise_first_error
from research_kit.rawfiles import read_text
from research_kit.settings.boundaries import BoundarySource, boundary_sources
from research_kit.settings.deadlines import (
    CalendarSetting,
    Deadline,
    calendar_settings,
    deadline_settings,
)
from research_kit.settings.starter import DEFAULT_MIN_CELL_SIZE as DEFAULT_MIN_CELL_SIZE
from research_kit.settings.starter import default_study_yaml as default_study_yaml
from research_kit.settings.surveys import SurveySource, survey_sources
from research_kit.settings.surveys import survey_waves as survey_waves
from research_kit.store import database_url
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

STUDY_FILE = "study.yml"
ATTRIBUTE_TYPES = ("id", "text", "category", "date", "number")
#: The largest min_cell_size accepted: more people than any city has, and small enough for
#: every count column to compare with (a 10**30 would overflow them).
MAX_MIN_CELL_SIZE = 10**9
#: The top-level settings of study.yml (docs/study-yml.md documents each).
STUDY_KEYS = (
    "name",
    "question",
    "min_cell_size",
    "attributes",
    "notes",
    "codebook",
    "codings",
    "surveys",
    "process_maps",
    "event_logs",
    "database",
    "text_model",
    "timezone",
    "privacy",
    "allow_outside_paths",
    "deadlines",
    "calendars",
    "measures",
    "boundaries",
)


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute of the schema: its type, whether it is required, its allowed values."""

    name: str
    type: str = "text"
    required: bool = False
    values: tuple[str, ...] = ()
    description: str = ""

    def problem_with(self, value: Any) -> str | None:
        """Say what is wrong with ``value`` for this attribute, or None if it is fine.

        Examples
        --------
        >>> AttributeSpec("ward", "category", values=("Ward 1",)).problem_with("Ward 9")
        "'Ward 9' is not an allowed ward"
        """
        if value is None or value == "":
            return f"{self.name} is required" if self.required else None
        if self.type == "category" and self.values and str(value) not in self.values:
            return f"{str(value)!r} is not an allowed {self.name}"
        if self.type == "date" and not _is_date(value):
            return f"{self.name} {value!r} is not a date"
        if self.type == "number" and not _is_number(value):
            return f"{self.name} {value!r} is not a number"
        return None


@dataclass(frozen=True)
class EventLogSource:
    """An event log of the study and its column mapping."""

    id: str
    path: Path
    case: str = "case_id"
    activity: str = "activity"
    timestamp: str = "timestamp"
    start_timestamp: str | None = None
    resource: str | None = None
    lifecycle: str | None = None
    transition: str | None = "complete"
    timezone: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class StudySettings:
    """Everything ``study.yml`` says, with paths resolved against the study folder."""

    folder: Path
    name: str
    question: str = ""
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE
    attributes: dict[str, AttributeSpec] = field(default_factory=dict)
    notes: Path | None = None
    codebook: Path | None = None
    codings: tuple[Path, ...] = ()
    surveys: tuple[SurveySource, ...] = ()
    process_maps: tuple[Path, ...] = ()
    event_logs: tuple[EventLogSource, ...] = ()
    database: str = "study.db"
    text_model: str = "auto"
    timezone: str = "UTC"
    #: People's names to hide in everything stakeholders see (``privacy: {names: [...]}``).
    privacy_names: tuple[str, ...] = ()
    #: Whether paths may lead outside the study folder (``allow_outside_paths: true``).
    allow_outside_paths: bool = False
    #: Time targets of the process (``deadlines:``) and the calendars they count on.
    deadlines: tuple[Deadline, ...] = ()
    calendars: dict[str, CalendarSetting] = field(default_factory=dict)
    #: The performance measures file (``measures:``, docs/measures-yml.md).
    measures: Path | None = None
    #: Boundary files of the study's places (``boundaries:``, research_kit.places).
    boundaries: tuple[BoundarySource, ...] = ()

    @property
    def path(self) -> Path:
        """The ``study.yml`` file."""
        return self.folder / STUDY_FILE

    @property
    def database_location(self) -> str:
        """The database as a path or a URL; a relative SQLite path is the study folder's."""
        scheme, separator, rest = self.database.partition("://")
        if not separator:
            return str(self.folder / self.database)
        if scheme.lower().startswith("sqlite") and rest.startswith("/") and rest[1:2] != "/":
            return f"{scheme}:///{self.folder / rest[1:]}"  # sqlite:///study.db is relative
        return self.database


def read_settings(folder: Path | str) -> StudySettings:
    """Read and validate ``study.yml`` in ``folder``.

    Raises
    ------
    StudyConfigError
        For the first error found.
    """
    settings, problems = validate_settings(folder)
    raise_first_error(problems, StudyConfigError)
    return settings


def validate_settings(folder: Path | str) -> tuple[StudySettings, list[Problem]]:
    """Read ``study.yml`` and return the settings with every problem found."""
    folder = Path(folder)
    path = folder / STUDY_FILE
    fallback = StudySettings(folder=folder, name=folder.name)
    try:
        raw = read_text(path, error_class=StudyConfigError)
        data = parse_yaml(raw.text, path, error_class=StudyConfigError)
    except StudyConfigError as exc:
        return fallback, [exc.as_problem()]
    if not isinstance(data, YamlMap):
        return fallback, [Problem(path, "is not a mapping", "write 'name: …' lines", line=1)]
    problems = _unknown_key_problems(data, path)
    settings = StudySettings(
        folder=folder,
        name=str(data.get("name") or folder.name),
        question=str(data.get("question") or ""),
        min_cell_size=_min_cell_size(data, path, problems),
        attributes=_attributes(data, path, problems),
        notes=_optional_path(folder, data.get("notes", "notes")),
        codebook=_optional_path(folder, data.get("codebook", "codebook.yml")),
        codings=tuple(folder / str(item) for item in _list(data, "codings", path, problems)),
        surveys=_surveys(data, folder, path, problems),
        process_maps=tuple(
            folder / str(item) for item in _list(data, "process_maps", path, problems)
        ),
        event_logs=tuple(_event_logs(data, folder, path, problems)),
        database=_database(data, path, problems),
        text_model=str(data.get("text_model") or "auto"),
        timezone=str(data.get("timezone") or "UTC"),
        privacy_names=_privacy_names(data, path, problems),
        allow_outside_paths=_allow_outside(data, path, problems),
        **_deadlines(data, path, problems),
        measures=_optional_path(folder, data.get("measures", "measures.yml")),
        boundaries=boundary_sources(
            _list(data, "boundaries", path, problems),
            folder,
            path,
            problems,
            line=data.line_of("boundaries"),
        ),
    )
    problems += _timezone_problems(settings, data, path)
    if not settings.allow_outside_paths:
        problems += _outside_path_problems(settings, data, path)
    return settings, problems


def _unknown_key_problems(data: YamlMap, path: Path) -> list[Problem]:
    return [
        Problem(
            path,
            f"unknown setting {key!r}",
            f"known settings are: {', '.join(STUDY_KEYS)}",
            line=data.line_of(key),
            severity="warning",
        )
        for key in data
        if key not in STUDY_KEYS
    ]


def _min_cell_size(data: YamlMap, path: Path, problems: list[Problem]) -> int:
    value = data.get("min_cell_size", DEFAULT_MIN_CELL_SIZE)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MIN_CELL_SIZE:
        shown = repr(value) if len(repr(value)) <= 24 else f"{repr(value)[:12]}…"
        problems.append(
            Problem(
                path,
                f"min_cell_size {shown} is not a whole number from 1 to {MAX_MIN_CELL_SIZE:,}",
                "use e.g. 5 (many agencies use 5 or 10)",
                line=data.line_of("min_cell_size"),
            )
        )
        return DEFAULT_MIN_CELL_SIZE
    return value


def _attributes(data: YamlMap, path: Path, problems: list[Problem]) -> dict[str, AttributeSpec]:
    block = data.get("attributes") or {}
    if not isinstance(block, dict):
        problems.append(
            Problem(
                path,
                "attributes must be a mapping of name: {type: …}",
                "see the sample study's study.yml",
                line=data.line_of("attributes"),
            )
        )
        return {}
    specs = {}
    for name, spec in block.items():
        line = block.line_of(name) if isinstance(block, YamlMap) else None
        spec = spec if isinstance(spec, dict) else {"type": spec or "text"}
        kind = str(spec.get("type", "text"))
        if kind not in ATTRIBUTE_TYPES:
            problems.append(
                Problem(
                    path,
                    f"attribute {name!r} has type {kind!r}",
                    f"use one of {', '.join(ATTRIBUTE_TYPES)}",
                    line=line,
                )
            )
            kind = "text"
        values = spec.get("values") or ()
        specs[str(name)] = AttributeSpec(
            name=str(name),
            type=kind,
            required=bool(spec.get("required", False)),
            values=tuple(str(value) for value in values),
            description=str(spec.get("description") or ""),
        )
    return specs


def _list(data: YamlMap, key: str, path: Path, problems: list[Problem]) -> list:
    value = data.get(key) or []
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        problems.append(
            Problem(path, f"{key} must be a list", "write entries as '- …'", data.line_of(key))
        )
        return []
    return value


def _privacy_names(data: YamlMap, path: Path, problems: list[Problem]) -> tuple[str, ...]:
    section = data.get("privacy")
    if section is None:
        return ()
    if not isinstance(section, YamlMap):
        problems.append(
            Problem(
                path,
                "privacy must be a mapping",
                "write 'privacy: {names: [First, Other Name]}'",
                line=data.line_of("privacy"),
            )
        )
        return ()
    names = _list(section, "names", path, problems)
    return tuple(dict.fromkeys(str(n).strip() for n in names if n is not None and str(n).strip()))


def _surveys(
    data: YamlMap, folder: Path, path: Path, problems: list[Problem]
) -> tuple[SurveySource, ...]:
    entries = _list(data, "surveys", path, problems)
    return survey_sources(entries, folder, path, problems, line=data.line_of("surveys"))


def _event_logs(data: YamlMap, folder: Path, path: Path, problems: list[Problem]):
    for index, entry in enumerate(_list(data, "event_logs", path, problems)):
        if isinstance(entry, str):
            entry = {"path": entry}
        line = entry.line if isinstance(entry, YamlMap) else data.line_of("event_logs")
        if not entry.get("path"):
            problems.append(
                Problem(path, "an event log needs 'path'", "name the CSV file", line=line)
            )
            continue
        yield EventLogSource(
            id=str(entry.get("id") or f"log_{index + 1}"),
            path=folder / str(entry["path"]),
            case=str(entry.get("case", "case_id")),
            activity=str(entry.get("activity", "activity")),
            timestamp=str(entry.get("timestamp", "timestamp")),
            start_timestamp=_optional_str(entry.get("start_timestamp")),
            resource=_optional_str(entry.get("resource")),
            lifecycle=_optional_str(entry.get("lifecycle")),
            transition=_optional_str(entry.get("transition", "complete")),
            timezone=_optional_str(entry.get("timezone")),
            line=line,
        )


def _deadlines(data: YamlMap, path: Path, problems: list[Problem]) -> dict[str, Any]:
    calendars = calendar_settings(
        data.get("calendars"), path, problems, line=data.line_of("calendars")
    )
    entries = _list(data, "deadlines", path, problems)
    return {
        "calendars": calendars,
        "deadlines": deadline_settings(entries, calendars, path, problems),
    }


def _allow_outside(data: YamlMap, path: Path, problems: list[Problem]) -> bool:
    value = data.get("allow_outside_paths", False)
    if not isinstance(value, bool):
        problems.append(
            Problem(
                path,
                f"allow_outside_paths must be true or false, not {value!r}",
                "write 'allow_outside_paths: true' to let paths leave the study folder",
                line=data.line_of("allow_outside_paths"),
            )
        )
        return False
    return value


def _outside_path_problems(settings: StudySettings, data: YamlMap, path: Path) -> list[Problem]:
    """Paths that lead out of the study folder (absolute, ``../`` or through a link)."""
    try:
        home = settings.folder.resolve()
    except (OSError, RuntimeError):
        return []  # the folder itself cannot be resolved: reading study.yml reported it
    problems = []
    for key, target, line in _named_paths(settings, data):
        try:
            inside = target.resolve().is_relative_to(home)
        except (OSError, RuntimeError):  # a loop of links never arrives anywhere
            inside = False
        if not inside:
            problems.append(
                Problem(
                    path,
                    f"{key} {_relative_text(target, settings.folder)!r} leads outside the study "
                    "folder",
                    "keep a study's raw files and database inside its folder (copy them in), or "
                    "add 'allow_outside_paths: true' to study.yml if that is intended",
                    line=line,
                )
            )
    return problems


def _named_paths(settings: StudySettings, data: YamlMap) -> list[tuple[str, Path, int | None]]:
    """Every path study.yml names, with its setting and line."""
    named: list[tuple[str, Path, int | None]] = []
    for key in ("notes", "codebook", "measures"):
        target = getattr(settings, key)
        if target is not None:
            named.append((key, target, data.line_of(key)))
    for key in ("codings", "process_maps"):
        lines = _item_lines(data, key)
        named += [(key, target, lines[i]) for i, target in enumerate(getattr(settings, key))]
    for source in settings.surveys:
        named.append(("survey", source.path, source.line))
        if source.population_margins is not None:
            named.append(("population_margins", source.population_margins, source.line))
    named += [("event log", log.path, log.line) for log in settings.event_logs]
    named += [("boundaries", source.path, source.line) for source in settings.boundaries]
    location = settings.database_location
    if location.lower().startswith("sqlite"):  # a server URL is not a file of the study
        location = location.split("://", 1)[1][1:].split("?", 1)[0]
    if "://" not in location:
        named.append(("database", Path(location), data.line_of("database")))
    return named


def _item_lines(data: YamlMap, key: str) -> list[int | None]:
    """The line of each item of a list setting (the key's line for a single value)."""
    value = data.get(key)
    count = len(value) if isinstance(value, list) else 1
    if isinstance(value, YamlList):
        return list(value.item_lines)
    return [data.line_of(key)] * count


def _relative_text(target: Path, folder: Path) -> str:
    """The path as study.yml wrote it (relative to the folder when it was relative)."""
    try:
        return str(target.relative_to(folder))
    except ValueError:
        return str(target)


def _timezone_problems(settings: StudySettings, data: YamlMap, path: Path) -> list[Problem]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zones = [(settings.timezone, data.line_of("timezone"))]
    zones += [(log.timezone, log.line) for log in settings.event_logs if log.timezone]
    problems = []
    for zone, line in zones:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                Problem(
                    path,
                    f"time zone {zone!r} is unknown",
                    "use an IANA name such as 'America/Chicago' or 'UTC'",
                    line=line,
                )
            )
    return problems


def _database(data: YamlMap, path: Path, problems: list[Problem]) -> str:
    """The ``database:`` value: a SQLite file or a PostgreSQL URL, never with a password."""
    value = data.get("database")
    text = str(value).strip() if value not in (None, "") else "study.db"
    problems += _database_problems(text, path, data.line_of("database"))
    return text


def _database_problems(text: str, path: Path, line: int | None) -> list[Problem]:
    try:
        url = database_url(text if "://" in text else "placeholder.db")
    except StoreError as exc:
        return [Problem(path, f"database: {exc.message}", exc.hint, line=line)]
    if "://" in text and sa.engine.make_url(url).password is not None:
        return [
            Problem(
                path,
                "the database URL holds a password, and study.yml travels with the study",
                "remove it from the URL; put it in ~/.pgpass (or PGPASSWORD) on each computer "
                "(see docs/team-server.md)",
                line=line,
            )
        ]
    return []


def check_database_value(value: str, path: Path | str = STUDY_FILE) -> None:
    """Refuse a ``database:`` value research_kit cannot use (see ``_database``).

    Raises
    ------
    StudyConfigError
        For an unknown kind of database, SQLite in memory, or a URL holding a password.

    Examples
    --------
    >>> check_database_value("postgresql://coder:secret@db/permits")
    Traceback (most recent call last):
    ...
    research_kit.errors.StudyConfigError: study.yml: the database URL holds a password, ...
    """
    raise_first_error(_database_problems(value, Path(path), None), StudyConfigError)


def write_database_setting(folder: Path | str, value: str) -> None:
    """Point ``study.yml``'s ``database:`` at ``value``, keeping the rest of the file as it is.

    The file is replaced atomically; the new value is validated first.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / STUDY_FILE).write_text("name: x\\ndatabase: study.db   # here\\n")
    >>> write_database_setting(folder, "postgresql://coder@db.example/permits")
    >>> (folder / STUDY_FILE).read_text()
    'name: x\\ndatabase: postgresql://coder@db.example/permits   # here\\n'
    """
    path = Path(folder) / STUDY_FILE
    text = read_text(path, error_class=StudyConfigError).text
    plain = re.fullmatch(r"[A-Za-z0-9_./@%+=?&-][A-Za-z0-9_.:/@%+=?&-]*", value)
    line = f"database: {value if plain else _yaml_quote(value)}"
    pattern = re.compile(r"^database:[^\n#]*?(?=[ \t]*(#|$))", re.MULTILINE)
    if pattern.search(text):
        new_text = pattern.sub(lambda _: line, text, count=1)
    else:
        new_text = text.rstrip("\n") + "\n" + line + "\n"
    check_database_value(value, path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(new_text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StudyConfigError(
            f"cannot write the study settings ({exc.strerror or exc})",
            path=path,
            hint="free some disk space or make the folder writable; the file is unchanged",
        ) from exc


def _optional_path(folder: Path, value: Any) -> Path | None:
    return folder / str(value) if value else None


def _optional_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
