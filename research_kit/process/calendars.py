"""Business-day calendars: which days count, and how many days lie between two moments.

A :class:`BusinessCalendar` is a set of weekend days and a list of holidays (numpy's
``busdaycalendar``, so counting is exact and vectorised). Days are counted by **date** in one
time zone (the study's): the time of day never matters, so a decision at 16:59 on the last
day of a target is within it, and one at 00:01 the next day is not.

The counting convention, stated once:

- **Calendar days** between two moments: the end's date minus the start's date (a case
  decided the day it started took 0 days, the next day 1).
- **Business days**: a moment on a weekend day or a holiday counts as the **next business
  day** (an application filed on a Saturday is deemed received on Monday, as when an office
  is closed); then the business days from the start's day up to (not including) the end's
  day. Filed Monday and decided Monday is 0, decided Tuesday 1; filed Saturday and decided
  Monday is 0; filed Friday and decided on the Saturday after is 1 (Saturday counts as
  Monday). A target of ``n`` business days is met when at most ``n`` have elapsed, that is
  when the decision falls on or before the ``n``-th business day after the day of receipt.

No office hours are modelled (a filing at 23:00 counts on its own day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from research_kit.settings import CalendarSetting
from research_kit.settings.deadlines import WEEKDAYS

__all__ = ["BusinessCalendar", "calendar_days_between", "local_dates"]


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekend days and holidays: the days a business-day target does not count.

    Parameters
    ----------
    weekend : tuple of str
        Weekday names that are not working days ("sat", "sun" by default).
    holidays : tuple of datetime.date
        Dates that are not working days (any weekday).
    name : str
        A label for tables and messages.

    Examples
    --------
    Friday 2025-07-04 is a holiday; Monday 2025-07-07 is the next business day:

    >>> city = BusinessCalendar(holidays=(dt.date(2025, 7, 4),), name="city")
    >>> city.next_business_day(dt.date(2025, 7, 4))
    datetime.date(2025, 7, 7)
    """

    weekend: tuple[str, ...] = ("sat", "sun")
    holidays: tuple[dt.date, ...] = ()
    name: str = "Monday to Friday"

    @classmethod
    def from_setting(cls, setting: CalendarSetting) -> BusinessCalendar:
        """The calendar study.yml defines under ``calendars:``."""
        return cls(weekend=setting.weekend, holidays=setting.holidays, name=setting.name)

    @property
    def weekmask(self) -> str:
        """numpy's week mask: "1111100" for a Saturday–Sunday weekend."""
        weekend = {day.lower()[:3] for day in self.weekend}
        return "".join("0" if day in weekend else "1" for day in WEEKDAYS)

    def numpy_calendar(self) -> np.busdaycalendar:
        """The calendar as ``numpy.busdaycalendar`` (for ``np.busday_count`` and friends)."""
        holidays = np.array(sorted(self.holidays), dtype="datetime64[D]")
        return np.busdaycalendar(weekmask=self.weekmask, holidays=holidays)

    def is_business_day(self, dates: Iterable[dt.date] | dt.date) -> np.ndarray | bool:
        """Whether each date is a working day.

        Examples
        --------
        >>> BusinessCalendar().is_business_day([dt.date(2025, 7, 4), dt.date(2025, 7, 5)])
        array([ True, False])
        """
        single = isinstance(dates, dt.date)
        days = np.array([dates] if single else list(dates), dtype="datetime64[D]")
        result = np.is_busday(days, busdaycal=self.numpy_calendar())
        return bool(result[0]) if single else result

    def next_business_day(self, date: dt.date) -> dt.date:
        """``date`` itself when it is a working day, else the first working day after it."""
        day = np.datetime64(date, "D")
        return np.busday_offset(day, 0, roll="forward", busdaycal=self.numpy_calendar()).item()

    def add_business_days(self, date: dt.date | Iterable, days: int) -> dt.date | list:
        """The ``days``-th business day after ``date`` (rolled forward first): a due date.

        ``date`` may be one date or a sequence of them (``None`` stays ``None``).

        Examples
        --------
        Filed Saturday 2025-06-28; ten business days over the July 4 holiday:

        >>> city = BusinessCalendar(holidays=(dt.date(2025, 7, 4),))
        >>> city.add_business_days(dt.date(2025, 6, 28), 10)
        datetime.date(2025, 7, 15)
        """
        if isinstance(date, dt.date):
            return self.add_business_days([date], days)[0]
        starts = _days(date)
        known = ~np.isnat(starts)
        moved = starts.copy()
        moved[known] = np.busday_offset(
            starts[known], days, roll="forward", busdaycal=self.numpy_calendar()
        )
        return [day.item() if ok else None for day, ok in zip(moved, known, strict=True)]

    def business_days_between(self, start: Iterable, end: Iterable) -> np.ndarray:
        """Business days elapsed from each start date to the end date beside it.

        Both dates are first moved to the next business day when they are not one (see the
        module docstring); the count is then ``np.busday_count(start, end)``. Missing dates
        (``NaT``) give ``-1``; pass dates, not times (:func:`local_dates` makes them).

        Examples
        --------
        Filed Saturday 2025-06-28 (counts as Monday 06-30), decided Monday 2025-07-07; Friday
        07-04 is a holiday: Mon 30, Tue 1, Wed 2, Thu 3 are 4 business days.

        >>> city = BusinessCalendar(holidays=(dt.date(2025, 7, 4),))
        >>> city.business_days_between([dt.date(2025, 6, 28)], [dt.date(2025, 7, 7)])
        array([4])
        """
        starts, ends, known, result = _date_arrays(start, end)
        calendar = self.numpy_calendar()
        rolled_start = np.busday_offset(starts[known], 0, roll="forward", busdaycal=calendar)
        rolled_end = np.busday_offset(ends[known], 0, roll="forward", busdaycal=calendar)
        result[known] = np.busday_count(rolled_start, rolled_end, busdaycal=calendar)
        return result


def calendar_days_between(start: Iterable, end: Iterable) -> np.ndarray:
    """Calendar days from each start date to the end date beside it (``-1`` where missing).

    Examples
    --------
    >>> calendar_days_between([dt.date(2025, 6, 28)], [dt.date(2025, 7, 28)])
    array([30])
    """
    starts, ends, known, result = _date_arrays(start, end)
    result[known] = (ends[known] - starts[known]).astype("int64")
    return result


def _date_arrays(start: Iterable, end: Iterable):
    """Start and end as day arrays, where both are known, and a result of -1s to fill."""
    starts = _days(start)
    ends = _days(end)
    known = ~(np.isnat(starts) | np.isnat(ends))
    return starts, ends, known, np.full(len(starts), -1, dtype="int64")


def _days(dates: Iterable) -> np.ndarray:
    values = pd.to_datetime(pd.Series(list(dates), dtype=object))
    return values.to_numpy().astype("datetime64[D]")


def local_dates(times: pd.Series, timezone: str) -> pd.Series:
    """The date of each moment in ``timezone`` (times without a zone are taken as UTC).

    Examples
    --------
    >>> times = pd.Series(pd.to_datetime(["2025-07-01T05:00:00Z"]))
    >>> local_dates(times, "America/Los_Angeles").tolist()
    [datetime.date(2025, 6, 30)]
    """
    times = pd.to_datetime(times)
    if times.dt.tz is None:
        times = times.dt.tz_localize("UTC")
    local = times.dt.tz_convert(timezone)
    dates = [
        None if missing else day for day, missing in zip(local.dt.date, local.isna(), strict=True)
    ]
    return pd.Series(dates, index=times.index, dtype=object)
