"""The study's deadlines measured on its event log: ``study.deadlines()``.

Reads ``deadlines:`` and ``calendars:`` of study.yml, turns step ids of the process map into
the activities they link to, and runs :func:`~research_kit.process.deadline_performance` for
each deadline on the study's event log, in the study's time zone and with its
``min_cell_size``. The tables of every deadline are stacked (a ``deadline`` column first).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from research_kit.errors import StudyConfigError
from research_kit.process.calendars import BusinessCalendar
from research_kit.process.deadlines import DeadlinePerformance, deadline_performance
from research_kit.process.material import study_event_log
from research_kit.process.spec import read_process_map
from research_kit.settings import Deadline, StudySettings

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["resolve_deadline", "study_deadlines"]


def study_deadlines(
    study: Study,
    name: str | None = None,
    *,
    by: str | Sequence[str] | None = None,
    log_id: str | None = None,
    as_of: pd.Timestamp | str | None = None,
    confidence: float = 0.95,
) -> DeadlinePerformance:
    """The study's deadlines (or the one named) on its event log, stacked.

    Parameters
    ----------
    study : Study
        The study; its ``deadlines:``, ``calendars:``, time zone and ``min_cell_size``.
    name : str, optional
        One deadline's name; every deadline when None.
    by, as_of, confidence
        As for :func:`~research_kit.process.deadline_performance`.
    log_id : str, optional
        The event log (the first when None).

    Returns
    -------
    DeadlinePerformance
        ``cases``, ``summary`` and ``breaches`` of every deadline, a ``deadline`` column first.

    Raises
    ------
    StudyConfigError
        When study.yml has no deadlines, or none of that name.
    """
    settings = study.settings
    chosen = _chosen(settings, name)
    log = study_event_log(study, log_id)
    activities = set(log["activity"].astype("object").dropna().unique())
    results = []
    for deadline in chosen:
        calendar = settings.calendars.get(deadline.calendar) if deadline.calendar else None
        result = deadline_performance(
            log,
            resolve_deadline(deadline, settings, activities),
            by=by,
            calendar=None if calendar is None else BusinessCalendar.from_setting(calendar),
            timezone=settings.timezone,
            as_of=as_of,
            confidence=confidence,
            min_cell_size=study.min_cell_size,
        )
        results.append(result)
    return DeadlinePerformance(
        cases=_stacked([r.cases for r in results], chosen),
        summary=pd.concat([r.summary for r in results], ignore_index=True),
        breaches=_stacked([r.breaches for r in results], chosen),
    )


def resolve_deadline(deadline: Deadline, settings: StudySettings, activities: set[str]) -> Deadline:
    """``deadline`` with step ids of the study's process maps replaced by their activities.

    A name that is an activity of the log stays as it is; a step id whose step links to an
    activity (``activity:`` in the map) becomes that activity. The maps are read only when a
    name is not an activity of the log.
    """
    names = (deadline.start, deadline.end, *deadline.stop)
    if all(name in activities for name in names):
        return deadline
    steps: dict[str, str] = {}
    for path in settings.process_maps:
        spec = read_process_map(path)
        steps.update({step.id: step.activity for step in spec.steps if step.activity})

    def activity(name: str) -> str:
        return name if name in activities or name not in steps else steps[name]

    return dataclasses.replace(
        deadline,
        start=activity(deadline.start),
        end=activity(deadline.end),
        stop=tuple(activity(name) for name in deadline.stop),
    )


def _chosen(settings: StudySettings, name: str | None) -> tuple[Deadline, ...]:
    names = [deadline.name for deadline in settings.deadlines]
    if not names:
        raise StudyConfigError(
            "lists no deadlines",
            path=settings.path,
            hint="add 'deadlines:' entries (name, from, to, within) to study.yml",
        )
    if name is None:
        return settings.deadlines
    if name not in names:
        raise StudyConfigError(
            f"has no deadline {name!r}",
            path=settings.path,
            hint=f"name one of: {', '.join(names)}",
        )
    return tuple(d for d in settings.deadlines if d.name == name)


def _stacked(frames: list[pd.DataFrame], deadlines: Sequence[Deadline]) -> pd.DataFrame:
    named = [
        frame.assign(deadline=deadline.name)[["deadline", *frame.columns]]
        for frame, deadline in zip(frames, deadlines, strict=True)
    ]
    return pd.concat(named, ignore_index=True)
