"""Follow-up actions from a Stat meeting: ``actions.yml`` read, validated and checked for overdue.

A PerformanceStat meeting ends with actions: who will do what about which measure, and by
when. The study keeps them in ``actions.yml`` beside ``measures.yml``::

    actions:
      - measure: permit_days
        action: Add a second plan reviewer on Tuesdays
        owner: Permits lead
        due: 2026-02-01
        status: open

:func:`validate_actions` returns the actions it could read with every problem found, each with
its line (``research-kit check`` prints them); :func:`read_actions` raises the first error;
:func:`actions_table` flags the open actions past their due date on a given day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from research_kit.errors import MeasuresError, Problem, did_you_mean, raise_first_error
from research_kit.measures.definitions import unknown_keys
from research_kit.rawfiles import read_text
from research_kit.yamlfiles import YamlList, YamlMap, parse_yaml

#: The fields of one action.
ACTION_KEYS = ("measure", "action", "owner", "due", "status")
#: What an action's status can be; the first two are still to do.
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_STATUSES = ("open", "in_progress")
#: The columns of :func:`read_actions`.
ACTION_COLUMNS = ["measure", "action", "owner", "due", "status", "line"]


def actions_path(measures_file: Path | str) -> Path:
    """Where a study keeps its actions: ``actions.yml`` beside its measures file."""
    return Path(measures_file).with_name("actions.yml")


def read_actions(path: Path | str, *, measures: Iterable[str] | None = None) -> pd.DataFrame:
    """Read ``actions.yml``; raise :class:`~research_kit.errors.MeasuresError` on an error.

    Parameters
    ----------
    path : Path or str
        The actions file.
    measures : iterable of str, optional
        The study's measure ids: an action on another measure is an error.

    Returns
    -------
    pandas.DataFrame
        ``measure, action, owner, due`` (a date), ``status`` and ``line`` (in the file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "actions.yml"
    >>> _ = path.write_text(
    ...     "actions:\\n"
    ...     "  - {measure: permit_days, action: Add a reviewer, owner: Lead, due: 2026-02-01}\\n"
    ... )
    >>> read_actions(path)[["measure", "due", "status", "line"]].values.tolist()
    [['permit_days', datetime.date(2026, 2, 1), 'open', 2]]
    """
    actions, problems = validate_actions(path, measures=measures)
    raise_first_error(problems, MeasuresError)
    return actions


def validate_actions(
    path: Path | str, *, measures: Iterable[str] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read ``actions.yml`` and return the actions it holds with every problem found.

    Returns
    -------
    (pandas.DataFrame, list of Problem)
        The actions that could be read (as :func:`read_actions`; an action with an error is
        left out) and the problems, each with its line.
    """
    path = Path(path)
    try:
        data = parse_yaml(
            read_text(path, error_class=MeasuresError).text, path, error_class=MeasuresError
        )
    except MeasuresError as exc:
        return pd.DataFrame(columns=ACTION_COLUMNS), [exc.as_problem()]
    if not isinstance(data, YamlMap) or not isinstance(data.get("actions"), list):
        hint = "start the file with 'actions:' and list one '- measure: …' entry per action"
        return pd.DataFrame(columns=ACTION_COLUMNS), [
            Problem(path, "has no list of actions", hint, line=1)
        ]
    known = None if measures is None else list(measures)
    items = data["actions"]
    lines = list(items.item_lines) if isinstance(items, YamlList) else [None] * len(items)
    rows, problems = [], []
    for entry, line in zip(items, lines, strict=True):
        row, found = _action(entry, line, path, known)
        problems += found
        if row is not None and not found:
            rows.append(row)
    return pd.DataFrame(rows, columns=ACTION_COLUMNS), problems


def _action(entry, line, path: Path, known: list[str] | None) -> tuple[dict | None, list[Problem]]:
    if not isinstance(entry, YamlMap):
        hint = "write each action as '- measure: …' with action, owner, due and status"
        return None, [Problem(path, "an action is not a mapping", hint, line=line)]
    problems = unknown_keys(entry, ACTION_KEYS, path, "an action")
    for key in ("measure", "action", "due"):
        if entry.get(key) in (None, ""):
            problems.append(
                Problem(path, f"an action has no {key!r}", _HINTS[key], line=entry.line or line)
            )
    measure = str(entry.get("measure") or "")
    if measure and known is not None and measure not in known:
        problems.append(
            Problem(
                path,
                f"an action names the measure {measure!r}, which measures.yml does not have"
                + did_you_mean(measure, known),
                "use an id of measures.yml: " + ", ".join(known),
                line=entry.line_of("measure"),
            )
        )
    status = str(entry.get("status") or "open").strip().lower().replace(" ", "_")
    if status not in ACTION_STATUSES:
        problems.append(
            Problem(
                path,
                f"an action's status {entry.get('status')!r} is not one of "
                + ", ".join(ACTION_STATUSES),
                "write open, in_progress, done or dropped",
                line=entry.line_of("status"),
            )
        )
    due = _date(entry.get("due"))
    if entry.get("due") not in (None, "") and due is None:
        problems.append(
            Problem(
                path,
                f"an action's due date {entry.get('due')!r} is not a date",
                "write it as YYYY-MM-DD, e.g. 'due: 2026-02-01'",
                line=entry.line_of("due"),
            )
        )
    row = {
        "measure": measure,
        "action": str(entry.get("action") or ""),
        "owner": str(entry.get("owner") or ""),
        "due": due,
        "status": status,
        "line": entry.line or line,
    }
    return row, problems


_HINTS = {
    "measure": "name the measure the action is about, e.g. 'measure: permit_days'",
    "action": "say what will be done, e.g. 'action: Add a second plan reviewer'",
    "due": "give the date it is due, e.g. 'due: 2026-02-01'",
}


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def actions_table(actions: pd.DataFrame, *, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """The actions with ``overdue``: still open (or in progress) after their due date.

    Parameters
    ----------
    actions : pandas.DataFrame
        As :func:`read_actions` returns them.
    as_of : date or str, optional
        The day the packet is for (default: today). An action due that day is not overdue.

    Returns
    -------
    pandas.DataFrame
        The actions sorted by measure and due date, with ``overdue`` (bool) and
        ``days_overdue`` (0 when not overdue).

    Examples
    --------
    >>> actions = pd.DataFrame({"measure": ["a", "a"], "action": ["x", "y"], "owner": ["", ""],
    ...                         "due": [dt.date(2026, 1, 10), dt.date(2026, 1, 10)],
    ...                         "status": ["open", "done"], "line": [2, 3]})
    >>> actions_table(actions, as_of="2026-01-12")[["status", "overdue", "days_overdue"]]
      status  overdue  days_overdue
    0   open     True             2
    1   done    False             0
    """
    day = dt.date.today() if as_of is None else _date(as_of)
    if day is None:
        raise ValueError(f"as_of {as_of!r} is not a date — give one as YYYY-MM-DD")
    table = actions.sort_values(["measure", "due"], kind="mergesort").reset_index(drop=True)
    late = [
        (day - due).days if status in OPEN_STATUSES and due is not None and due < day else 0
        for due, status in zip(table["due"], table["status"], strict=True)
    ]
    late = np.asarray(late, dtype=int)
    # typed even when empty: an empty object column would not select rows
    return table.assign(overdue=late > 0, days_overdue=late)
