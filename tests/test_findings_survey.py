"""The survey parts of the findings: weighted estimates, suppression, answer themes, redaction.

Each test reads a copy of the sample study. The answers are clustered into a fixed number of
themes (choosing k is the slow step; ``tests/test_report.py`` runs the default once), and one
clustering is re-used across the briefs of a study the way the dashboard re-uses it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from research_kit import open_study
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs import assemble_findings, render_html
from research_kit.briefs.content import SUPPRESSED
from research_kit.survey import (
    WeightingWarning,
    design_effect,
    scale_order,
    top_box,
    wave_change,
    weighted_distribution,
)

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What one thing should the City change about permitting?"
SHARE = "Share of answers (95% margin of error)"
PII = " Call Marisol at 555-0142 or write to ana.p@example.org about it."

pytestmark = pytest.mark.slow


def _copy(tmp_path_factory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name) / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    return folder


def _set_min_cell_size(folder: Path, size: int) -> None:
    settings = folder / "study.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("min_cell_size: 5 ", f"min_cell_size: {size} ", 1), "utf-8")


@pytest.fixture(scope="module")
def fixed_k():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)
        yield


@pytest.fixture(scope="module")
def sample(tmp_path_factory, fixed_k):
    """The sample study (open) and its default findings."""
    with open_study(_copy(tmp_path_factory, "sample")) as study:
        yield study, assemble_findings(study)


def _scales(frame: pd.DataFrame, items) -> dict[str, list[str]]:
    return {item: list(scale_order(frame[item].dropna())[0]) for item in items}


def _percent(text: str) -> int:
    return int(text.split("%")[0])


def test_survey_numbers_are_the_weighted_top_box_estimates(sample):
    study, findings = sample
    frame, items = study.survey(), study.survey_source().likert
    raked = study.survey_weights_result(survey=frame)
    weights, calibrated_on = raked.weights, raked.calibrated_on
    assert calibrated_on == ("ward", "age_band", "race_ethnicity")
    order = _scales(frame, items)
    weighted = top_box(
        frame, items, order=order, weights=weights, min_cell_size=5, calibrated_on=calibrated_on
    )
    assert (weighted["variance_method"] == "calibrated").all()
    fixed = top_box(frame, items, order=order, weights=weights, min_cell_size=5)
    # The margins are known exactly, so answers tied to ward, age or race vary less.
    assert (weighted["se"] < fixed["se"]).any() and (fixed["variance_method"] != "calibrated").all()
    unweighted = top_box(frame, items, order=order, min_cell_size=5)
    section = findings.section("survey")
    shown = section.tables[0].frame.set_index("Statement")
    for row in weighted.itertuples():
        assert shown.loc[row.item, "Agree"] == f"{row.share:.0%}"
        assert (
            shown.loc[row.item, "Margin of error (95%)"]
            == f"\u00b1{row.margin_of_error * 100:.0f} pts"
        )
        assert shown.loc[row.item, "n"] == str(row.n)
    plain = [f"{share:.0%}" for share in unweighted["share"]]
    assert plain != shown.loc[list(unweighted["item"]), "Agree"].tolist()

    by_ward = top_box(
        frame,
        items[0],
        order=order,
        weights=weights,
        by="ward",
        min_cell_size=5,
        calibrated_on=calibrated_on,
    )
    table = section.tables[1].frame
    rows = table[table["Statement"] == items[0]].set_index("Ward")
    for row in by_ward.itertuples():
        assert rows.loc[row.group, "Agree"] == f"{row.share:.0%}"
        expected = "no clear difference"
        if row.significant:
            expected = "higher" if row.difference > 0 else "lower"
        assert rows.loc[row.group, "Versus the rest"] == expected
    assert (rows["Versus the rest"] != "no clear difference").any()

    assert section.notice is None
    assert all(t.note.startswith("Weighted to the population") for t in section.tables)
    # the table says it in plain words; the method section names the test
    assert "design-based t-test" not in section.tables[1].note
    assert "more than chance" in section.tables[1].note
    assert not any("unweighted" in line for line in findings.headlines)
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    effect = design_effect(weights).iloc[0]
    assert f"design effect {effect['deff']:.2f}" in method["Survey weighting"]
    assert "0.2\u20135 times the mean" in method["Survey weighting"]
    assert "Ward, Age and Race/ethnicity" in method["Survey weighting"]
    assert "significant at p < 0.05" in method["Survey statistics"]
    assert "design-based t-test" in method["Survey statistics"]


def test_every_survey_figure_has_alt_text_and_a_caption(sample):
    _, findings = sample
    for section_id in ("survey", "themes"):
        figures = findings.section(section_id).figures
        assert figures, section_id
        for figure in figures:
            assert figure.svg.startswith("<svg") and figure.alt and figure.caption
            assert f'aria-label="{figure.alt[:40]}' in figure.svg.replace("&#x27;", "'")
    likert, by_group = findings.section("survey").figures
    assert "Diverging bar chart" in likert.alt and "Very satisfied" in likert.svg
    assert "by ward" in by_group.alt


def test_themes_table_lists_every_theme_with_weighted_shares(sample):
    _, findings = sample
    themes = findings.answer_themes
    assert themes.question == QUESTION and (themes.themes["kind"] == "theme").sum() == 6
    section = findings.section("themes")
    every = section.tables[0].frame
    assert len(every) == len(themes.themes)  # the themes and the set-aside groups, by name
    table = every[every[SHARE] != SUPPRESSED]  # a small group is suppressed, shown last
    assert all(any(t.startswith(n) for n in themes.themes["name"]) for t in table["Theme"])
    assert table.columns.tolist() == [
        "Theme",
        SHARE,
        "Distinctive terms",
        "Example answer",
    ]
    shares = [_percent(s) for s in table[SHARE]]
    assert shares == sorted(shares, reverse=True)
    assert abs(sum(shares) - 100) <= len(shares) / 2  # whole percents, each rounded
    expected = weighted_distribution(
        themes.assignments,
        "cluster",
        weights=themes.assignments["weight"],
        levels=list(themes.themes["cluster"]),
    ).sort_values("share", ascending=False)
    expected = expected.head(len(table))  # the suppressed rows are the smallest
    assert table[SHARE].tolist() == [
        f"{s:.0%} (\u00b1{m * 100:.0f} pts)"
        for s, m in zip(expected["share"], expected["margin_of_error"], strict=True)
    ]
    assert (table["Example answer"].str.len().between(1, 201)).all()
    assert (table["Distinctive terms"] != "").all()

    counts = themes.counts.iloc[0]
    note = section.tables[0].note
    assert f"{counts['answered']:,} people answered;" in note
    assert f"{counts['non_answer']:,} non-answers" in note and f"{counts['blank']:,} blanks" in note
    top = expected.iloc[0]
    line = next(h for h in findings.headlines if "the most common theme" in h)
    assert line.startswith(
        f"About {top['share']:.0%} (\u00b1{top['margin_of_error'] * 100:.0f} points)"
    )
    assert f"raised \u201c{table['Theme'].iloc[0]}\u201d" in line
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    assert "grouped into 6 themes" in method["Open-ended answers"]


def test_reused_themes_give_the_same_brief_and_filter_by_ward(sample):
    study, findings = sample
    again = assemble_findings(study, answer_themes=findings.answer_themes)
    for section_id in ("survey", "themes"):
        for first, second in zip(
            findings.section(section_id).tables, again.section(section_id).tables, strict=True
        ):
            pd.testing.assert_frame_equal(first.frame, second.frame)
    ward = assemble_findings(study, ward="Ward 5", answer_themes=findings.answer_themes)
    table = ward.section("themes").tables[0].frame
    shares = [_percent(s) for s in table[SHARE] if s != SUPPRESSED]
    hidden = int((table[SHARE] == SUPPRESSED).sum())
    # the shares shown add up to 100 (rounding aside) unless some are suppressed
    assert sum(shares) - 100 <= len(table) / 2
    assert hidden or abs(sum(shares) - 100) <= len(table) / 2
    everywhere = findings.section("themes").tables[0].frame[SHARE]
    assert shares != [_percent(s) for s in everywhere if s != SUPPRESSED]
    assert "in Ward 5" in ward.section("themes").summary


def test_a_suppressed_group_never_shows_its_numbers(tmp_path_factory, fixed_k):
    folder = _copy(tmp_path_factory, "suppressed")
    _set_min_cell_size(folder, 100)  # 18-24: about 65 answers per statement
    with open_study(folder) as study:
        findings = assemble_findings(study, by="age_band")
        frame, items = study.survey(), study.survey_source().likert
        order = _scales(frame, items)
        weights = study.survey_weights(survey=frame)
        raw = top_box(frame, items, order=order, weights=weights, by="age_band", min_cell_size=1)
    section = findings.section("survey")
    overall = section.tables[0].frame.set_index("Statement")
    table = section.tables[1].frame
    young = table[table["Age"] == "18-24"]
    assert len(young) == len(items)
    assert (young[["n", "Agree", "Margin of error (95%)", "Versus the rest"]] == SUPPRESSED).all(
        axis=None
    )
    for item, rows in table.groupby("Statement"):
        hidden = rows[rows["n"] == SUPPRESSED]
        assert len(hidden) >= 2, rows  # never 18-24 alone: the item's n would give it away
        true_n = raw[(raw["item"] == item) & (raw["group"] == "18-24")]["n"].item()
        shown = rows.loc[rows["n"] != SUPPRESSED, "n"].astype(int).sum()
        assert int(overall.loc[item, "n"]) - shown != true_n
    html = render_html(findings)
    for figure in [*section.figures, *findings.section("themes").figures]:
        if "by age" in figure.alt:
            assert "18-24 suppressed" in figure.alt
    lowest = next(f for f in section.figures if "Dot chart" in f.alt)
    hidden_share = raw[
        (raw["group"] == "18-24")
        & (raw["item"] == lowest.alt.split("\u201c")[1].split("\u201d")[0])
    ]
    assert f"18-24 {hidden_share['share'].item():.0%}" not in html


def test_without_population_margins_the_brief_says_unweighted(tmp_path_factory, fixed_k):
    folder = _copy(tmp_path_factory, "unweighted")
    settings = folder / "study.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        re.sub(r"\n\s*population_margins:.*\n", "\n", text, count=1), encoding="utf-8"
    )
    with open_study(folder) as study:
        findings = assemble_findings(study)
        frame, items = study.survey(), study.survey_source().likert
        plain = top_box(frame, items, order=_scales(frame, items), min_cell_size=5)
    section = findings.section("survey")
    assert all(t.note.startswith("Unweighted") for t in section.tables)
    shown = section.tables[0].frame.set_index("Statement")["Agree"]
    assert [shown[item] for item in plain["item"]] == [f"{s:.0%}" for s in plain["share"]]
    assert "two-proportion z-test" not in section.tables[1].note  # plain words there
    assert any(line.endswith("(unweighted shares).") for line in findings.headlines)
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    assert "two-proportion z-test" in method["Survey statistics"]
    assert method["Survey weighting"].startswith("none (the study gives no population margins)")
    assert "Unweighted shares" in findings.section("themes").tables[0].note


def test_example_answers_and_theme_words_are_redacted(tmp_path_factory, fixed_k):
    folder = _copy(tmp_path_factory, "pii")
    path = folder / "survey" / "permitting_survey_2026.csv"
    survey = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    answered = survey[QUESTION].str.len() > 15  # real answers, not "n/a"
    survey.loc[answered, QUESTION] = survey.loc[answered, QUESTION] + PII
    survey.to_csv(path, index=False, encoding="utf-8-sig")
    with open_study(folder) as study:
        redacted = assemble_findings(study)
        raw = assemble_findings(study, redact=False, answer_themes=redacted.answer_themes)
    section = redacted.section("themes")
    shown = "\n".join(
        [
            section.summary,
            section.tables[0].frame.to_csv(),
            *(f.alt + f.svg for f in section.figures),
            *redacted.headlines,
        ]
    )
    for secret in ("555-0142", "ana.p@example.org", "marisol"):
        assert secret not in shown.casefold(), secret
    examples = section.tables[0].frame["Example answer"]
    assert examples.str.contains(r"\[phone\]").any() and examples.str.contains(r"\[email\]").any()
    assert "names, e-mails, phone numbers and addresses are redacted" in section.tables[0].note
    plain = raw.section("themes").tables[0].frame["Example answer"]
    assert plain.str.contains("555-0142").any()
    assert "not redacted" in raw.section("themes").tables[0].note


def test_the_method_says_when_trimming_could_not_meet_its_bounds(tmp_path_factory, fixed_k):
    # Ward 1 made thirty times as populous: its few respondents need weights far above five
    # times the mean, and the margins win over the trim bounds.
    folder = _copy(tmp_path_factory, "untrimmable")
    margins = folder / "survey" / "population_margins.csv"
    table = pd.read_csv(margins, dtype={"population": float})
    ward_1 = (table["variable"] == "Ward") & (table["category"] == "Ward 1")
    table.loc[ward_1, "population"] *= 30
    total = table.loc[table["variable"] == "Ward", "population"].sum()
    for variable in table["variable"].unique():
        if variable == "Ward":
            continue
        rows = table["variable"] == variable  # every margin describes the same population
        shares = table.loc[rows, "population"] / table.loc[rows, "population"].sum()
        table.loc[rows, "population"] = shares * total
    table.to_csv(margins, index=False)
    with open_study(folder) as study, pytest.warns(WeightingWarning, match="upper bound 5"):
        findings = assemble_findings(study)
    method = findings.method.tables[0].frame.set_index("Aspect")["Detail"]
    assert "trim bounds could not be met while matching the margins" in method["Survey weighting"]


def test_the_headline_says_whether_agreement_moved_beyond_its_margin_since_the_last_wave(sample):
    study, findings = sample
    line = next(line for line in findings.headlines if line.startswith("Only "))
    item = re.search(r"\u201c(.+?)\u201d", line).group(1)
    scale = list(scale_order(study.survey()[item].dropna())[0])
    table = wave_change(study, item, value=scale[-2:])
    earlier, latest = table.iloc[0], table.iloc[1]
    verdict = "more than the" if latest["change_exceeds_margin"] else "within the"
    assert (
        f"{earlier['estimate']:.0%} in {earlier['wave']} ({100 * latest['change']:+.1f} points, "
        f"{verdict} \u00b1{100 * latest['change_margin_of_error']:.1f}-point margin of error"
    ) in line


def test_a_survey_without_waves_gets_no_change_in_its_headline(tmp_path_factory, fixed_k):
    folder = _copy(tmp_path_factory, "one_wave")
    settings = folder / "study.yml"
    text = settings.read_text(encoding="utf-8")
    # Only the 2026 survey, in no series: the sample as it was before it had waves.
    text = re.sub(r"\n  - id: permitting_2025.*?\n\n", "\n\n", text, flags=re.S)
    settings.write_text(re.sub(r"\n\s*(series|wave):.*", "", text), encoding="utf-8")
    text = settings.read_text(encoding="utf-8")
    assert "series:" not in text and "permitting_2025" not in text
    with open_study(folder) as study:
        findings = assemble_findings(study)
    line = next(line for line in findings.headlines if line.startswith("Only "))
    assert " in 2025 " not in line and "margin of error" not in line
