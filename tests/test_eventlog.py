"""Event-log reading: CSV and XES against pm4py's oracles, unsafe and broken XES, time zones."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research_kit.errors import EventLogError
from research_kit.process import events, xes
from research_kit.process.eventlog import (
    parse_timestamps,
    read_event_log,
    read_event_log_with_details,
)
from research_kit.process.xes import read_xes

SHARED_LOGS = [
    "running-example.csv",
    "running-example.xes",
    "receipt.csv",
    "roadtraffic100traces.csv",
    "roadtraffic100traces.xes",
    "helpdesk.xes.gz",
    "reviewing.xes",
]
#: Which events pm4py's oracle counted. Every shipped log has only "complete" transitions (or
#: none), so both choices agree on them; reviewing.xes has start+complete pairs and its oracle
#: (3,730 events, top variant "invite reviewers, invite reviewers, …") counted every event.
ORACLE_TRANSITION = {"reviewing.xes": None}


def _xes(body: str, *, header: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    return header + '<log xes.version="1.0">\n' + body + "</log>\n"


def _event(activity: str, time: str | None, *extra: str) -> str:
    stamp = f'<date key="time:timestamp" value="{time}"/>' if time else ""
    return (
        f'<event><string key="concept:name" value="{activity}"/>{stamp}{"".join(extra)}</event>\n'
    )


def _trace(case: str, *events: str) -> str:
    return f'<trace><string key="concept:name" value="{case}"/>\n{"".join(events)}</trace>\n'


# -- the oracles ---------------------------------------------------------------------------------
@pytest.fixture
def oracles(shared_data: Path) -> dict:
    return json.loads((shared_data / "process" / "oracles.json").read_text())


@pytest.mark.parametrize("name", SHARED_LOGS)
def test_shared_logs_match_pm4py(shared_data, oracles, name):
    path = shared_data / "process" / name
    if not path.exists():
        pytest.skip(f"{name} is listed in oracles.json but not shipped")
    expected = oracles[name]
    reading = read_event_log_with_details(path, transition=ORACLE_TRANSITION.get(name, "complete"))
    log = reading.events
    by_case = log.groupby("case_id", sort=False)["activity"]
    assert log["case_id"].nunique() == expected["cases"]
    assert len(log) == expected["events"]
    assert log["activity"].nunique() == expected["activities"]
    assert by_case.first().value_counts().to_dict() == expected["start_activities"]
    assert by_case.last().value_counts().to_dict() == expected["end_activities"]
    ties = int(log.duplicated(["case_id", "timestamp"]).sum())
    assert ties == expected["same_case_timestamp_ties"]
    assert str(log["timestamp"].dt.tz) == "UTC"
    assert reading.columns["case_id"] == "case:concept:name"


@pytest.mark.parametrize("stem", ["running-example", "roadtraffic100traces"])
def test_csv_and_xes_exports_of_one_log_read_the_same(shared_data, stem):
    from_csv = read_event_log(shared_data / "process" / f"{stem}.csv")
    from_xes = read_event_log(shared_data / "process" / f"{stem}.xes")
    columns = ["case_id", "activity", "timestamp", "resource"]
    pd.testing.assert_frame_equal(from_csv[columns], from_xes[columns])


@pytest.mark.parametrize("name", ["roadtraffic100traces.xes", "helpdesk.xes.gz"])
def test_ties_keep_file_order(shared_data, name):
    log = read_event_log(shared_data / "process" / name)
    tied = log[log.duplicated(["case_id", "timestamp"], keep=False)]
    assert len(tied) > 0
    assert (tied.groupby(["case_id", "timestamp"])["line"].diff().dropna() > 0).all()


def test_xes_attributes_case_columns_and_types(shared_data):
    log = read_xes(shared_data / "process" / "roadtraffic100traces.xes")
    assert list(log.columns[:5]) == ["case_id", "activity", "timestamp", "resource", "lifecycle"]
    assert str(log["amount"].dtype) == "float64"
    helpdesk = read_xes(shared_data / "process" / "helpdesk.xes.gz")  # namespaced, gzip
    assert {"customer", "workgroup"} <= set(helpdesk.columns)
    reading = read_event_log_with_details(
        shared_data / "process" / "running-example.xes", activity="Activity"
    )
    example = reading.events
    assert reading.columns["activity"] == "Activity"
    assert "case:creator" in example.columns
    assert example["line"].min() == 1 and example["line"].max() == 42


# -- XES details ---------------------------------------------------------------------------------
def test_typed_nested_and_list_attributes(tmp_path):
    path = tmp_path / "typed.xes"
    path.write_text(
        _xes(
            "<trace>"
            '<string key="concept:name" value="c1"/><int key="priority" value="2"/>'
            '<list key="tags"><string key="t" value="x"/></list>'
            + _event(
                "Apply",
                "2025-01-01T09:00:00.000+01:00",
                '<int key="pages" value="12"/><float key="fee" value="10.5"/>',
                '<boolean key="online" value="true"/><id key="form" value="F-1"/>',
                '<date key="due" value="2025-02-01T00:00:00Z"/>',
                '<string key="meta" value="outer"><int key="inner" value="1"/></string>',
                '<container key="box"><string key="inside" value="y"/></container>',
                '<string key="mixed" value="a"/>',
            )
            + _event(
                "Decide",
                "2025-01-02T09:00:00.000+01:00",
                '<boolean key="online" value="false"/><int key="mixed" value="3"/>',
            )
            + "</trace>"
        )
    )
    log = read_xes(path)
    assert str(log["pages"].dtype) == "Int64" and log["pages"].iloc[0] == 12
    assert pd.isna(log["pages"].iloc[1])
    assert str(log["fee"].dtype) == "float64"
    assert log["online"].tolist() == [True, False]
    assert log["form"].iloc[0] == "F-1"
    assert str(log["due"].dt.tz) == "UTC"
    assert log["meta"].iloc[0] == "outer"  # a nested attribute keeps its own value
    assert log["mixed"].tolist() == ["a", "3"]  # two types: kept as text, nothing lost
    assert log["case:priority"].tolist() == [2, 2]
    assert not {"tags", "t", "inner", "box", "inside", "case:tags"} & set(log.columns)


def test_lifecycle_complete_by_default_and_all_on_request(tmp_path):
    lifecycle = '<string key="lifecycle:transition" value="{}"/>'
    path = tmp_path / "lifecycle.xes"
    path.write_text(
        _xes(
            _trace(
                "c1",
                _event("Review", "2025-01-01T09:00:00Z", lifecycle.format("start")),
                _event("Review", "2025-01-01T10:00:00Z", lifecycle.format("complete")),
                _event("Decide", "2025-01-01T11:00:00Z"),  # no transition: counts as complete
            )
        )
    )
    log = read_xes(path)
    assert log["activity"].tolist() == ["Review", "Decide"]
    assert read_event_log_with_details(path).lifecycle_dropped == 1
    assert read_xes(path, lifecycle=None)["activity"].tolist() == ["Review", "Review", "Decide"]
    assert len(read_event_log(path, transition=None)) == 3
    with pytest.raises(EventLogError, match="no event has the lifecycle transition 'resume'"):
        read_xes(path, lifecycle="resume")


def test_xes_missing_timestamp_is_reported_with_event_and_file_line(tmp_path):
    path = tmp_path / "missing_time.xes"
    path.write_text(
        _xes(
            _trace("c1", _event("Apply", "2025-01-01T09:00:00Z"), _event("Review", None))
            + _trace("c2", _event("Apply", "not a time"))
        )
    )
    with pytest.raises(EventLogError, match=r"2 timestamp\(s\) cannot be read") as raised:
        read_xes(path)
    assert raised.value.path == path and str(path) in str(raised.value)
    assert "events 2, 3" in str(raised.value)
    assert raised.value.line == 5  # the file line of the second <event>
    kept = read_xes(path, errors="drop")
    assert kept["activity"].tolist() == ["Apply"]
    assert read_event_log_with_details(path, errors="drop").unparsed_lines == (2, 3)


def test_xes_trace_without_name_is_refused(tmp_path):
    path = tmp_path / "unnamed.xes"
    path.write_text(
        _xes(
            _trace("c1", _event("A", "2025-01-01T00:00:00Z"))
            + "<trace>\n"
            + _event("B", "2025-01-01T00:00:00Z")
            + "</trace>\n"
        )
    )
    with pytest.raises(EventLogError, match="no case id") as raised:
        read_xes(path)
    assert raised.value.line == 7


def test_event_outside_trace_and_not_xes(tmp_path):
    path = tmp_path / "loose.xes"
    path.write_text(_xes(_event("A", "2025-01-01T00:00:00Z")))
    with pytest.raises(EventLogError, match="outside any <trace>"):
        read_xes(path)
    path.write_text('<?xml version="1.0"?><catalog><trace/></catalog>')
    with pytest.raises(EventLogError, match="not an XES log"):
        read_xes(path)
    path.write_text("case,activity\n1,a\n")
    with pytest.raises(EventLogError, match="not XML"):
        read_xes(path)
    path.write_text("  \n")
    with pytest.raises(EventLogError, match="empty"):
        read_xes(path)
    path.write_text(_xes("<trace/>"))
    with pytest.raises(EventLogError, match="has no events"):
        read_xes(path)


# -- unsafe XML ----------------------------------------------------------------------------------
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE log [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<log><trace><string key="concept:name" value="&lol9;"/></trace></log>\n'
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    '<log><trace><string key="concept:name" value="1"/><event>'
    '<string key="concept:name" value="&secret;"/>'
    '<date key="time:timestamp" value="2025-01-01T00:00:00Z"/></event></trace></log>\n'
)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (LAUGHS.encode(), "laughs.xes"),
        (XXE.encode(), "xxe.xes"),
        (gzip.compress(LAUGHS.encode()), "laughs.xes.gz"),
        (("<!-- <log> -->\n<?pi x?>\n" + XXE.split("\n", 1)[1]).encode(), "hidden.xes"),
        (XXE.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1).encode("utf-16"), "utf16.xes"),
        (XXE.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>', 1).encode("utf-16-le"), "le.xes"),
        (
            b'<?xml version="1.0"?><!doctype log SYSTEM "http://example.invalid/x.dtd"><log/>',
            "external.xes",
        ),
    ],
    ids=[
        "billion-laughs",
        "xxe",
        "gzipped-laughs",
        "after-comment",
        "utf-16",
        "utf-16-no-bom",
        "external-dtd",
    ],
)
@pytest.mark.timeout(600)  # a hang guard (expanding the entities would never end), not a speed test
def test_doctype_is_refused_before_parsing(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(EventLogError, match="DOCTYPE") as raised:
        read_xes(path)
    assert raised.value.path == path and raised.value.hint
    assert "root:" not in str(raised.value)


@pytest.mark.timeout(600)  # a hang guard, not a speed test
@pytest.mark.parametrize("content", [LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_parser_itself_expands_and_fetches_nothing(tmp_path, monkeypatch, content):
    """Even past the prolog check, lxml is set to resolve no entity and load no DTD."""
    monkeypatch.setattr(xes, "_scan_prolog", lambda text: "root")
    path = tmp_path / "sneaky.xes"
    path.write_text(content)
    with pytest.raises(EventLogError) as raised:
        read_xes(path)
    assert "root:" not in str(raised.value)


def test_undeclared_entity_is_an_error_not_a_lookup(tmp_path):
    path = tmp_path / "entity.xes"
    path.write_text(_xes(_trace("&secret;", _event("A", "2025-01-01T00:00:00Z"))))
    with pytest.raises(EventLogError, match="not complete, valid XML"):
        read_xes(path)


# -- broken files --------------------------------------------------------------------------------
def test_truncated_xes_and_gzip_name_the_file(shared_data, tmp_path):
    whole = (shared_data / "process" / "running-example.xes").read_bytes()
    cut = tmp_path / "cut.xes"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(EventLogError, match="not complete") as raised:
        read_event_log(cut)
    assert raised.value.path == cut and str(cut) in str(raised.value)
    zipped = (shared_data / "process" / "helpdesk.xes.gz").read_bytes()
    cut_gz = tmp_path / "cut.xes.gz"
    cut_gz.write_bytes(zipped[: len(zipped) // 3])
    with pytest.raises(EventLogError, match=r"decompressed|not complete") as raised:
        read_event_log(cut_gz)
    assert raised.value.path == cut_gz


def test_gzip_that_is_not_gzip(tmp_path):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(b"PK\x03\x04 this is a zip, not a gzip")
    with pytest.raises(EventLogError, match="not gzip-compressed") as raised:
        read_event_log(path)
    assert str(path) in str(raised.value)
    path.write_bytes(b"\x1f\x8b\x08\x00garbage after a gzip magic number")
    with pytest.raises(EventLogError, match="cannot be decompressed") as raised:
        read_event_log(path)
    assert raised.value.path == path


def test_plain_xes_content_gzipped_under_xes_name_is_read(tmp_path):
    path = tmp_path / "actually_gzipped.xes"
    path.write_bytes(gzip.compress(_xes(_trace("c", _event("A", "2025-01-01T00:00:00Z"))).encode()))
    assert read_xes(path)["activity"].tolist() == ["A"]


# -- CSV -----------------------------------------------------------------------------------------
def test_csv_with_xes_style_columns_is_mapped_and_says_so(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "case:concept:name,concept:name,time:timestamp,org:resource,lifecycle:transition,"
        "case:ward\n"
        "7,register,2025-03-04 09:00:00+01:00,Pete,complete,Ward 1\n"
        "7,decide,2025-03-04 10:00:00+01:00,Sara,complete,Ward 1\n"
    )
    reading = read_event_log_with_details(path, case="case_id")  # missing: XES name used
    log = reading.events
    assert reading.columns == {
        "case_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "resource": "org:resource",
        "lifecycle": "lifecycle:transition",
    }
    assert list(log.columns) == [
        "case_id", "activity", "timestamp", "resource", "lifecycle", "case:ward", "line",
    ]  # fmt: skip
    assert log["resource"].tolist() == ["Pete", "Sara"]


def test_csv_named_columns_win_and_lifecycle_filters(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "id,step,at,status,concept:name\n"
        "A,Apply,2025-01-01T10:00:00Z,start,x\n"
        "A,Apply,2025-01-01T11:00:00Z,complete,x\n"
        "A,Pay,2025-01-01T12:00:00Z,COMPLETE,x\n"
    )
    reading = read_event_log_with_details(
        path, case="id", activity="step", timestamp="at", lifecycle="status"
    )
    log = reading.events
    assert log["activity"].tolist() == ["Apply", "Pay"]
    assert (reading.lifecycle, reading.lifecycle_dropped) == ("complete", 1)
    assert reading.columns["activity"] == "step"
    everything = read_event_log(
        path, case="id", activity="step", timestamp="at", lifecycle="status", transition=None
    )
    assert len(everything) == 3


def test_column_named_twice_is_refused(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("case_id,activity,timestamp\nA,Apply,2025-01-01T10:00:00Z\n")
    with pytest.raises(EventLogError, match="named for both"):
        read_event_log(path, resource="activity")


def test_mixed_time_zones_and_formats(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,timestamp\n"
        "A,a,2025-03-04T09:00:00+01:00\n"
        "A,b,2025-03-04T09:00:00-08:00\n"
        "A,c,2025-03-04T09:00:00Z\n"
        "A,d,2025-03-04 09:00\n"
        "A,e, 2025-03-04T09:00:00-0500 \n"
        "A,f,03/04/2025 09:00\n"
    )
    log = read_event_log(path, timezone="America/Chicago")
    utc = {row.activity: str(row.timestamp) for row in log.itertuples()}
    assert utc == {
        "a": "2025-03-04 08:00:00+00:00",
        "b": "2025-03-04 17:00:00+00:00",
        "c": "2025-03-04 09:00:00+00:00",
        "d": "2025-03-04 15:00:00+00:00",  # naive: Chicago (CST, UTC-6)
        "e": "2025-03-04 14:00:00+00:00",
        "f": "2025-03-04 15:00:00+00:00",
    }
    assert str(log["timestamp"].dtype) == "datetime64[ns, UTC]"


def test_naive_times_follow_the_given_zone_across_dst(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,timestamp\nA,winter,2025-01-15 12:00\nA,summer,2025-07-15 12:00\n"
    )
    log = read_event_log(path, timezone="Europe/Amsterdam")
    assert [str(t) for t in log["timestamp"]] == [
        "2025-01-15 11:00:00+00:00",
        "2025-07-15 10:00:00+00:00",
    ]
    assert str(read_event_log(path)["timestamp"].iloc[0]) == "2025-01-15 12:00:00+00:00"


def test_errors_drop_lists_lines_and_raise_names_them(tmp_path):
    path = tmp_path / "events.csv"
    rows = ["case_id,activity,timestamp"] + [f"A,a{i},2025-01-01T10:{i:02d}:00Z" for i in range(8)]
    rows[3] = "A,bad1,31/31/2025"
    rows[6] = "A,bad2,"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(EventLogError, match=r"2 timestamp\(s\) cannot be read \(lines 4, 7\)") as r:
        read_event_log(path)
    assert r.value.line == 4
    reading = read_event_log_with_details(path, errors="drop")
    kept = reading.events
    assert reading.unparsed_lines == (4, 7)
    assert len(kept) == 6 and "bad1" not in kept["activity"].tolist()


def test_parse_timestamps_uniform_non_iso_column_is_vectorised(monkeypatch):
    def one_by_one(value, timezone):
        raise AssertionError(f"{value!r} was parsed on its own, not with its column")

    # Proven by what runs, not by a stopwatch: no value falls through to one-by-one parsing.
    monkeypatch.setattr(events, "_one_timestamp", one_by_one)
    values = pd.Series([f"{m:02d}/15/2024 08:30" for m in range(1, 13)] * 2000)
    times, bad, outside = parse_timestamps(values, "UTC")
    assert not bad.any() and not outside.any()
    assert str(times.iloc[1]) == "2024-02-15 08:30:00+00:00"


@pytest.mark.slow
@pytest.mark.timeout(600)  # a hang guard; the speed is a figure of `make bench` (bench_mining)
def test_a_million_csv_events_are_all_read(tmp_path):
    rng = np.random.default_rng(5)
    n = 1_000_000
    cases = np.sort(rng.integers(0, 100_000, n))
    times = np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 3e7, n).astype("timedelta64[s]")
    frame = pd.DataFrame(
        {
            "case:concept:name": cases,
            "concept:name": rng.choice([f"Activity {i}" for i in range(15)], n),
            "time:timestamp": pd.DatetimeIndex(times).strftime("%Y-%m-%dT%H:%M:%S-07:00"),
        }
    )
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    log = read_event_log(path)
    assert len(log) == n
    assert log["case_id"].nunique() == len(np.unique(cases))


# -- times outside what an event table can hold -----------------------------------------------
OUT_OF_RANGE = [
    "0001-01-01T10:00:00Z",
    "1400-05-01 10:00",
    "9999-12-31T10:00:00+01:00",
    "03/02/1400 14:05",  # not ISO: the slow path
    "12/31/9999",
]


@pytest.mark.parametrize("stamp", OUT_OF_RANGE)
@pytest.mark.parametrize("errors", ["raise", "drop"])
def test_csv_time_outside_the_range_is_an_error_naming_the_line(tmp_path, stamp, errors):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,timestamp\n"
        "A,Apply,2025-01-01T10:00:00Z\n"
        f"A,Review,{stamp}\n"
        "B,Apply,2025-01-02T10:00:00Z\n"
    )
    with pytest.raises(EventLogError, match=r"1 timestamp\(s\) fall outside 1677-09-21") as r:
        read_event_log(path, errors=errors)
    assert r.value.path == path
    assert r.value.line == 3
    assert "lines 3" in str(r.value)
    assert "year" in r.value.hint


def test_start_time_outside_the_range_is_an_error(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,start,timestamp\n"
        "A,Apply,2025-01-01T09:00:00Z,2025-01-01T10:00:00Z\n"
        "A,Review,0001-01-02T09:00:00Z,2025-01-02T10:00:00Z\n"
    )
    with pytest.raises(EventLogError, match="fall outside") as raised:
        read_event_log(path, start_timestamp="start")
    assert raised.value.line == 3


def test_times_at_the_edges_of_the_range_are_kept_exactly(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "case_id,activity,timestamp\nA,First,1677-09-22T00:00:00Z\nA,Last,2262-04-10T00:00:00Z\n"
    )
    log = read_event_log(path)
    assert [str(t) for t in log["timestamp"]] == [
        "1677-09-22 00:00:00+00:00",
        "2262-04-10 00:00:00+00:00",
    ]


def test_xes_time_outside_the_range_names_the_event_and_file_line(tmp_path):
    path = tmp_path / "log.xes"
    path.write_text(
        _xes(
            _trace(
                "A",
                _event("Apply", "2025-01-01T10:00:00+00:00"),
                _event("Review", "9999-01-01T10:00:00+00:00"),
            )
        )
    )
    with pytest.raises(EventLogError, match=r"fall outside .*events 2; file lines 5") as r:
        read_xes(path)
    assert r.value.line == 5


def test_xes_date_attribute_outside_the_range_is_kept_as_written(tmp_path):
    path = tmp_path / "log.xes"
    due = '<date key="due" value="0001-01-01T00:00:00+00:00"/>'
    path.write_text(_xes(_trace("A", _event("Apply", "2025-01-01T10:00:00+00:00", due))))
    assert read_xes(path)["due"].tolist() == ["0001-01-01T00:00:00+00:00"]


def test_parse_timestamps_marks_out_of_range_apart_from_unreadable():
    times, bad, outside = parse_timestamps(
        pd.Series(["1400-01-01", "soon", "2025-01-01", "9999-12-31 23:00"])
    )
    assert bad.tolist() == [False, True, False, False]
    assert outside.tolist() == [True, False, False, True]
    assert times.isna().tolist() == [True, True, False, True]


def test_mining_refuses_a_hand_made_table_with_a_time_out_of_range():
    from research_kit.process import variants

    events = pd.DataFrame(
        {
            "case_id": ["A", "A"],
            "activity": ["Apply", "Review"],
            "timestamp": pd.to_datetime(["2025-01-01", "1400-01-01"], utc=True, format="ISO8601"),
        }
    )
    with pytest.raises(EventLogError, match="outside 1677-09-21 to 2262-04-11"):
        variants(events)


def test_xes_int_attribute_too_large_for_a_column_is_kept_as_written(tmp_path):
    path = tmp_path / "log.xes"
    huge = '<int key="cost" value="1000000000000000000000000000000"/>'
    half = '<int key="pages" value="1.5"/>'
    events = [
        _event("Apply", "2025-01-01T10:00:00+00:00", huge, half),
        _event("Pay", "2025-01-02T10:00:00+00:00", '<int key="cost" value="7"/>'),
    ]
    path.write_text(_xes(_trace("A", *events)))
    log = read_xes(path)
    assert log["cost"].tolist() == ["1000000000000000000000000000000", "7"]
    assert log["pages"].tolist()[0] == "1.5"


def test_how_a_log_was_read_is_in_the_reading_not_in_attrs(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "id,step,at,status\n"
        "A,Apply,2025-01-01T10:00:00Z,start\n"
        "A,Apply,2025-01-01T11:00:00Z,complete\n"
        "A,Pay,sometime,complete\n"
    )
    options = {"case": "id", "activity": "step", "timestamp": "at", "lifecycle": "status"}
    reading = read_event_log_with_details(path, errors="drop", **options)
    assert (reading.source, reading.unparsed_lines, reading.lifecycle_dropped) == (path, (4,), 1)
    assert not {"columns", "unparsed_lines", "lifecycle_dropped"} & set(reading.events.attrs)
    assert read_event_log(path, errors="drop", **options).equals(reading.events)
    with pytest.raises(AttributeError):
        reading.unparsed_lines = ()  # frozen: what the reading found stays as found
