"""The brief's "Who is hit hardest" section: numbers from disparity(), no hidden group named, maps.

The findings are assembled once (a module fixture) on a copy of the sample study in which four
dissatisfied respondents say they belong to a race/ethnicity nobody else gave: too few to show,
and at 0% satisfied the group every comparison would name if suppression let it through.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import research_kit
from research_kit import places
from research_kit import process as pm
from research_kit.briefs import assemble_findings
from research_kit.places import read_boundaries
from research_kit.survey import top_box

TINY_GROUP = "Pacific Islander"
QUESTION = "Overall, how satisfied are you with the City's permitting services?"


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    folder = research_kit.scratch_copy("interview_data", tmp_path_factory.mktemp("equity") / "s")
    settings = folder / "study.yml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("Another race, ", f"Another race, {TINY_GROUP}, ", 1)
    settings.write_text(text, encoding="utf-8")
    survey_file = folder / "survey" / "permitting_survey_2026.csv"
    survey = pd.read_csv(survey_file, dtype=str, keep_default_na=False)
    dissatisfied = survey.index[survey[QUESTION] == "Very dissatisfied"][:4]
    survey.loc[dissatisfied, "Race/ethnicity"] = TINY_GROUP
    survey.to_csv(survey_file, index=False)
    study = research_kit.open_study(folder)
    findings = assemble_findings(study)
    yield study, findings
    study.close()


def _equity(findings):
    return next(section for section in findings.sections if section.id == "equity")


def _hardest(rows: pd.DataFrame) -> pd.Series:
    behind = rows[(rows["status"] == "shown") & (rows["direction"] == "worse")]
    return behind.loc[behind["rate_difference"].abs().idxmax()]


def _expected_sentences(study) -> dict[tuple[str, str], str]:
    """Each outcome's sentence recomputed from the public functions (the oracle)."""
    expected = {}
    survey = study.survey()
    weights = study.survey_weights()
    scale = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"]
    for by, label in (("ward", "Ward"), ("race_ethnicity", "Race/ethnicity")):
        shares = top_box(
            survey,
            [QUESTION],
            order={QUESTION: scale},
            weights=weights.to_numpy(float),
            by=by,
            min_cell_size=study.min_cell_size,
            calibrated_on=study.survey_weights_result().calibrated_on,
        )
        shares = shares[shares["group"] != "Prefer not to say"]
        rows = places.disparity(
            shares, by="group", value="share", se="se", low="ci_low", high="ci_high"
        )
        expected[("survey", label)] = places.disparity_sentence(_hardest(rows))
    summary = study.deadlines(by="ward").summary
    for deadline, table in summary[summary["by"] == "ward"].groupby("deadline", sort=False):
        table = table.assign(decided=table["n_within"] + table["n_breached"])
        rows = places.disparity(table, by="group", numerator="n_within", denominator="decided")
        if (rows["direction"] == "worse").any():
            expected[(deadline, "Ward")] = places.disparity_sentence(_hardest(rows))
    log = study.event_log()
    durations = pm.case_durations(log)
    ward_of = log.groupby("case_id")["ward"].first()
    days = (durations["duration"].dt.total_seconds() / 86400).groupby(
        durations["case_id"].map(ward_of)
    )
    medians = days.median().rename("days").rename_axis("ward").reset_index()
    rows = places.disparity(medians, by="ward", value="days", polarity="lower_is_better")
    expected[("Median days", "Ward")] = places.disparity_sentence(_hardest(rows))
    return expected


def test_the_section_answers_who_is_hit_hardest(brief):
    _, findings = brief
    section = _equity(findings)
    assert section.title == "Who is hit hardest"
    table = section.tables[0].frame
    assert {"Ward", "Race/ethnicity"} <= set(table["Compared by"])
    assert table["Outcome"].str.startswith("Median days").any()
    assert table["Outcome"].str.contains("within the deadline").any()
    assert section.summary.count("margin of error") == len(table)


def test_every_sentence_matches_disparity(brief):
    study, findings = brief
    section = _equity(findings)
    table = section.tables[0].frame
    expected = _expected_sentences(study)
    assert len(table) == len(expected)
    for (outcome, by), sentence in expected.items():
        assert sentence in section.summary, (outcome, by)
        row = table[
            (table["Compared by"] == by)
            & table["Outcome"].str.startswith("Satisfied" if outcome == "survey" else outcome)
        ]
        assert len(row) == 1, (outcome, by)
        row = row.iloc[0]
        # the table says the same numbers as the sentence
        assert sentence.startswith(f"{row['Hardest hit']}: {row['Value']} against ")
        assert row["Difference (95% CI)"].split()[0].lstrip("-") in sentence


def test_no_suppressed_group_is_named_as_hardest_hit(brief):
    study, findings = brief
    survey = study.survey()
    assert (survey["race_ethnicity"] == TINY_GROUP).sum() == 4  # the hidden group exists
    section = _equity(findings)
    assert TINY_GROUP not in set(section.tables[0].frame["Hardest hit"])
    assert TINY_GROUP not in section.summary
    assert all(TINY_GROUP not in figure.svg for figure in section.figures)


def test_each_map_has_one_shape_per_ward_and_no_external_urls(brief):
    study, findings = brief
    source = study.settings.boundaries[0]
    wards = set(read_boundaries(source.path, key=source.key)["place"])
    figures = _equity(findings).figures
    assert len(figures) == (_equity(findings).tables[0].frame["Compared by"] == "Ward").sum()
    for figure in figures:
        labels = re.findall(r'class="rk-place"[^>]*aria-label="([^":]+)', figure.svg)
        assert sorted(labels) == sorted(wards)
        assert figure.alt and figure.alt.startswith("Map of")
        urls = set(re.findall(r"(?:https?:)?//[^\s\"')]+", figure.svg))
        assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
