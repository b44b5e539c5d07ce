"""Process mapping: process maps from YAML, event logs (CSV/XES), mining and rendering."""

from research_kit.process.bpmn import process_map_bpmn, save_bpmn
from research_kit.process.calendars import BusinessCalendar
from research_kit.process.chunked import ChunkedMining, mine_csv_in_chunks
from research_kit.process.comparison import Comparison, compare, compare_groups, compare_periods
from research_kit.process.conformance import (
    Conformance,
    UnmatchedActivitiesWarning,
    conformance,
    study_conformance,
)
from research_kit.process.deadlines import (
    DeadlinePerformance,
    deadline_cases,
    deadline_performance,
    wilson_interval,
)
from research_kit.process.discovery import directly_follows, end_activities, start_activities
from research_kit.process.dotted import dotted_chart
from research_kit.process.eventlog import (
    EventLogReading,
    read_event_log,
    read_event_log_with_details,
)
from research_kit.process.events import event_table
from research_kit.process.evidence import step_annotations, step_durations, step_evidence
from research_kit.process.export import (
    dfg_table,
    save_dfg,
    save_event_log_csv,
    save_event_log_xes,
)
from research_kit.process.filters import (
    filter_activities,
    filter_cases,
    filter_paths,
    filter_time_range,
    filter_top_variants,
)
from research_kit.process.handover import handover_figure, handovers
from research_kit.process.instances import (
    InstancePairing,
    activity_instances,
    activity_instances_with_details,
)
from research_kit.process.material import check, process_steps, study_event_log, study_process_map
from research_kit.process.overlay import (
    conformance_annotations,
    conformance_figure,
    conformance_pages,
)
from research_kit.process.pages import swimlane_page_plan, swimlane_pages, swimlane_pages_svg
from research_kit.process.performance import bottlenecks, case_durations, rework
from research_kit.process.process_net import ProcessNet, process_net
from research_kit.process.render import (
    format_duration,
    process_map_figure,
    process_map_fit,
    process_map_svg,
    save_figure,
    swimlane_figure,
    swimlane_fit,
    swimlane_layout,
    swimlane_svg,
)
from research_kit.process.spec import ProcessMap, parse_process_map, read_process_map
from research_kit.process.study_deadlines import study_deadlines
from research_kit.process.variant import case_variants, variants
from research_kit.process.xes import read_xes
from research_kit.settings import Deadline
from research_kit.study import register_study_method

__all__ = [
    "BusinessCalendar",
    "ChunkedMining",
    "Comparison",
    # conformance to the designed map
    "Conformance",
    "Deadline",
    "DeadlinePerformance",
    "EventLogReading",
    "InstancePairing",
    "ProcessMap",
    "ProcessNet",
    "UnmatchedActivitiesWarning",
    "activity_instances",
    "activity_instances_with_details",
    "bottlenecks",
    "case_durations",
    "case_variants",
    "check",
    "compare",
    "compare_groups",
    "compare_periods",
    "conformance",
    "conformance_annotations",
    "conformance_figure",
    "conformance_pages",
    "deadline_cases",
    "deadline_performance",
    "dfg_table",
    "directly_follows",
    "dotted_chart",
    "end_activities",
    "event_table",
    "filter_activities",
    "filter_cases",
    "filter_paths",
    "filter_time_range",
    "filter_top_variants",
    "format_duration",
    "handover_figure",
    "handovers",
    "mine_csv_in_chunks",
    "parse_process_map",
    "process_map_bpmn",
    "process_map_figure",
    "process_map_fit",
    "process_map_svg",
    "process_net",
    "process_steps",
    "read_event_log",
    "read_event_log_with_details",
    "read_process_map",
    "read_xes",
    "rework",
    "save_bpmn",
    "save_dfg",
    "save_event_log_csv",
    "save_event_log_xes",
    "save_figure",
    "start_activities",
    "step_annotations",
    "step_durations",
    "step_evidence",
    "study_conformance",
    "study_deadlines",
    "study_event_log",
    "study_process_map",
    "swimlane_figure",
    "swimlane_fit",
    "swimlane_layout",
    "swimlane_page_plan",
    "swimlane_pages",
    "swimlane_pages_svg",
    "swimlane_svg",
    "variants",
    "wilson_interval",
]

# The process room's readers, offered on every study (study.process_map(), study.event_log()).
register_study_method(study_process_map, name="process_map")
register_study_method(study_event_log, name="event_log")
register_study_method(study_conformance, name="conformance")
register_study_method(study_deadlines, name="deadlines")
