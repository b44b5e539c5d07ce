"""A study's process material: its process maps and event logs read through the study's
settings (one column mapping for every reader), and checks of both.

These functions take a :class:`~research_kit.study.Study` (or its settings); importing
:mod:`research_kit.process` also makes the readers study methods (``study.process_map()``,
``study.event_log()``), so the thin ``Study`` never imports this room.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import EventLogError, Problem, StudyConfigError
from research_kit.process.eventlog import EventLogReading, read_event_log_with_details
from research_kit.process.spec import ProcessMap, read_process_map, validate_process_map
from research_kit.settings import EventLogSource, StudySettings

if TYPE_CHECKING:
    from research_kit.study import Study


def study_process_map(study: Study, index: int = 0) -> ProcessMap:
    """Read one of the study's process maps (the first by default)."""
    if not study.settings.process_maps:
        raise StudyConfigError(
            "lists no process maps",
            path=study.settings.path,
            hint="add the YAML file under 'process_maps:'",
        )
    return read_process_map(study.settings.process_maps[index])


def study_event_log(
    study: Study, log_id: str | None = None, *, errors: str = "raise"
) -> pd.DataFrame:
    """Read an event log with the study's column mapping (see ``read_event_log``)."""
    return read_source_event_log(study.event_log_source(log_id), study.settings, errors=errors)


def read_source_event_log(
    source: EventLogSource, settings: StudySettings, *, errors: str = "raise"
) -> pd.DataFrame:
    """Read the event log ``source`` of study.yml, mapping its columns as study.yml says."""
    return _read_source(source, settings, errors=errors).events


def _read_source(
    source: EventLogSource, settings: StudySettings, *, errors: str = "raise"
) -> EventLogReading:
    return read_event_log_with_details(
        source.path,
        case=source.case,
        activity=source.activity,
        timestamp=source.timestamp,
        start_timestamp=source.start_timestamp,
        resource=source.resource,
        lifecycle=source.lifecycle,
        transition=source.transition,
        timezone=source.timezone or settings.timezone,
        errors=errors,
    )


def process_steps(settings: StudySettings) -> set[str]:
    """The step ids of every readable process map of the study (for linking codes to steps)."""
    steps: set[str] = set()
    for path in settings.process_maps:
        steps |= _check_process_map(path)[1]
    return steps


def check(settings: StudySettings) -> list[Problem]:
    """Every problem with the study's process maps and event logs (files only)."""
    problems: list[Problem] = []
    activities: set[str] = set()
    names: set[str] = set()  # what a deadline may name: step ids and activities of maps and logs
    for path in settings.process_maps:
        found, steps, map_activities = _check_process_map(path)
        problems += found
        activities |= map_activities
        names |= steps | map_activities
    for log in settings.event_logs:
        problems += _check_event_log(log, settings, activities, seen=names)
    return problems + _deadline_name_problems(settings, names)


def _deadline_name_problems(settings: StudySettings, names: set[str]) -> list[Problem]:
    """Deadlines that name an activity found in no map and no log (a typo measures nothing)."""
    if not names:
        return []
    problems = []
    for deadline in settings.deadlines:
        unknown = [n for n in (deadline.start, deadline.end, *deadline.stop) if n not in names]
        if unknown:
            problems.append(
                Problem(
                    settings.path,
                    f"deadline {deadline.name!r} names {', '.join(map(repr, unknown))}, which no "
                    "process map step and no event log activity is called",
                    "write an activity of the event log or a step id of the process map",
                    line=deadline.line,
                    severity="warning",
                )
            )
    return problems


def _check_process_map(path: Path) -> tuple[list[Problem], set[str], set[str]]:
    spec, problems = validate_process_map(path)
    steps = {step.id for step in spec.steps}
    activities = {step.activity for step in spec.steps if step.activity}
    return problems, steps, activities


def _check_event_log(
    source, settings: StudySettings, activities: set[str], *, seen: set[str] | None = None
) -> list[Problem]:
    try:
        reading = _read_source(source, settings, errors="drop")
    except EventLogError as exc:
        return [exc.as_problem()]
    problems = []
    log, unparsed = reading.events, reading.unparsed_lines
    if seen is not None:
        seen |= set(log["activity"].astype("object").dropna().unique())
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
