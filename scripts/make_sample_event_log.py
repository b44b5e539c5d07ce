"""Generate the synthetic permit event log bundled with research_kit's sample study.

What is simulated
-----------------
The small-business permit process of Port Alder, a *fictional* city (see the
sample study's world description). Every case, staff id and timestamp is
made up: the data is synthetic and describes no real city, applicant or
employee.

The log is produced by a small discrete-event simulation, not by drawing
independent random delays:

* Applications arrive day by day (online portal any time, the counter on
  working days) from 2024-07-01 to 2026-06-15, with seasonality. A warm-up
  period before the window fills the queues and is then dropped, as a real
  extract of "cases submitted in the window" would be.
* Permit Center clerks, zoning planners, plan reviewers, fire and health
  reviewers are staff pools serving first-come-first-served queues during
  business hours (08:00-17:00, weekdays, city holidays off).
* Plan review is the bottleneck: a few reviewers (vacancies reduce how many
  are on the small-business queue in some months) serve every first review
  and every re-review, so the wait before "Plan review" grows with load.
* Rework loops: incomplete applications (Request missing documents ->
  Resubmit documents -> Completeness check), plan corrections (Request plan
  corrections -> Submit revised plans -> Plan review) and failed inspections
  (Schedule inspection -> Inspection again). Fire and health sign-offs wait
  for the paper file to be routed. Some applicants withdraw after long waits.
* Inspections are booked by phone into limited inspector slots with a two
  working-day lead time and 4-hour windows.
* The "Small Business Express" pilot (from 2025-07-01, tenant improvements
  under 2,500 sq ft) lowers completeness and plan-correction rework.
* Equity signal: Ward 2 and Ward 5 applicants have higher incomplete and
  plan-correction rates, the Counter channel more completeness rework than
  Online, Ward 4 (expediters) the lowest.
* The extract ends on 2026-06-30: cases still running are cut off there.

Outputs (relative to the repository root)
-----------------------------------------
* interview_data/process/permit_events.csv - one row per event.
* benchmarks/data/sample_event_log_facts.json - facts recomputed by a separate,
  plain ``csv`` pass over the written file (not from simulation state).

Run from the repository root: ``python scripts/make_sample_event_log.py``.
The output is deterministic (fixed seed) and byte-identical on every run.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import json
import statistics
from collections import Counter, deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

SEED = 20260301
TZ = ZoneInfo("America/Los_Angeles")

ROOT = Path(__file__).resolve().parent.parent
CSV_PATH = ROOT / "interview_data" / "process" / "permit_events.csv"
FACTS_PATH = ROOT / "benchmarks" / "data" / "sample_event_log_facts.json"

WARMUP_START = date(2024, 3, 1)  # simulated but not written
WINDOW_START = date(2024, 7, 1)  # first submission written to the log
LAST_SUBMISSION = date(2026, 6, 15)
LOG_END = datetime(2026, 6, 30, 23, 59)  # extract cut-off (local time)
EXPRESS_START = date(2025, 7, 1)
PORTAL_LAUNCH = date(2025, 9, 8)  # AlderPermits replaces the old Tidemark portal
EXPRESS_MAX_SQFT = 2500

COLUMNS = [
    "case_id",
    "activity",
    "timestamp",
    "start_timestamp",
    "resource",
    "permit_type",
    "business_type",
    "ward",
    "channel",
]

# Activity labels (exactly the world description's permit-process table).
SUBMIT = "Submit application"
CHECK = "Completeness check"
REQUEST_DOCS = "Request missing documents"
RESUBMIT_DOCS = "Resubmit documents"
ZONING = "Zoning review"
PLAN_REVIEW = "Plan review"
REQUEST_CORRECTIONS = "Request plan corrections"
REVISED_PLANS = "Submit revised plans"
FIRE = "Fire review"
HEALTH = "Health review"
PAY = "Pay fees"
ISSUE = "Issue permit"
SCHEDULE = "Schedule inspection"
INSPECTION = "Inspection"
CERTIFICATE = "Issue certificate of occupancy"
WITHDRAW = "Withdraw application"

ACTIVITIES = [
    SUBMIT,
    CHECK,
    REQUEST_DOCS,
    RESUBMIT_DOCS,
    ZONING,
    PLAN_REVIEW,
    REQUEST_CORRECTIONS,
    REVISED_PLANS,
    FIRE,
    HEALTH,
    PAY,
    ISSUE,
    SCHEDULE,
    INSPECTION,
    CERTIFICATE,
    WITHDRAW,
]

APPLICANT = "APPLICANT"
PERMIT_CENTER = [f"PC-{i:02d}" for i in range(1, 9)]
PLAN_REVIEWERS = [f"PR-{i:02d}" for i in range(1, 8)]
INSPECTORS = [f"INS-{i:02d}" for i in range(1, 10)]
FIRE_STAFF = [f"FP-{i:02d}" for i in range(1, 4)]
HEALTH_STAFF = [f"PH-{i:02d}" for i in range(1, 5)]
ZONING_STAFF = [f"PZ-{i:02d}" for i in range(1, 4)]

WARDS = [f"Ward {i}" for i in range(1, 7)]
WARD_WEIGHTS = [0.20, 0.18, 0.15, 0.17, 0.15, 0.15]
BUSINESS_TYPES = [
    "Restaurant / food service",
    "Retail",
    "Personal services (salon, barber, nails)",
    "Contractor / trades",
    "Home-based business",
    "Professional services",
]
FOOD = BUSINESS_TYPES[0]
BUSINESS_BY_WARD = {  # probabilities in BUSINESS_TYPES order
    "Ward 1": [0.32, 0.28, 0.10, 0.05, 0.05, 0.20],
    "Ward 2": [0.42, 0.20, 0.14, 0.10, 0.08, 0.06],
    "Ward 3": [0.22, 0.18, 0.32, 0.10, 0.10, 0.08],
    "Ward 4": [0.18, 0.30, 0.12, 0.05, 0.10, 0.25],
    "Ward 5": [0.30, 0.14, 0.32, 0.10, 0.08, 0.06],
    "Ward 6": [0.14, 0.16, 0.10, 0.26, 0.24, 0.10],
}
TI, NEW_RESTAURANT, CHANGE_OF_USE, SIGN = (
    "Tenant improvement",
    "New restaurant",
    "Change of use",
    "Sign permit",
)
PERMIT_TYPES = [TI, NEW_RESTAURANT, CHANGE_OF_USE, SIGN]
PERMIT_BY_BUSINESS = {  # probabilities in PERMIT_TYPES order
    BUSINESS_TYPES[0]: [0.30, 0.50, 0.12, 0.08],
    BUSINESS_TYPES[1]: [0.55, 0.00, 0.15, 0.30],
    BUSINESS_TYPES[2]: [0.55, 0.00, 0.20, 0.25],
    BUSINESS_TYPES[3]: [0.45, 0.00, 0.20, 0.35],
    BUSINESS_TYPES[4]: [0.15, 0.00, 0.55, 0.30],
    BUSINESS_TYPES[5]: [0.60, 0.00, 0.10, 0.30],
}

# Arrivals: mean submissions per working day (weekends/holidays: online only).
WORKDAY_RATE = 4.1
NON_WORKDAY_FACTOR = 0.30
MONTH_SEASON = {
    1: 0.90,
    2: 0.95,
    3: 1.05,
    4: 1.15,
    5: 1.15,
    6: 1.05,
    7: 1.00,
    8: 0.95,
    9: 1.00,
    10: 1.00,
    11: 0.90,
    12: 0.80,
}
ONLINE_SHARE = {"before_portal": 0.50, "after_portal": 0.66}
ONLINE_WARD_SHIFT = {"Ward 2": -0.15, "Ward 4": 0.15, "Ward 5": -0.15}
CASE_NUMBER_GAP = (1, 6)  # other building permits share the numbering

# Rework probabilities.
INCOMPLETE_BASE = 0.35
INCOMPLETE_WARD = {
    "Ward 1": 0.0,
    "Ward 2": 0.10,
    "Ward 3": 0.03,
    "Ward 4": -0.13,
    "Ward 5": 0.10,
    "Ward 6": 0.0,
}
INCOMPLETE_CHANNEL = {"Online": -0.05, "Counter": 0.08}
INCOMPLETE_PORTAL_GLITCH = 0.06  # online uploads failing in the portal's first weeks
INCOMPLETE_RETRY_FACTOR = 0.40
REJECT_BASE = 0.45
REJECT_WARD = {
    "Ward 1": 0.0,
    "Ward 2": 0.08,
    "Ward 3": 0.03,
    "Ward 4": -0.13,
    "Ward 5": 0.08,
    "Ward 6": 0.0,
}
REJECT_PERMIT = {TI: 0.0, NEW_RESTAURANT: 0.06, CHANGE_OF_USE: 0.02, SIGN: -0.22}
REJECT_RETRY_FACTOR = 0.60
MAX_CORRECTION_LOOPS = 4
EXPRESS_PARTICIPATION = 0.85
EXPRESS_INCOMPLETE_FACTOR = 0.40
EXPRESS_REJECT_FACTOR = 0.45
INSPECTION_FAIL = [0.32, 0.24, 0.12]  # by attempt; later attempts pass
INSPECTOR_STRICTNESS = {"INS-03": 1.25, "INS-06": 0.85, "INS-08": 1.15}

# Routing and which reviews apply.
ZONING_SHARE = {TI: 0.10, NEW_RESTAURANT: 0.35, CHANGE_OF_USE: 1.0, SIGN: 0.25}
FIRE_NON_FOOD_SHARE = {TI: 0.08, CHANGE_OF_USE: 0.25}
FIRE_LATE_SHARE = 0.35  # fire review routed after plan approval as a separate handoff
SIGN_INSPECTION_SHARE = 0.20

# Staff capacity: plan reviewers working the small-business queue, by month.
PLAN_REVIEWERS_ON_QUEUE = [  # (first month, reviewers)
    (date(2024, 1, 1), 5),
    (date(2024, 10, 1), 6),
    (date(2025, 1, 1), 5),
    (date(2025, 5, 1), 4),
    (date(2025, 7, 1), 5),
    (date(2025, 9, 1), 6),
    (date(2026, 1, 1), 7),
    (date(2026, 5, 1), 6),
]
PLAN_REVIEW_MINUTES = {TI: 480, NEW_RESTAURANT: 900, CHANGE_OF_USE: 600, SIGN: 180}
RE_REVIEW_FACTOR = 0.55
PLAN_ROUTING_MINUTES = 540  # median business minutes for the file to reach the queue
PLAN_ROUTING_STALL_SHARE = 0.18  # files that sit unassigned ("status black hole")
PLAN_ROUTING_STALL_WORKDAYS = (10, 45)
INSPECTOR_HOME = {
    "INS-01": "Ward 1",
    "INS-02": "Ward 1",
    "INS-03": "Ward 2",
    "INS-04": "Ward 3",
    "INS-05": "Ward 4",
    "INS-06": "Ward 5",
    "INS-07": "Ward 6",
    "INS-08": "Ward 6",
    "INS-09": None,
}
INSPECTOR_DAILY_AVAILABILITY = 0.50  # share of days with small-business slots
INSPECTION_WINDOWS = [(time(8, 0), time(12, 0)), (time(12, 30), time(16, 30))]
INSPECTION_LEAD_WORKDAYS = 2
INSPECTION_MINUTES = {TI: 60, NEW_RESTAURANT: 90, CHANGE_OF_USE: 60, SIGN: 30}

# Applicant response times: (median days, log-sd).
RESUBMIT_DAYS = (6.0, 0.8)
REVISION_DAYS = (12.0, 0.7)
PAY_DAYS = (3.0, 0.9)
FIX_DAYS = (5.0, 0.7)
BUILD_OUT_DAYS = {
    TI: (35.0, 0.5),
    NEW_RESTAURANT: (70.0, 0.5),
    CHANGE_OF_USE: (25.0, 0.6),
    SIGN: (10.0, 0.5),
}
SLOW_RESPONSE_WARDS = {"Ward 2": 1.4, "Ward 5": 1.4, "Ward 4": 0.8}
PLAN_QUEUE_PATIENT_SHARE = 0.92  # others give up if the wait exceeds their patience
COUNTER_PAY_AND_ISSUE = 0.25  # counter payments where the permit prints on the spot

WORK_START, WORK_END = time(8, 0), time(17, 0)
COUNTER_OPEN_MINUTES = (30, 510)  # 08:30-16:30
PORTAL_HOUR_WEIGHTS = [1, 0, 0, 0, 0, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 7, 6, 6, 7, 7, 6, 4, 2]

# --------------------------------------------------------------------------
# Calendar helpers (naive local wall-clock time, America/Los_Angeles)
# --------------------------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 = last) given weekday of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + month // 12, month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def observed(day: date) -> date:
    """Move a Saturday holiday to Friday and a Sunday holiday to Monday."""
    shift = {5: -1, 6: 1}.get(day.weekday(), 0)
    return day + timedelta(days=shift)


def city_holidays(years: range) -> frozenset[date]:
    """City-hall closures (US federal-style holidays plus Cesar Chavez Day)."""
    days = []
    for y in years:
        thanksgiving = nth_weekday(y, 11, 3, 4)
        days += [
            observed(date(y, 1, 1)),
            nth_weekday(y, 1, 0, 3),
            nth_weekday(y, 2, 0, 3),
            observed(date(y, 3, 31)),
            nth_weekday(y, 5, 0, -1),
            observed(date(y, 6, 19)),
            observed(date(y, 7, 4)),
            nth_weekday(y, 9, 0, 1),
            observed(date(y, 11, 11)),
            thanksgiving,
            thanksgiving + timedelta(days=1),
            observed(date(y, 12, 25)),
        ]
    return frozenset(days)


HOLIDAYS = city_holidays(range(2024, 2028))


def is_workday(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def next_work_time(t: datetime) -> datetime:
    """The first moment at or after t inside business hours."""
    while True:
        day_start = datetime.combine(t.date(), WORK_START)
        day_end = datetime.combine(t.date(), WORK_END)
        if is_workday(t.date()) and t < day_end:
            return max(t, day_start)
        t = datetime.combine(t.date() + timedelta(days=1), WORK_START)


def add_work_minutes(t: datetime, minutes: int) -> datetime:
    """t plus a number of business-hour minutes."""
    t = next_work_time(t)
    while True:
        day_end = datetime.combine(t.date(), WORK_END)
        left = int((day_end - t).total_seconds() // 60)
        if minutes <= left:
            return t + timedelta(minutes=minutes)
        minutes -= left
        t = next_work_time(day_end)


def add_workdays(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        n -= is_workday(day)
    return day


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def to_iso(t: datetime | None) -> str:
    return "" if t is None else t.replace(tzinfo=TZ).isoformat(timespec="seconds")


# --------------------------------------------------------------------------
# Random draws
# --------------------------------------------------------------------------


def lognormal_days(
    rng: np.random.Generator, spec: tuple[float, float], factor: float = 1.0
) -> float:
    median, sigma = spec
    return float(median * factor * np.exp(sigma * rng.standard_normal()))


def work_minutes(rng: np.random.Generator, median: float, sigma: float = 0.35) -> int:
    return max(5, round(median * np.exp(sigma * rng.standard_normal())))


def portal_time(rng: np.random.Generator, earliest: datetime) -> datetime:
    """An online (portal) action: any day, mostly daytime and evenings."""
    weights = np.array(PORTAL_HOUR_WEIGHTS, dtype=float)
    day = earliest.date()
    while True:
        hour = int(rng.choice(24, p=weights / weights.sum()))
        t = datetime.combine(day, time(hour, int(rng.integers(0, 60))))
        if t >= earliest:
            return t
        day += timedelta(days=1)


def office_time(rng: np.random.Generator, earliest: datetime) -> datetime:
    """An in-person or phone action: working days, counter hours."""
    day = earliest.date()
    while True:
        if is_workday(day):
            offset = int(rng.integers(*COUNTER_OPEN_MINUTES))
            t = datetime.combine(day, time(8, 0)) + timedelta(minutes=offset)
            if t >= earliest:
                return t
        day += timedelta(days=1)


def staff_time(rng: np.random.Generator, earliest: datetime, max_minutes: int) -> datetime:
    """A staff action a short (business-hours) while after earliest."""
    return add_work_minutes(earliest, int(rng.integers(5, max_minutes)))


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------


@dataclass
class Case:
    serial: int
    submitted: datetime
    ward: str
    business_type: str
    permit_type: str
    channel: str
    sqft: int
    case_id: str = ""
    events: list[tuple[str, datetime, datetime | None, str]] = field(default_factory=list)

    @property
    def express(self) -> bool:
        """Eligible for the Small Business Express pilot (participation drawn later)."""
        return (
            self.permit_type == TI
            and self.sqft < EXPRESS_MAX_SQFT
            and self.submitted.date() >= EXPRESS_START
        )

    def log(
        self, activity: str, ts: datetime, resource: str, start: datetime | None = None
    ) -> None:
        self.events.append((activity, ts, start, resource))


def online_share(ward: str, day: date) -> float:
    key = "after_portal" if day >= PORTAL_LAUNCH else "before_portal"
    return ONLINE_SHARE[key] + ONLINE_WARD_SHIFT.get(ward, 0.0)


def daily_rate(day: date) -> float:
    trend = 1.0 + 0.05 * (day - WINDOW_START).days / 365.0
    rate = WORKDAY_RATE * MONTH_SEASON[day.month] * trend
    return rate if is_workday(day) else rate * NON_WORKDAY_FACTOR


def draw_case(rng: np.random.Generator, serial: int, day: date) -> Case:
    """Draw one application's attributes and submission time."""
    ward = WARDS[rng.choice(6, p=WARD_WEIGHTS)]
    business = BUSINESS_TYPES[rng.choice(6, p=BUSINESS_BY_WARD[ward])]
    permit = PERMIT_TYPES[rng.choice(4, p=PERMIT_BY_BUSINESS[business])]
    channel = "Online" if rng.random() < online_share(ward, day) else "Counter"
    start_of_day = datetime.combine(day, time(0, 0))
    submitted = (
        portal_time(rng, start_of_day) if channel == "Online" else office_time(rng, start_of_day)
    )
    sqft = int(round(1800 * np.exp(0.6 * rng.standard_normal()), -1))
    return Case(serial, submitted, ward, business, permit, channel, max(sqft, 150))


def generate_cases(rng: np.random.Generator) -> list[Case]:
    """Daily Poisson arrivals from the warm-up start to the last submission day."""
    cases: list[Case] = []
    day = WARMUP_START
    while day <= LAST_SUBMISSION:
        for _ in range(int(rng.poisson(daily_rate(day)))):
            cases.append(draw_case(rng, len(cases), day))
        day += timedelta(days=1)
    cases.sort(key=lambda c: (c.submitted, c.serial))
    assign_case_ids(rng, cases)
    return cases


def assign_case_ids(rng: np.random.Generator, cases: list[Case]) -> None:
    """BLD-<year>-<number>; numbers restart each year and have gaps."""
    number: dict[int, int] = {}
    for case in cases:
        year = case.submitted.year
        number[year] = number.get(year, 0) + int(rng.integers(*CASE_NUMBER_GAP))
        case.case_id = f"BLD-{year}-{number[year]:05d}"


# --------------------------------------------------------------------------
# Discrete-event engine: staff pools with FIFO queues
# --------------------------------------------------------------------------


@dataclass
class Wait:
    until: datetime


@dataclass
class Request:
    pool: str
    minutes: int
    give_up_at: datetime | None = None


@dataclass
class Ticket:
    process: Generator
    minutes: int
    done: bool = False


class Pool:
    """Staff serving one FIFO queue; capacity(t) says how many are on it."""

    def __init__(self, staff: list[str], capacity: Callable[[datetime], int] | None = None):
        self.staff = staff
        self.capacity = capacity or (lambda t: len(staff))
        self.idle: deque[str] = deque(staff)  # longest-idle first
        self.queue: deque[Ticket] = deque()

    def on_duty(self, member: str, t: datetime) -> bool:
        return self.staff.index(member) < self.capacity(t)


Process = Generator[object, object, None]


class Engine:
    def __init__(self, pools: dict[str, Pool], rng: np.random.Generator, stop: datetime):
        self.pools, self.rng, self.stop = pools, rng, stop
        self.heap: list[tuple[datetime, int, str, object]] = []
        self.seq = 0
        self.now = datetime.min

    def push(self, t: datetime, kind: str, payload: object) -> None:
        heapq.heappush(self.heap, (t, self.seq, kind, payload))
        self.seq += 1

    def start(self, process: Process, t: datetime) -> None:
        self.push(t, "resume", (process, None))

    def schedule_month_ticks(self, pool_name: str, first: date, last: date) -> None:
        day = next_month(first)
        while day <= last:
            self.push(datetime.combine(day, time(0, 0)), "tick", pool_name)
            day = next_month(day)

    def run(self) -> None:
        while self.heap:
            t, _, kind, payload = heapq.heappop(self.heap)
            if t > self.stop:
                break
            self.now = t
            getattr(self, f"_on_{kind}")(payload)

    def _on_resume(self, payload: tuple[Process, object]) -> None:
        process, value = payload
        try:
            command = process.send(value)
        except StopIteration:
            return
        if isinstance(command, Wait):
            self.push(max(command.until, self.now), "resume", (process, None))
        else:
            self._enqueue(command, process)

    def _enqueue(self, request: Request, process: Process) -> None:
        ticket = Ticket(process, request.minutes)
        self.pools[request.pool].queue.append(ticket)
        if request.give_up_at is not None:
            self.push(request.give_up_at, "give_up", (request.pool, ticket))
        self._dispatch(request.pool)

    def _dispatch(self, pool_name: str) -> None:
        pool = self.pools[pool_name]
        for member in list(pool.idle):
            while pool.queue and pool.queue[0].done:
                pool.queue.popleft()
            if not pool.queue:
                return
            if pool.on_duty(member, self.now):
                self._serve(pool_name, member, pool.queue.popleft())

    def _serve(self, pool_name: str, member: str, ticket: Ticket) -> None:
        pool = self.pools[pool_name]
        pool.idle.remove(member)
        ticket.done = True
        pickup = int(self.rng.integers(5, 45))
        start = add_work_minutes(self.now, pickup)
        end = add_work_minutes(start, ticket.minutes)
        self.push(end, "resume", (ticket.process, (start, end, member)))
        self.push(end, "free", (pool_name, member))

    def _on_free(self, payload: tuple[str, str]) -> None:
        pool_name, member = payload
        self.pools[pool_name].idle.append(member)
        self._dispatch(pool_name)

    def _on_give_up(self, payload: tuple[str, Ticket]) -> None:
        _pool_name, ticket = payload
        if not ticket.done:
            ticket.done = True
            self.push(self.now, "resume", (ticket.process, None))

    def _on_tick(self, pool_name: str) -> None:
        self._dispatch(pool_name)


def plan_reviewers_on_queue(t: datetime) -> int:
    count = PLAN_REVIEWERS_ON_QUEUE[0][1]
    for first, n in PLAN_REVIEWERS_ON_QUEUE:
        if t.date() >= first:
            count = n
    return count


def build_pools() -> dict[str, Pool]:
    return {
        "intake": Pool(PERMIT_CENTER),
        "zoning": Pool(ZONING_STAFF),
        "plan": Pool(PLAN_REVIEWERS, plan_reviewers_on_queue),
        "fire": Pool(FIRE_STAFF[:2]),  # the third fire marshal rarely takes these
        "health": Pool(HEALTH_STAFF),
    }


# --------------------------------------------------------------------------
# Inspection booking (phone line, limited slots)
# --------------------------------------------------------------------------


class InspectionDesk:
    """Books 4-hour inspection windows into inspectors' small-business slots."""

    def __init__(self, rng: np.random.Generator, first: date, last: date):
        self.available: dict[tuple[date, str], bool] = {}
        day = first
        while day <= last:
            for inspector in INSPECTORS:
                self.available[(day, inspector)] = (
                    is_workday(day) and rng.random() < INSPECTOR_DAILY_AVAILABILITY
                )
            day += timedelta(days=1)
        self.booked: set[tuple[date, str, int]] = set()

    def candidates(self, ward: str, day_offset: int) -> list[str]:
        home = [i for i in INSPECTORS if INSPECTOR_HOME[i] == ward]
        floaters = [i for i in INSPECTORS if INSPECTOR_HOME[i] is None]
        others = [i for i in INSPECTORS if i not in home and i not in floaters]
        return home + floaters + (others if day_offset >= 3 else [])

    def book(self, called: datetime, ward: str, skip_first: int) -> tuple[str, date, int]:
        """First free slot after the lead time; the applicant may pass on offers."""
        day = add_workdays(called.date(), INSPECTION_LEAD_WORKDAYS)
        offset = 0
        while True:
            for inspector in self.candidates(ward, offset):
                for window in range(len(INSPECTION_WINDOWS)):
                    key = (day, inspector, window)
                    if self.available.get((day, inspector)) and key not in self.booked:
                        if skip_first > 0:
                            skip_first -= 1
                            continue
                        self.booked.add(key)
                        return inspector, day, window
            day += timedelta(days=1)
            offset += 1


def inspection_times(
    rng: np.random.Generator, day: date, window: int, minutes: int
) -> tuple[datetime, datetime]:
    opens, closes = (datetime.combine(day, w) for w in INSPECTION_WINDOWS[window])
    slack = int((closes - opens).total_seconds() // 60) - minutes
    start = opens + timedelta(minutes=int(rng.integers(0, max(slack, 1))))
    return start, start + timedelta(minutes=minutes)


# --------------------------------------------------------------------------
# The permit process of one case
# --------------------------------------------------------------------------


def applicant_time(case: Case, rng: np.random.Generator, earliest: datetime) -> datetime:
    if case.channel == "Online":
        return portal_time(rng, earliest)
    return office_time(rng, earliest)


def response_factor(case: Case) -> float:
    factor = SLOW_RESPONSE_WARDS.get(case.ward, 1.0)
    return factor * (1.2 if case.channel == "Counter" else 1.0)


def p_incomplete(case: Case, attempt: int, express: bool) -> float:
    p = INCOMPLETE_BASE + INCOMPLETE_WARD[case.ward] + INCOMPLETE_CHANNEL[case.channel]
    glitch_end = PORTAL_LAUNCH + timedelta(days=70)
    if case.channel == "Online" and PORTAL_LAUNCH <= case.submitted.date() < glitch_end:
        p += INCOMPLETE_PORTAL_GLITCH
    if express:
        p *= EXPRESS_INCOMPLETE_FACTOR
    return float(np.clip(p * INCOMPLETE_RETRY_FACTOR**attempt, 0.01, 0.9))


def p_reject(case: Case, round_no: int, express: bool) -> float:
    p = REJECT_BASE + REJECT_WARD[case.ward] + REJECT_PERMIT[case.permit_type]
    if express:
        p *= EXPRESS_REJECT_FACTOR
    return float(np.clip(p * REJECT_RETRY_FACTOR**round_no, 0.01, 0.9))


def p_withdraw(case: Case, now: datetime, loops: int) -> float:
    """Chance an applicant gives up instead of answering a request."""
    months_waiting = (now - case.submitted).days / 30.0
    return min(0.5, 0.015 + 0.03 * loops + 0.02 * max(0.0, months_waiting - 3))


def withdraw_later(case: Case, rng: np.random.Generator, now: datetime) -> Process:
    """Applicant goes silent, then withdraws weeks later."""
    t = applicant_time(case, rng, now + timedelta(days=float(rng.uniform(20, 90))))
    yield Wait(t)
    case.log(WITHDRAW, t, APPLICANT)


def intake(case: Case, rng: np.random.Generator, express: bool) -> Process:
    """Completeness check with the missing-documents loop. Returns False if withdrawn."""
    attempt, arrived = 0, case.submitted
    while True:
        triage_days = 0 if case.channel == "Counter" and attempt == 0 else int(rng.integers(0, 3))
        yield Wait(next_work_time(arrived) + timedelta(days=triage_days))
        start, end, clerk = yield Request("intake", work_minutes(rng, 30))
        case.log(CHECK, end, clerk, start)
        if rng.random() >= p_incomplete(case, attempt, express):
            return True
        t = staff_time(rng, end, 90)
        case.log(REQUEST_DOCS, t, clerk)
        if rng.random() < p_withdraw(case, t, attempt):
            yield from withdraw_later(case, rng, t)
            return False
        arrived = applicant_time(
            case, rng, t + timedelta(days=lognormal_days(rng, RESUBMIT_DAYS, response_factor(case)))
        )
        yield Wait(arrived)
        case.log(RESUBMIT_DOCS, arrived, APPLICANT)
        attempt += 1


def routed_review(
    case: Case,
    rng: np.random.Generator,
    activity: str,
    pool: str,
    minutes: int,
    paper_days: tuple[int, int],
) -> Process:
    """A sign-off that waits for the (paper) file to be routed to another department."""
    last = case.events[-1][1]
    arrive = add_workdays(last.date(), int(rng.integers(*paper_days)))
    yield Wait(max(last, datetime.combine(arrive, time(9, 0))))
    start, end, reviewer = yield Request(pool, work_minutes(rng, minutes))
    case.log(activity, end, reviewer, start)


def route_to_plan_review(rng: np.random.Generator, entered: datetime) -> datetime:
    """Time the file reaches the plan-review queue; some files stall on the way."""
    minutes = work_minutes(rng, PLAN_ROUTING_MINUTES, 0.8)
    if rng.random() < PLAN_ROUTING_STALL_SHARE:
        minutes += int(rng.integers(*PLAN_ROUTING_STALL_WORKDAYS)) * 540
    return add_work_minutes(entered, minutes)


def plan_review_loop(case: Case, rng: np.random.Generator, express: bool) -> Process:
    """Plan review queue with corrections loop. Returns False if withdrawn."""
    round_no = 0
    while True:
        entered = case.events[-1][1]
        yield Wait(route_to_plan_review(rng, entered))
        base = PLAN_REVIEW_MINUTES[case.permit_type] * (RE_REVIEW_FACTOR if round_no else 1.0)
        give_up = None
        if rng.random() > PLAN_QUEUE_PATIENT_SHARE:
            give_up = entered + timedelta(days=float(25 + rng.exponential(35)))
        result = yield Request("plan", work_minutes(rng, base), give_up)
        if result is None:
            t = applicant_time(case, rng, give_up)
            yield Wait(t)
            case.log(WITHDRAW, t, APPLICANT)
            return False
        start, end, reviewer = result
        case.log(PLAN_REVIEW, end, reviewer, start)
        if round_no >= MAX_CORRECTION_LOOPS or rng.random() >= p_reject(case, round_no, express):
            return True
        t = staff_time(rng, end, 120)
        case.log(REQUEST_CORRECTIONS, t, reviewer)
        if rng.random() < p_withdraw(case, t, round_no + 1):
            yield from withdraw_later(case, rng, t)
            return False
        t = applicant_time(
            case, rng, t + timedelta(days=lognormal_days(rng, REVISION_DAYS, response_factor(case)))
        )
        yield Wait(t)
        case.log(REVISED_PLANS, t, APPLICANT)
        round_no += 1


def needs_fire(case: Case, rng: np.random.Generator) -> bool:
    if case.permit_type == SIGN:
        return False
    if case.business_type == FOOD:
        return True
    return rng.random() < FIRE_NON_FOOD_SHARE.get(case.permit_type, 0.0)


def pay_and_issue(case: Case, rng: np.random.Generator) -> Process:
    last = case.events[-1][1]
    paid = applicant_time(case, rng, last + timedelta(days=lognormal_days(rng, PAY_DAYS)))
    yield Wait(paid)
    case.log(PAY, paid, APPLICANT)
    if case.channel == "Counter" and rng.random() < COUNTER_PAY_AND_ISSUE:
        case.log(ISSUE, paid, rng.choice(PERMIT_CENTER).item())  # printed on the spot
        return
    issued = add_work_minutes(paid, int(rng.integers(30, 1500)))
    yield Wait(issued)
    case.log(ISSUE, issued, rng.choice(PERMIT_CENTER).item())


def inspections(case: Case, rng: np.random.Generator, desk: InspectionDesk) -> Process:
    """Schedule/inspect until passed; returns when the final inspection passes."""
    ready = case.events[-1][1] + timedelta(
        days=lognormal_days(rng, BUILD_OUT_DAYS[case.permit_type])
    )
    for attempt in range(len(INSPECTION_FAIL) + 1):
        called = office_time(rng, ready)  # phone line, business hours
        yield Wait(called)
        case.log(SCHEDULE, called, APPLICANT)
        skip = int(rng.integers(0, 4)) if rng.random() < 0.3 else 0
        inspector, day, window = desk.book(called, case.ward, skip)
        start, end = inspection_times(
            rng, day, window, work_minutes(rng, INSPECTION_MINUTES[case.permit_type], 0.3)
        )
        yield Wait(end)
        case.log(INSPECTION, end, inspector, start)
        fail = INSPECTION_FAIL[attempt] if attempt < len(INSPECTION_FAIL) else 0.0
        if rng.random() >= fail * INSPECTOR_STRICTNESS.get(inspector, 1.0):
            return
        ready = end + timedelta(days=lognormal_days(rng, FIX_DAYS))


def permit_process(case: Case, rng: np.random.Generator, desk: InspectionDesk) -> Process:
    """The whole small-business permit process for one case."""
    case.log(SUBMIT, case.submitted, APPLICANT)
    express = case.express and rng.random() < EXPRESS_PARTICIPATION
    if not (yield from intake(case, rng, express)):
        return
    if rng.random() < ZONING_SHARE[case.permit_type]:
        yield from routed_review(case, rng, ZONING, "zoning", 120, (1, 4))
    fire = needs_fire(case, rng)
    fire_late = fire and rng.random() < FIRE_LATE_SHARE
    if fire and not fire_late:
        yield from routed_review(case, rng, FIRE, "fire", 90, (1, 6))
    if not (yield from plan_review_loop(case, rng, express)):
        return
    late_reviews = []
    if fire_late:
        late_reviews.append((FIRE, "fire", 90, (3, 12)))
    if case.business_type == FOOD and case.permit_type != SIGN:
        late_reviews.append((HEALTH, "health", 120, (2, 10)))
    if len(late_reviews) == 2 and rng.random() < 0.5:
        late_reviews.reverse()
    for activity, pool, minutes, paper_days in late_reviews:
        yield from routed_review(case, rng, activity, pool, minutes, paper_days)
    yield from pay_and_issue(case, rng)
    if case.permit_type == SIGN and rng.random() >= SIGN_INSPECTION_SHARE:
        return
    yield from inspections(case, rng, desk)
    if case.permit_type != SIGN:
        t = add_work_minutes(case.events[-1][1], int(rng.integers(60, 5 * 540)))
        yield Wait(t)
        case.log(CERTIFICATE, t, rng.choice(PERMIT_CENTER).item())


def simulate(cases: list[Case]) -> None:
    desk = InspectionDesk(np.random.default_rng([SEED, 2]), WARMUP_START, date(2027, 12, 31))
    engine = Engine(build_pools(), np.random.default_rng([SEED, 1]), LOG_END)
    engine.schedule_month_ticks("plan", WARMUP_START, LOG_END.date())
    for case in cases:
        rng = np.random.default_rng([SEED, 100, case.serial])
        engine.start(permit_process(case, rng, desk), case.submitted)
    engine.run()


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def event_rows(cases: list[Case]) -> list[list[str]]:
    """Rows for cases submitted in the window, events up to the cut-off."""
    rows = []
    for case in sorted(cases, key=lambda c: c.case_id):
        if case.submitted.date() < WINDOW_START:
            continue
        ordered = sorted(enumerate(case.events), key=lambda e: (e[1][1], e[0]))
        for _, (activity, ts, start, resource) in ordered:
            if ts > LOG_END:
                continue
            rows.append(
                [
                    case.case_id,
                    activity,
                    to_iso(ts),
                    to_iso(start),
                    resource,
                    case.permit_type,
                    case.business_type,
                    case.ward,
                    case.channel,
                ]
            )
    return rows


def write_csv(rows: list[list[str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def read_traces(path: Path) -> dict[str, list[tuple[datetime, int, str]]]:
    """Independent pass over the CSV: case -> [(time, file order, activity)]."""
    traces: dict[str, list[tuple[datetime, int, str]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for order, row in enumerate(csv.DictReader(f)):
            ts = datetime.fromisoformat(row["timestamp"])
            traces.setdefault(row["case_id"], []).append((ts, order, row["activity"]))
    for events in traces.values():
        events.sort(key=lambda e: (e[0], e[1]))
    return traces


def compute_facts(path: Path) -> dict[str, object]:
    traces = read_traces(path)
    variants = Counter(tuple(a for _, _, a in ev) for ev in traces.values())
    durations = [(ev[-1][0] - ev[0][0]).total_seconds() / 86400 for ev in traces.values()]
    activities = {a for ev in traces.values() for _, _, a in ev}
    repeated = sum(1 for ev in traces.values() if len({a for _, _, a in ev}) < len(ev))
    return {
        "source": path.relative_to(ROOT).as_posix(),
        "csv_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "cases": len(traces),
        "events": sum(len(ev) for ev in traces.values()),
        "distinct_activities": len(activities),
        "distinct_variants": len(variants),
        "most_common_variant_count": variants.most_common(1)[0][1],
        "cases_with_repeated_activity": repeated,
        "mean_case_duration_days": round(statistics.fmean(durations), 2),
        "median_case_duration_days": round(statistics.median(durations), 2),
    }


def write_facts(facts: dict[str, object], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# Checks and summary (pandas)
# --------------------------------------------------------------------------


def load_log(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["ts"] = pd.to_datetime(df["timestamp"], utc=True)
    df["start"] = pd.to_datetime(df["start_timestamp"].where(df["start_timestamp"] != ""), utc=True)
    return df


def require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(f"event log check failed: {message}")


def check_log(df: pd.DataFrame) -> None:
    cases = df.groupby("case_id", sort=False)
    require(list(df.columns[:9]) == COLUMNS, "columns")
    require(
        bool((cases["activity"].first() == SUBMIT).all()), "cases start with Submit application"
    )
    require(
        bool(cases["ts"].apply(lambda s: s.is_monotonic_increasing).all()), "rows in time order"
    )
    require(df["ts"].max() <= pd.Timestamp(LOG_END.replace(tzinfo=TZ)), "no events after cut-off")
    require(bool((df["start"].isna() | (df["start"] <= df["ts"])).all()), "start <= completion")
    require(set(df["activity"]) <= set(ACTIVITIES), "known activity labels")


def plan_review_waits(df: pd.DataFrame) -> pd.DataFrame:
    prev = df.groupby("case_id", sort=False)["ts"].shift()
    pr = df.assign(prev=prev)[df["activity"] == PLAN_REVIEW]
    wait = (pr["start"] - pr["prev"]).dt.total_seconds() / 86400
    quarter = pr["prev"].dt.tz_convert(TZ).dt.tz_localize(None).dt.to_period("Q")
    return pd.DataFrame({"quarter": quarter, "wait_days": wait})


def print_summary(df: pd.DataFrame) -> None:
    cases = df.groupby("case_id", sort=False)
    traces = cases["activity"].agg(tuple)
    print(
        f"cases: {len(traces)}  events: {len(df)}  "
        f"ties inside a case: {int(df.duplicated(['case_id', 'timestamp']).sum())}"
    )
    print("top 5 variants:")
    for variant, n in traces.value_counts().head(5).items():
        print(f"  {n:4d}  {' > '.join(variant)}")
    rework = traces.apply(lambda t: len(set(t)) < len(t))
    print(f"share of cases with rework (any repeated activity): {rework.mean():.1%}")
    for label in (REQUEST_DOCS, REQUEST_CORRECTIONS, WITHDRAW):
        print(
            f"  cases with '{label}': {traces.apply(lambda t, label=label: label in t).mean():.1%}"
        )
    waits = plan_review_waits(df).groupby("quarter")["wait_days"]
    table = pd.DataFrame({"n": waits.size(), "median": waits.median(), "p90": waits.quantile(0.9)})
    print("wait before Plan review (days) by quarter of queue entry:")
    print(table.round(1).to_string())
    print_reform(df, traces)
    print_equity(df, traces)


def print_reform(df: pd.DataFrame, traces: pd.Series) -> None:
    attrs = df.groupby("case_id", sort=False).agg(
        permit_type=("permit_type", "first"), submitted=("ts", "first")
    )
    attrs["resubmitted"] = traces.apply(lambda t: RESUBMIT_DOCS in t or REVISED_PLANS in t)
    attrs["after"] = attrs["submitted"] >= pd.Timestamp(str(EXPRESS_START), tz=TZ)
    attrs["group"] = np.where(attrs["permit_type"] == TI, "Tenant improvement", "other types")
    rate = attrs.groupby(["group", "after"])["resubmitted"].agg(["size", "mean"])
    print(
        "resubmission rate (any Resubmit documents / Submit revised plans), "
        f"before vs after {EXPRESS_START}:"
    )
    print(rate.rename(columns={"size": "cases", "mean": "rate"}).round(3).to_string())


def print_equity(df: pd.DataFrame, traces: pd.Series) -> None:
    attrs = df.groupby("case_id", sort=False)[["ward", "channel"]].first()
    attrs["incomplete"] = traces.apply(lambda t: REQUEST_DOCS in t)
    attrs["corrections"] = traces.apply(lambda t: REQUEST_CORRECTIONS in t)
    print("rework by ward:")
    print(attrs.groupby("ward")[["incomplete", "corrections"]].mean().round(3).to_string())
    print("rework by channel:")
    print(attrs.groupby("channel")[["incomplete", "corrections"]].mean().round(3).to_string())


def main() -> None:
    cases = generate_cases(np.random.default_rng([SEED, 0]))
    simulate(cases)
    write_csv(event_rows(cases), CSV_PATH)
    facts = compute_facts(CSV_PATH)
    write_facts(facts, FACTS_PATH)
    df = load_log(CSV_PATH)
    check_log(df)
    print(
        f"wrote {CSV_PATH.relative_to(ROOT)} ({CSV_PATH.stat().st_size / 1e6:.2f} MB) "
        f"and {FACTS_PATH.relative_to(ROOT)}"
    )
    print_summary(df)


if __name__ == "__main__":
    main()
