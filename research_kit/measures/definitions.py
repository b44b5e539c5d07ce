"""Measures as data: ``measures.yml`` read and validated, every problem with its line.

A study's performance measures are described in one YAML file (``measures:`` in study.yml,
``measures.yml`` by default; ``docs/measures-yml.md`` documents each field). Each measure says
what it is (name, definition, unit), which way is better (``polarity``), how often it is
measured, its target (a value, a range or a trajectory over time), who owns it, where its
values come from (a CSV of values per period, or the study's own event log or survey) and how
it is charted. :func:`validate_measures` returns the measures it could read with every problem
found (``research-kit check`` prints them); :func:`read_measures` raises the first error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from research_kit.errors import MeasuresError, Problem, did_you_mean, raise_first_error
from research_kit.rawfiles import read_text
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

#: The fields of one measure (docs/measures-yml.md documents each).
MEASURE_KEYS = (
    "id",
    "name",
    "definition",
    "unit",
    "polarity",
    "frequency",
    "target",
    "owner",
    "department",
    "source",
    "breakdown",
    "chart",
    "rebase",
    "baseline",
    "narrative",
)
#: The fields of a measure's ``source``, by kind (the kind's own key comes first).
SOURCE_KEYS = {
    "csv": ("csv", "period", "value", "numerator", "denominator", "group"),
    "event_log": ("event_log", "statistic", "from", "to", "deadline"),
    "survey": ("survey", "question", "answers"),
}
#: What a measure computed from an event log can be.
LOG_STATISTICS = ("median_days", "share_within_deadline", "backlog")
POLARITIES = {"higher_is_better": "increase", "lower_is_better": "decrease", "neither": None}
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly", "yearly")
CHARTS = ("xmr", "p", "u", "run")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Target:
    """A measure's target: one value, a range (``low``–``high``) or a trajectory.

    Examples
    --------
    >>> Target(trajectory=(("2025-01-01", 30.0), ("2025-07-01", 20.0))).kind
    'trajectory'
    """

    value: float | None = None
    low: float | None = None
    high: float | None = None
    #: ``(from period, value)`` pairs in time order: the value holds from that period on.
    trajectory: tuple[tuple[str, float], ...] = ()

    @property
    def kind(self) -> str:
        """``value``, ``range`` or ``trajectory``."""
        if self.trajectory:
            return "trajectory"
        return "value" if self.value is not None else "range"


@dataclass(frozen=True)
class MeasureSource:
    """Where a measure's values come from: ``csv``, ``event_log`` or ``survey``.

    ``name`` is the CSV's path (resolved against the study folder) or the id of the study's
    event log or survey; ``options`` holds the source's other fields as written.
    """

    kind: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)
    line: int | None = None


@dataclass(frozen=True)
class Measure:
    """One performance measure, as ``measures.yml`` describes it."""

    id: str
    name: str
    polarity: str
    source: MeasureSource
    definition: str = ""
    unit: str = ""
    frequency: str = "monthly"
    target: Target | None = None
    owner: str = ""
    department: str = ""
    breakdown: str | None = None
    chart: str = "xmr"
    rebase: tuple[str, ...] = ()
    baseline: int | None = None
    narrative: str = ""
    line: int | None = None

    @property
    def improvement(self) -> str | None:
        """The polarity as the charts take it: ``increase``, ``decrease`` or None."""
        return POLARITIES[self.polarity]


def read_measures(path: Path | str) -> list[Measure]:
    """Read ``measures.yml``; raise :class:`~research_kit.errors.MeasuresError` on an error.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "measures.yml"
    >>> _ = path.write_text(
    ...     "measures:\\n"
    ...     "  - id: permit_days\\n"
    ...     "    name: Median days to a permit\\n"
    ...     "    polarity: lower_is_better\\n"
    ...     "    target: 20\\n"
    ...     "    source: {csv: permit_days.csv}\\n"
    ... )
    >>> [(m.id, m.improvement, m.target.value) for m in read_measures(path)]
    [('permit_days', 'decrease', 20.0)]
    """
    measures, problems = validate_measures(path)
    raise_first_error(problems, MeasuresError)
    return measures


def validate_measures(
    path: Path | str,
    *,
    event_logs: Iterable[str] | None = None,
    surveys: Iterable[str] | None = None,
) -> tuple[list[Measure], list[Problem]]:
    """Read ``measures.yml`` and return the measures it describes with every problem found.

    Parameters
    ----------
    path : Path or str
        The measures file.
    event_logs, surveys : iterable of str, optional
        The ids of the study's event logs and surveys; when given, a measure computed from
        one that does not exist is a problem.

    Returns
    -------
    (list of Measure, list of Problem)
        The measures that could be read (a measure with an error is left out) and the
        problems, each with its line.
    """
    path = Path(path)
    try:
        data = parse_yaml(
            read_text(path, error_class=MeasuresError).text, path, error_class=MeasuresError
        )
    except MeasuresError as exc:
        return [], [exc.as_problem()]
    if not isinstance(data, YamlMap) or not isinstance(data.get("measures"), list):
        hint = "start the file with 'measures:' and list one '- id: …' entry per measure"
        return [], [Problem(path, "has no list of measures", hint, line=1)]
    problems = unknown_keys(data, ("measures",), path, "the top level")
    context = _Context(path, problems, _known(event_logs), _known(surveys))
    measures, seen = [], {}
    for entry, line in zip(data["measures"], _item_lines(data["measures"]), strict=True):
        measure = _measure(entry, line, context)
        measure_id = str(entry.get("id")) if isinstance(entry, dict) else None
        if measure_id in seen:
            context.add(
                f"measure id {measure_id!r} is used twice (first on line {seen[measure_id]})",
                "give each measure its own id",
                line,
            )
            continue
        if measure_id:
            seen[measure_id] = line
        if measure is not None:
            measures.append(measure)
    return measures, problems


@dataclass
class _Context:
    path: Path
    problems: list[Problem]
    event_logs: set[str] | None
    surveys: set[str] | None

    def add(self, message: str, hint: str, line: int | None, severity: str = "error") -> None:
        self.problems.append(Problem(self.path, message, hint, line=line, severity=severity))


def _known(ids: Iterable[str] | None) -> set[str] | None:
    return None if ids is None else set(ids)


def _item_lines(items: list) -> list[int | None]:
    return list(items.item_lines) if isinstance(items, YamlList) else [None] * len(items)


def unknown_keys(entry: YamlMap, known: Iterable[str], path: Path, where: str) -> list[Problem]:
    """A problem for each field of ``entry`` not in ``known``, on its line (with a guess)."""
    known = tuple(known)
    return [
        Problem(
            path,
            f"{where} has an unknown field {key!r}{did_you_mean(key, known)}",
            "remove it or correct its name; the fields are: " + ", ".join(known),
            line=entry.line_of(str(key)),
        )
        for key in entry
        if str(key) not in known
    ]


def _measure(entry: Any, line: int | None, context: _Context) -> Measure | None:
    if not isinstance(entry, YamlMap):
        context.add(
            "a measure is not a mapping", "write each measure as '- id: …' with its fields", line
        )
        return None
    before = len(context.problems)
    measure_id = str(entry.get("id") or "")
    where = f"measure {measure_id!r}" if measure_id else "a measure"
    context.problems += unknown_keys(entry, MEASURE_KEYS, context.path, where)
    if not _ID.match(measure_id):
        context.add(
            f"{where} needs an 'id' of letters, digits and underscores",
            "e.g. 'id: permit_days' (it names the measure in charts and files)",
            entry.line,
        )
    for key in ("name", "polarity", "source"):
        if entry.get(key) in (None, ""):
            context.add(f"{where} has no {key!r}", _REQUIRED_HINTS[key], entry.line)
    polarity = _choice(entry, "polarity", tuple(POLARITIES), where, context, default="neither")
    frequency = _choice(entry, "frequency", FREQUENCIES, where, context, default="monthly")
    source = _source(entry, where, context)
    chart = _choice(entry, "chart", CHARTS, where, context, default=_default_chart(source))
    measure = Measure(
        id=measure_id,
        name=str(entry.get("name") or ""),
        polarity=polarity,
        source=source or MeasureSource("csv", ""),
        definition=_text(entry.get("definition")),
        unit=_text(entry.get("unit")),
        frequency=frequency,
        target=_target(entry, where, context),
        owner=_text(entry.get("owner")),
        department=_text(entry.get("department")),
        breakdown=_text(entry.get("breakdown")) or None,
        chart=chart,
        rebase=_rebase(entry, where, context),
        baseline=_baseline(entry, where, context),
        narrative=_text(entry.get("narrative")),
        line=entry.line,
    )
    csv_rate = source is not None and source.kind == "csv" and source.options.get("numerator")
    if chart in ("p", "u") and source is not None and source.kind == "csv" and not csv_rate:
        context.add(
            f"{where} is a {chart.upper()} chart but its source names no numerator "
            "and denominator columns",
            "add 'numerator:' and 'denominator:' to the source, or use chart: xmr",
            entry.line_of("chart"),
        )
    errors = [p for p in context.problems[before:] if p.severity == "error"]
    return None if errors else measure


_REQUIRED_HINTS = {
    "name": "add 'name:' with the measure's name as a reader would say it",
    "polarity": "add 'polarity: higher_is_better', 'lower_is_better' or 'neither'",
    "source": "add 'source:' with 'csv: file.csv', 'event_log: <id>' or 'survey: <id>'",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _choice(
    entry: YamlMap,
    key: str,
    choices: tuple[str, ...],
    where: str,
    context: _Context,
    *,
    default: str,
) -> str:
    value = entry.get(key)
    if value in (None, ""):
        return default
    if str(value) not in choices:
        context.add(
            f"{where}: {key} {value!r} is not one of {', '.join(choices)}"
            f"{did_you_mean(value, choices)}",
            f"write one of: {', '.join(choices)}",
            entry.line_of(key),
        )
        return default
    return str(value)


def _source(entry: YamlMap, where: str, context: _Context) -> MeasureSource | None:
    source = entry.get("source")
    line = entry.line_of("source")
    if source in (None, ""):
        return None
    if not isinstance(source, YamlMap):
        context.add(
            f"{where}: source is not a mapping",
            "write e.g. 'source: {csv: values/permit_days.csv}'",
            line,
        )
        return None
    kinds = [kind for kind in SOURCE_KEYS if kind in source]
    if len(kinds) != 1:
        context.add(
            f"{where}: source must name exactly one of csv, event_log, survey",
            "keep one of 'csv:', 'event_log:', 'survey:'",
            source.line,
        )
        return None
    kind = kinds[0]
    context.problems += unknown_keys(
        source, SOURCE_KEYS[kind], context.path, f"{where}'s {kind} source"
    )
    name = _text(source.get(kind))
    options = {str(key): value for key, value in source.items() if key != kind}
    check = _SOURCE_CHECKS[kind]
    check(name, options, source, where, context)
    return MeasureSource(kind, name, options, source.line)


def _check_csv(name, options, source, where, context) -> None:
    if not name:
        context.add(
            f"{where}: csv names no file",
            "write the CSV's path, e.g. 'csv: values.csv'",
            source.line_of("csv"),
        )
    if bool(options.get("numerator")) != bool(options.get("denominator")):
        context.add(
            f"{where}: a rate needs both 'numerator' and 'denominator' columns",
            "name both columns, or neither (then 'value' holds the measure)",
            source.line,
        )


def _check_study_id(name, known, kind, line, where, context) -> None:
    """A source that names an event log or survey study.yml does not list measures nothing."""
    if known is None or name in known:
        return
    ids = sorted(known)
    key = "event_logs" if kind == "event log" else "surveys"
    context.add(
        f"{where}: the study has no {kind} {name!r}{did_you_mean(name, ids)}",
        f"use the id of an entry under '{key}:' in study.yml"
        + (f" ({', '.join(ids)})" if ids else ""),
        line,
    )


def _check_event_log(name, options, source, where, context) -> None:
    _check_study_id(
        name, context.event_logs, "event log", source.line_of("event_log"), where, context
    )
    statistic = options.get("statistic")
    if statistic not in LOG_STATISTICS:
        context.add(
            f"{where}: statistic {statistic!r} is not one of {', '.join(LOG_STATISTICS)}"
            f"{did_you_mean(statistic, LOG_STATISTICS)}",
            "write 'statistic:' with one of: " + ", ".join(LOG_STATISTICS),
            source.line_of("statistic"),
        )
    needs = {
        "median_days": ("from", "to"),
        "share_within_deadline": ("deadline",),
        "backlog": ("from", "to"),
    }.get(statistic, ())
    for key in needs:
        if not options.get(key):
            context.add(
                f"{where}: statistic {statistic!r} needs {key!r}",
                f"add '{key}:' naming an activity of the log"
                if key != "deadline"
                else "add 'deadline:' with the name of a deadline of study.yml",
                source.line,
            )


def _check_survey(name, options, source, where, context) -> None:
    _check_study_id(name, context.surveys, "survey", source.line_of("survey"), where, context)
    if not options.get("question"):
        context.add(
            f"{where}: a survey measure needs 'question'",
            "add 'question:' with the question's column, as in the export",
            source.line,
        )
    if not isinstance(options.get("answers"), list) or not options["answers"]:
        context.add(
            f"{where}: a survey measure needs 'answers', the answers that count",
            "add e.g. 'answers: [Agree, Strongly agree]' (the share is of those answers)",
            source.line_of("answers"),
        )


_SOURCE_CHECKS: dict[str, Callable[..., None]] = {
    "csv": _check_csv,
    "event_log": _check_event_log,
    "survey": _check_survey,
}


def _default_chart(source: MeasureSource | None) -> str:
    """P for counted shares (a numerator and a denominator, a deadline share); a survey's
    weighted share per wave is no count of cases, so it is charted as its values (XmR)."""
    if source is None:
        return "xmr"
    if source.options.get("statistic") == "share_within_deadline":
        return "p"
    return "p" if source.options.get("numerator") else "xmr"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _target(entry: YamlMap, where: str, context: _Context) -> Target | None:
    target = entry.get("target")
    line = entry.line_of("target")
    if target is None:
        return None
    if _number(target) is not None:
        return Target(value=_number(target))
    if isinstance(target, YamlMap):
        low, high = _number(target.get("low")), _number(target.get("high"))
        context.problems += unknown_keys(target, ("low", "high"), context.path, f"{where}'s target")
        if low is None or high is None or low > high:
            context.add(
                f"{where}: a target range needs numbers 'low' ≤ 'high'",
                "write e.g. 'target: {low: 80, high: 90}'",
                line,
            )
            return None
        return Target(low=low, high=high)
    if isinstance(target, list):
        return _trajectory(target, where, context, line)
    context.add(
        f"{where}: target {target!r} is not a number, a range or a trajectory",
        "write 'target: 20', 'target: {low: 80, high: 90}' or a list of "
        "'- {from: 2025-07, value: 20}'",
        line,
    )
    return None


def _trajectory(items: list, where: str, context: _Context, line: int | None) -> Target | None:
    steps = []
    for item, item_line in zip(items, _item_lines(items), strict=True):
        period, value = (
            (item.get("from"), _number(item.get("value")))
            if isinstance(item, dict)
            else (None, None)
        )
        if not _is_period(period) or value is None:
            context.add(
                f"{where}: each step of a target trajectory needs 'from' (a date) and "
                "'value' (a number)",
                "write e.g. '- {from: 2025-07-01, value: 20}'",
                item_line or line,
            )
            return None
        steps.append((str(period), value))
    if [p for p, _ in steps] != sorted(p for p, _ in steps):
        context.add(
            f"{where}: the target trajectory is not in time order",
            "list its steps from the earliest 'from' to the latest",
            line,
        )
        return None
    return Target(trajectory=tuple(steps))


def _is_period(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value) is not None


def _rebase(entry: YamlMap, where: str, context: _Context) -> tuple[str, ...]:
    value = entry.get("rebase")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(_is_period(item) for item in items):
        context.add(
            f"{where}: rebase must be dates (when a change began)",
            "write e.g. 'rebase: [2025-07-01]'",
            entry.line_of("rebase"),
        )
        return ()
    return tuple(str(item) for item in items)


def _baseline(entry: YamlMap, where: str, context: _Context) -> int | None:
    value = entry.get("baseline")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 2:
        context.add(
            f"{where}: baseline must be a whole number of periods, 2 or more",
            "write e.g. 'baseline: 12' (limits from the first 12 periods)",
            entry.line_of("baseline"),
        )
        return None
    return value
