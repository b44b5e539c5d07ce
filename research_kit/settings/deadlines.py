"""The ``deadlines:`` and ``calendars:`` of study.yml: time targets and the days they count.

A deadline says how long a stretch of a process may take, from one activity of a case to
another (end to end, or one step), in calendar days or business days::

    deadlines:
      - name: Permit decision
        from: Submit application      # an activity of the log, or a step id of the map
        to: Issue permit
        within: 30 business days      # "30 days", "6 weeks", "10 business days"
        calendar: city                # optional: a calendar named under calendars:
        stop: [Withdraw application]  # optional: activities that end a case without 'to'
    calendars:
      city:
        weekend: [sat, sun]           # the default
        holidays: [2025-01-01, 2025-01-20]

How the days are counted is :mod:`research_kit.process.deadlines`' business; here the entries
are only checked for shape (a known unit, a defined calendar, real dates and weekdays), each
problem with its line of study.yml.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from research_kit.errors import Problem, StudyConfigError
from research_kit.yamlfiles import YamlMap

__all__ = [
    "CALENDAR_KEYS",
    "DEADLINE_KEYS",
    "WEEKDAYS",
    "CalendarSetting",
    "Deadline",
    "calendar_settings",
    "deadline_settings",
    "parse_within",
    "unknown_keys",
]

#: Weekday names as study.yml writes them, Monday first (numpy's weekmask order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The units a target may be written in, and what each means.
_UNITS = {
    "day": ("days", 1),
    "days": ("days", 1),
    "calendar day": ("days", 1),
    "calendar days": ("days", 1),
    "week": ("days", 7),
    "weeks": ("days", 7),
    "business day": ("business days", 1),
    "business days": ("business days", 1),
    "working day": ("business days", 1),
    "working days": ("business days", 1),
}
_WITHIN = re.compile(r"\s*(\d+)\s+([a-z ]+?)\s*", re.IGNORECASE)
_WITHIN_HINT = "write e.g. 'within: 30 days', 'within: 6 weeks' or 'within: 10 business days'"


#: The keys a deadline entry and a calendar may have (docs/study-yml.md documents each).
DEADLINE_KEYS = ("name", "from", "to", "within", "calendar", "stop")
CALENDAR_KEYS = ("weekend", "holidays")


def unknown_keys(
    entry: dict, known: tuple[str, ...], what: str, path: Path, problems: list[Problem]
) -> None:
    """A warning for each key the entry has but no reader uses: a misspelt 'calender:' would
    otherwise be ignored and the deadline counted on Monday to Friday without a word."""
    for key in entry:
        if key not in known:
            problems.append(
                Problem(
                    path,
                    f"{what}: unknown key {key!r}",
                    f"known keys are: {', '.join(known)}",
                    line=entry.line_of(key) if isinstance(entry, YamlMap) else None,
                    severity="warning",
                )
            )


def parse_within(text: object) -> tuple[int, str]:
    """A target such as ``"10 business days"`` as (number, unit); weeks become days.

    Raises
    ------
    ValueError
        When the text is not a whole number and a known unit.

    Examples
    --------
    >>> parse_within("10 business days"), parse_within("6 weeks"), parse_within("1 day")
    ((10, 'business days'), (42, 'days'), (1, 'days'))
    """
    match = _WITHIN.fullmatch(str(text)) if isinstance(text, str) else None
    unit = _UNITS.get(re.sub(r"\s+", " ", match.group(2).lower())) if match else None
    if match is None or unit is None:
        raise ValueError(f"{text!r} is not a number of days, weeks or business days")
    name, factor = unit
    return int(match.group(1)) * factor, name


@dataclass(frozen=True)
class Deadline:
    """A time target: from the first ``start`` activity of a case to the first ``end`` after it.

    ``start`` and ``end`` are activity names of the event log (study.yml may also name step
    ids of the process map; ``study.deadlines()`` turns those into activities). ``within`` is
    the target as written ("30 days", "10 business days"); ``calendar`` names a calendar of
    study.yml for business days (None: Monday to Friday, no holidays); ``stop`` lists
    activities that end a case without reaching ``end`` (a withdrawal).

    Examples
    --------
    >>> deadline = Deadline("Decision", "Submit application", "Issue permit", "10 business days")
    >>> deadline.amount, deadline.unit
    (10, 'business days')
    """

    name: str
    start: str
    end: str
    within: str
    calendar: str | None = None
    stop: tuple[str, ...] = ()
    line: int | None = None

    def __post_init__(self) -> None:
        try:
            parse_within(self.within)
        except ValueError as exc:
            raise StudyConfigError(
                f"deadline {self.name!r}: {exc}",
                path="study.yml" if self.line else None,
                line=self.line,
                hint=_WITHIN_HINT,
            ) from exc

    @property
    def amount(self) -> int:
        """The target as a number of :attr:`unit`."""
        return parse_within(self.within)[0]

    @property
    def unit(self) -> str:
        """``"days"`` (calendar days) or ``"business days"``."""
        return parse_within(self.within)[1]


@dataclass(frozen=True)
class CalendarSetting:
    """A named business-day calendar: its weekend days and its holidays."""

    name: str
    weekend: tuple[str, ...] = ("sat", "sun")
    holidays: tuple[dt.date, ...] = ()
    line: int | None = None


def deadline_settings(
    entries: list, calendars: dict[str, CalendarSetting], path: Path, problems: list[Problem]
) -> tuple[Deadline, ...]:
    """The ``deadlines:`` entries as :class:`Deadline`; what is wrong is added to ``problems``.

    Examples
    --------
    >>> from pathlib import Path
    >>> problems = []
    >>> entries = [{"name": "Decision", "from": "Apply", "to": "Decide", "within": "3 fortnights"}]
    >>> deadline_settings(entries, {}, Path("study.yml"), problems), problems[0].message
    ((), "deadline 'Decision': '3 fortnights' is not a number of days, weeks or business days")
    """
    deadlines: list[Deadline] = []
    for index, entry in enumerate(entries):
        line = entry.line if isinstance(entry, YamlMap) else None
        if not isinstance(entry, dict):
            problems.append(
                Problem(
                    path,
                    "a deadline must be a mapping",
                    "write 'name:', 'from:', 'to:', 'within:' under '- '",
                    line=line,
                )
            )
            continue
        deadline = _deadline(index, entry, calendars, path, problems)
        if deadline is None:
            continue
        if any(other.name == deadline.name for other in deadlines):
            problems.append(
                Problem(
                    path,
                    f"deadline {deadline.name!r} is defined twice",
                    "give each deadline its own name",
                    line=deadline.line,
                )
            )
            continue
        deadlines.append(deadline)
    return tuple(deadlines)


def _deadline(
    index: int, entry: dict, calendars: dict, path: Path, problems: list[Problem]
) -> Deadline | None:
    def where(key: str) -> int | None:
        return entry.line_of(key) if isinstance(entry, YamlMap) else None

    name = str(entry.get("name") or f"deadline {index + 1}")
    unknown_keys(entry, DEADLINE_KEYS, f"deadline {name!r}", path, problems)
    missing = [key for key in ("from", "to", "within") if entry.get(key) in (None, "")]
    if missing:
        problems.append(
            Problem(
                path,
                f"deadline {name!r} has no {', '.join(repr(key) for key in missing)}",
                "name the activity the clock starts at ('from:'), the one it stops at ('to:') "
                "and the target ('within: 30 days')",
                line=where("name"),
            )
        )
        return None
    try:
        parse_within(entry["within"])
    except ValueError as exc:
        problems.append(Problem(path, f"deadline {name!r}: {exc}", _WITHIN_HINT, where("within")))
        return None
    calendar = entry.get("calendar")
    if calendar is not None and str(calendar) not in calendars:
        defined = ", ".join(calendars) or "none"
        problems.append(
            Problem(
                path,
                f"deadline {name!r} counts on calendar {calendar!r}, which is not defined",
                f"define it under 'calendars:' (defined: {defined}) or remove 'calendar:'",
                line=where("calendar"),
            )
        )
        return None
    stop = entry.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    if not isinstance(stop, list):
        problems.append(
            Problem(
                path,
                f"deadline {name!r}: stop must be a list of activities",
                "write e.g. 'stop: [Withdraw application]'",
                line=where("stop"),
            )
        )
        return None
    return Deadline(
        name=name,
        start=str(entry["from"]),
        end=str(entry["to"]),
        within=str(entry["within"]),
        calendar=None if calendar is None else str(calendar),
        stop=tuple(str(activity) for activity in stop),
        line=where("name"),
    )


def calendar_settings(block: object, path: Path, problems: list[Problem], *, line: int | None):
    """The ``calendars:`` mapping as {name: :class:`CalendarSetting`}, problems added.

    Examples
    --------
    >>> from pathlib import Path
    >>> problems = []
    >>> block = {"city": {"weekend": ["sat", "sun"], "holidays": ["2025-01-01", "2025-02-30"]}}
    >>> calendar_settings(block, Path("study.yml"), problems, line=1)["city"].holidays
    (datetime.date(2025, 1, 1),)
    >>> problems[0].message
    "calendar 'city': holiday '2025-02-30' is not a date"
    """
    if block is None:
        return {}
    if not isinstance(block, dict):
        problems.append(
            Problem(
                path,
                "calendars must be a mapping of name: {weekend: …, holidays: …}",
                "see the sample study's study.yml",
                line=line,
            )
        )
        return {}
    calendars = {}
    for name, entry in block.items():
        where = block.line_of(name) if isinstance(block, YamlMap) else line
        entry = entry if entry is not None else {}
        if not isinstance(entry, dict):
            problems.append(
                Problem(
                    path,
                    f"calendar {name!r} must be a mapping",
                    "write e.g. '{weekend: [sat, sun], holidays: [2025-01-01]}'",
                    line=where,
                )
            )
            continue
        unknown_keys(entry, CALENDAR_KEYS, f"calendar {name!r}", path, problems)
        calendars[str(name)] = CalendarSetting(
            name=str(name),
            weekend=_weekend(str(name), entry, path, problems, where),
            holidays=_holidays(str(name), entry, path, problems, where),
            line=where,
        )
    return calendars


def _weekend(name: str, entry: dict, path: Path, problems: list[Problem], line) -> tuple:
    days = entry.get("weekend", ["sat", "sun"]) or []
    days = [days] if isinstance(days, str) else days
    known = [_weekday(day) for day in days] if isinstance(days, list) else None
    bad = [day for day, short in zip(days, known or [], strict=False) if short not in WEEKDAYS]
    if known is None or bad or len(set(known)) == len(WEEKDAYS):
        shown = bad[0] if bad else days
        problems.append(
            Problem(
                path,
                f"calendar {name!r}: weekend {shown!r} is not a list of weekdays "
                "(with at least one working day)",
                "write e.g. 'weekend: [sat, sun]' (mon, tue, wed, thu, fri, sat, sun)",
                line=entry.line_of("weekend") if isinstance(entry, YamlMap) else line,
            )
        )
        return ("sat", "sun")
    return tuple(day for day in WEEKDAYS if day in known)


def _weekday(day: object) -> str | None:
    """A weekday as "sat" ("sat", "Sat" or "Saturday"); anything else as None."""
    text = str(day).strip().lower()
    full = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    return text[:3] if text in WEEKDAYS or text in full else None


def _holidays(name: str, entry: dict, path: Path, problems: list[Problem], line) -> tuple:
    values = entry.get("holidays") or []
    where = entry.line_of("holidays") if isinstance(entry, YamlMap) else line
    if not isinstance(values, list):
        problems.append(
            Problem(
                path,
                f"calendar {name!r}: holidays must be a list of dates",
                "write e.g. 'holidays: [2025-01-01, 2025-12-25]'",
                line=where,
            )
        )
        return ()
    lines = getattr(values, "item_lines", [where] * len(values))
    dates = []
    for value, item_line in zip(values, lines, strict=True):
        date = _as_date(value)
        if date is None:
            problems.append(
                Problem(
                    path,
                    f"calendar {name!r}: holiday {value!r} is not a date",
                    "write dates as YYYY-MM-DD",
                    line=item_line,
                )
            )
            continue
        dates.append(date)
    return tuple(sorted(set(dates)))


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
