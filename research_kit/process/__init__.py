"""Process mapping: process maps from YAML and event logs from permit or 311 systems."""

from research_kit.process.eventlog import read_event_log
from research_kit.process.spec import ProcessMap, parse_process_map, read_process_map

__all__ = ["ProcessMap", "parse_process_map", "read_event_log", "read_process_map"]
