"""Process mining on tidy event tables, under its old single-module name (kept one release).

The functions now live one concept per module, and ``research_kit.process`` exports them all:

- :mod:`research_kit.process.discovery`: the directly-follows graph, start and end activities;
- :mod:`research_kit.process.variant`: variants and each case's variant;
- :mod:`research_kit.process.performance`: case durations, rework, bottlenecks;
- :mod:`research_kit.process.filters`: top variants, time range, activities, paths, cases;
- :mod:`research_kit.process.comparison`: two periods, two groups or two tables side by side;
- :func:`research_kit.process.events.event_table`: a small event table made by hand.

Their shared conventions (event order, waiting times, case bounds, durations) are set out in
:mod:`research_kit.process._arrays`. Import from ``research_kit.process`` instead of here.
"""

from __future__ import annotations

from research_kit.process.comparison import Comparison, compare, compare_groups, compare_periods
from research_kit.process.discovery import directly_follows, end_activities, start_activities
from research_kit.process.events import event_table
from research_kit.process.filters import (
    filter_activities,
    filter_cases,
    filter_paths,
    filter_time_range,
    filter_top_variants,
)
from research_kit.process.performance import bottlenecks, case_durations, rework
from research_kit.process.variant import ARROW, case_variants, variants

__all__ = [
    "ARROW",
    "Comparison",
    "bottlenecks",
    "case_durations",
    "case_variants",
    "compare",
    "compare_groups",
    "compare_periods",
    "directly_follows",
    "end_activities",
    "event_table",
    "filter_activities",
    "filter_cases",
    "filter_paths",
    "filter_time_range",
    "filter_top_variants",
    "rework",
    "start_activities",
    "variants",
]
