"""The bundled sample study measures its own process: measures.yml is valid, every measure
charts and draws, phases split at the July 2025 pilot, and reading leaves the study unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import research_kit
from research_kit.checks import check_folder
from research_kit.measures import (
    measure_alt_text,
    measure_figure,
    measure_small_multiples,
    read_measures,
)

PILOT = pd.Timestamp("2025-07-01")


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def study(sample_study_path):
    with research_kit.open_study(sample_study_path) as opened:
        yield opened


def test_the_measures_file_is_valid_and_complete(sample_study_path):
    problems = [p for p in check_folder(sample_study_path) if "measures" in str(p.path)]
    assert problems == []
    measures = read_measures(sample_study_path / "measures.yml")
    assert 6 <= len(measures) <= 8
    kinds = {measure.source.kind for measure in measures}
    assert kinds == {"event_log", "survey", "csv"}
    for measure in measures:
        assert measure.owner and measure.department and measure.narrative and measure.definition
        if measure.source.kind == "event_log":
            assert pd.Timestamp(measure.rebase[0]) == PILOT, measure.id


def test_every_measure_charts_draws_and_is_described(study):
    before = _fingerprint(study.folder)
    log = study.event_log()
    months = pd.to_datetime(log["timestamp"], utc=True).dt.tz_convert(study.settings.timezone)
    log_months = months.dt.tz_localize(None).dt.to_period("M").nunique()
    for measure in study.measures():
        points = study.measure_chart(measure.id)
        if "group" in points:
            fig = measure_small_multiples(points, by="group", title=measure.name)
            text = measure_alt_text(points, name=measure.name, by="group")
        else:
            fig = measure_figure(points, title=measure.name, unit=measure.unit)
            text = measure_alt_text(points, name=measure.name, unit=measure.unit)
        plt.close(fig)
        assert measure.name in text and "Latest value" in text
        if measure.rebase:
            # the pilot splits each series into a phase before it and one after
            assert set(points["phase"]) == {0, 1}, measure.id
        if measure.source.kind == "event_log" and measure.source.options["statistic"] != (
            "share_within_deadline"
        ):
            assert len(points) == log_months, measure.id  # every month of the log
    assert _fingerprint(study.folder) == before
