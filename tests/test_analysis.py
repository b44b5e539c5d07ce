"""Analyses of codings checked against counts worked out by hand on a small coded study.

The fixture writes its own study: nine notes of eight short paragraphs (three never coded), a
follow-up interview with P01 (so documents and participants differ), and a codebook of six
themes holding the codes in ``CODEBOOK``. It codes 15 paragraphs with two coders, Ana and Ben,
plus one span that straddles two coded paragraphs (for overlap co-occurrence). The expected
numbers in each test are counted from ``NOTES``, ``CODEBOOK`` and the table ``CODINGS`` below.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from research_kit import open_study
from research_kit.errors import CodingError
from research_kit.interviews import apply_codes, segment
from research_kit.interviews.analysis import (
    code_by_attribute,
    code_cooccurrence,
    code_frequencies,
    quotes,
    saturation_curve,
    theme_summary,
)
from research_kit.viz import SUPPRESSED_HATCH, heatmap, line_chart
from tests._fixtures import write_codebook, write_note

ROLES = ["resident", "business owner", "front-desk clerk", "inspector", "manager"]
SETTINGS = f"""\
name: Analysis test study
min_cell_size: 5
attributes:
  participant: {{type: id, required: true}}
  role: {{type: category, required: true, values: [{", ".join(ROLES)}]}}
  department: {{type: category, values: [Permit Center, Building & Safety]}}
  ward: {{type: category, values: [Ward 1, Ward 2, Ward 3, Ward 4, Ward 5, Ward 6]}}
  date: {{type: date, required: true}}
  interviewer: {{type: text, required: true}}
notes: notes
codebook: codebook.yml
database: study.db
"""
#: theme → its codes, in codebook order (the last code of three themes is never used)
CODEBOOK = {
    "finding_your_way": ["unclear_requirements", "portal_problems"],
    "waiting": ["plan_review_backlog", "status_black_hole", "cost_of_delay"],
    "rework_and_handoffs": ["resubmission_loop"],
    "trust_and_relationships": ["helpful_staff"],
    "staff_capacity": ["staffing_shortage"],
    "ideas_for_change": ["clear_checklists"],
}
#: note → (participant, role, department, ward, date, interviewer); business owners have no
#: department, and each ward holds one or two of the coded notes' participants
NOTES = {
    "P01_business-owner": ("P01", "business owner", "null", "Ward 2", "2026-03-10", "J.R."),
    "P02_business-owner": ("P02", "business owner", "null", "Ward 3", "2026-03-12", "M.K."),
    "P03_front-desk-clerk": (
        "P03",
        "front-desk clerk",
        "Permit Center",
        "Ward 1",
        "2026-03-17",
        "A.T.",
    ),
    "P05_business-owner": ("P05", "business owner", "null", "Ward 5", "2026-04-02", "A.T."),
    "P08_business-owner": ("P08", "business owner", "null", "Ward 6", "2026-03-18", "M.K."),
    "P13_business-owner": ("P13", "business owner", "null", "Ward 4", "2026-04-22", "A.T."),
    # never coded, but their roles still count as values of the attribute
    "P04_inspector": ("P04", "inspector", "Building & Safety", "Ward 1", "2026-03-20", "J.R."),
    "P06_manager": ("P06", "manager", "Permit Center", "Ward 1", "2026-03-25", "J.R."),
    "P07_resident": ("P07", "resident", "null", "Ward 3", "2026-03-26", "M.K."),
}
ATTRIBUTES = ("participant", "role", "department", "ward", "date", "interviewer")
FOLLOW_UP = "P01b_business-owner-follow-up"
FOLLOW_UP_NOTE = """---
participant: P01
role: business owner
ward: Ward 2
date: 2026-05-10
interviewer: J.R.
---

Follow-up call with P01 two months later. The kitchen permit finally came through in May.

She said the rent she paid while waiting cost her more than the build-out itself.
"""
P01, P02, P03 = "P01_business-owner", "P02_business-owner", "P03_front-desk-clerk"
P05, P08, P13 = "P05_business-owner", "P08_business-owner", "P13_business-owner"
#: (note, paragraph number, code, coders)
CODINGS = [
    (P01, 3, "cost_of_delay", ("Ana", "Ben")),
    (P01, 3, "portal_problems", ("Ana",)),
    (P01, 5, "portal_problems", ("Ana", "Ben")),
    (P01, 7, "unclear_requirements", ("Ana",)),
    (P02, 3, "cost_of_delay", ("Ana",)),
    (P02, 3, "plan_review_backlog", ("Ben",)),
    (P02, 5, "portal_problems", ("Ana",)),
    (P03, 2, "helpful_staff", ("Ana",)),
    (P03, 4, "portal_problems", ("Ana", "Ben")),
    (P03, 4, "unclear_requirements", ("Ben",)),
    (P08, 3, "cost_of_delay", ("Ana",)),
    (P08, 5, "plan_review_backlog", ("Ana",)),
    (P13, 3, "cost_of_delay", ("Ana",)),
    (P05, 3, "cost_of_delay", ("Ana",)),
    (FOLLOW_UP, 0, "cost_of_delay", ("Ana",)),
]


@dataclasses.dataclass
class Coded:
    study: object
    spans: dict  # (note, paragraph) -> (start, end, text)
    straddle: tuple[int, int]  # P01: from inside paragraph 3 to the end of paragraph 5


def _write_study(folder: Path) -> None:
    """The study of NOTES (eight paragraphs each), the follow-up note and CODEBOOK."""
    (folder / "notes").mkdir(parents=True)
    (folder / "study.yml").write_text(SETTINGS, encoding="utf-8")
    write_codebook(folder / "codebook.yml", CODEBOOK)
    for note, values in NOTES.items():
        paragraphs = [
            f"{note}, paragraph {k}: what the participant said about permits, in their words."
            for k in range(8)
        ]
        write_note(
            folder / "notes" / f"{note}.md", dict(zip(ATTRIBUTES, values, strict=True)), paragraphs
        )
    (folder / "notes" / f"{FOLLOW_UP}.md").write_text(FOLLOW_UP_NOTE, encoding="utf-8")


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> Coded:
    folder = tmp_path_factory.mktemp("analysis") / "study"
    _write_study(folder)
    study = open_study(folder, create=False)
    spans = {}
    for note in {row[0] for row in CODINGS}:
        for row in segment(study.document(note)).itertuples():
            spans[note, row.segment] = (row.start, row.end, row.text)
    rows = [
        {"document_id": note, "start": spans[note, k][0], "end": spans[note, k][1]}
        | {"code_id": code, "coder": coder}
        for note, k, code, coders in CODINGS
        for coder in coders
    ]
    straddle = (spans[P01, 3][0] + 5, spans[P01, 5][1])
    rows.append(
        {"document_id": P01, "start": straddle[0], "end": straddle[1]}
        | {"code_id": "status_black_hole", "coder": "Ana"}
    )
    apply_codes(study, pd.DataFrame(rows))
    yield Coded(study, spans, straddle)
    study.close()


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(row) for row in frame[columns].itertuples(index=False)]


# -- frequencies -----------------------------------------------------------------------------------
def test_code_frequencies_count_excerpts_codings_documents_and_participants(coded):
    table = code_frequencies(coded.study)
    # every code of the codebook, used or not
    assert sorted(table["code_id"]) == sorted([*CODEBOOK, *itertools.chain(*CODEBOOK.values())])
    columns = ["code_id", "excerpts", "codings", "documents", "participants"]
    assert _records(table.head(6), columns) == [
        ("cost_of_delay", 6, 7, 6, 5),  # the follow-up note is a 6th document of P01
        ("portal_problems", 4, 6, 3, 3),
        ("unclear_requirements", 2, 2, 2, 2),  # ties keep codebook order
        ("plan_review_backlog", 2, 2, 2, 2),
        ("status_black_hole", 1, 1, 1, 1),
        ("helpful_staff", 1, 1, 1, 1),
    ]
    assert table["share_documents"].iloc[0] == pytest.approx(6 / 10)  # ten notes with the follow-up
    assert table.iloc[6:][["excerpts", "codings"]].eq(0).all().all()
    assert table.loc[0, ["code", "theme_id", "theme"]].tolist() == [
        "Cost of delay",
        "waiting",
        "Waiting",
    ]


def test_code_frequencies_for_one_coder(coded):
    ben = code_frequencies(coded.study, coder="Ben").set_index("code_id")
    assert ben.loc["portal_problems", ["excerpts", "codings"]].tolist() == [2, 2]
    assert ben.loc["cost_of_delay", "excerpts"] == 1
    assert ben.loc["helpful_staff", "excerpts"] == 0
    ana = code_frequencies(coded.study, coder="Ana").set_index("code_id")
    assert ana.loc["cost_of_delay", ["excerpts", "codings"]].tolist() == [6, 6]


def test_code_frequencies_roll_up_to_themes(coded):
    table = code_frequencies(coded.study, by="theme")
    columns = ["theme_id", "codes", "excerpts", "codings", "documents", "participants"]
    assert _records(table, columns) == [
        ("waiting", 3, 8, 10, 6, 5),
        ("finding_your_way", 2, 5, 8, 3, 3),
        ("trust_and_relationships", 1, 1, 1, 1, 1),
        ("rework_and_handoffs", 0, 0, 0, 0, 0),
        ("staff_capacity", 0, 0, 0, 0, 0),
        ("ideas_for_change", 0, 0, 0, 0, 0),
    ]
    with pytest.raises(ValueError, match="by"):
        code_frequencies(coded.study, by="category")


# -- code × attribute ------------------------------------------------------------------------------
def test_code_by_attribute_counts_without_suppression(coded):
    table = code_by_attribute(coded.study, "role", min_cell_size=0)
    assert len(table) == 6 * 5  # six codes used × five roles, coded or not
    assert list(dict.fromkeys(table["value"])) == ROLES  # in study.yml's order
    cells = table.set_index(["code_id", "value"])["n"]
    assert cells["cost_of_delay", "business owner"] == 5
    assert cells["portal_problems", "business owner"] == 2
    assert cells["portal_problems", "front-desk clerk"] == 1
    assert cells["cost_of_delay", "resident"] == 0
    assert not table["suppressed"].any()
    documents = code_by_attribute(coded.study, "role", count="documents", min_cell_size=0)
    excerpts = code_by_attribute(coded.study, "role", count="excerpts", min_cell_size=0)
    assert documents.set_index(["code_id", "value"])["n"]["cost_of_delay", "business owner"] == 6
    assert excerpts.set_index(["code_id", "value"])["n"]["portal_problems", "business owner"] == 3


def test_code_by_attribute_suppresses_cells_behind_few_people(coded):
    assert coded.study.min_cell_size == 5
    table = code_by_attribute(coded.study, "role")
    shown = table[~table["suppressed"]]
    assert _records(shown, ["code_id", "value", "n"]) == [("cost_of_delay", "business owner", 5)]
    assert table.loc[table["suppressed"], "n"].isna().all()
    # three excerpts, but from two business owners: still hidden
    excerpts = code_by_attribute(coded.study, "role", count="excerpts").set_index(
        ["code_id", "value"]
    )
    assert excerpts.loc[("portal_problems", "business owner"), "suppressed"]
    assert excerpts.loc[("cost_of_delay", "business owner"), "n"] == 6
    # every ward holds one or two of these participants
    assert code_by_attribute(coded.study, "ward")["suppressed"].all()


def test_code_by_attribute_follows_the_study_minimum(coded, monkeypatch):
    stricter = dataclasses.replace(coded.study.settings, min_cell_size=6)
    monkeypatch.setattr(coded.study, "settings", stricter)
    assert code_by_attribute(coded.study, "role")["suppressed"].all()


def test_code_by_attribute_wide_and_missing_values(coded):
    wide = code_by_attribute(coded.study, "role", wide=True)
    assert wide.shape == (6, 5)
    assert wide.columns.name == "role"
    assert wide.loc["cost_of_delay", "business owner"] == 5
    assert wide.drop(index="cost_of_delay").isna().all().all()
    # business owners record no department
    by_department = code_by_attribute(coded.study, "department", min_cell_size=0)
    cells = by_department.set_index(["code_id", "value"])["n"]
    assert cells["cost_of_delay", "(not recorded)"] == 5
    assert by_department["value"].iloc[-1] == "(not recorded)"
    with pytest.raises(CodingError, match="did you mean 'ward'"):
        code_by_attribute(coded.study, "wrd")


# -- co-occurrence ---------------------------------------------------------------------------------
def test_cooccurrence_in_the_same_excerpt(coded):
    table = code_cooccurrence(coded.study, by="excerpt")
    assert _records(table, ["code_a", "code_b", "n"]) == [
        ("unclear_requirements", "portal_problems", 1),
        ("portal_problems", "cost_of_delay", 1),
        ("plan_review_backlog", "cost_of_delay", 1),
    ]
    assert table["jaccard"].tolist() == pytest.approx([1 / 5, 1 / 9, 1 / 7])
    ben = code_cooccurrence(coded.study, by="excerpt", coder="Ben")
    assert _records(ben, ["code_a", "code_b", "n", "jaccard"]) == [
        ("unclear_requirements", "portal_problems", 1, 0.5)
    ]


def test_cooccurrence_in_the_same_document(coded):
    table = code_cooccurrence(coded.study, by="document")
    pairs = {(a, b): n for a, b, n in _records(table, ["code_a", "code_b", "n"])}
    assert pairs == {
        ("portal_problems", "cost_of_delay"): 2,
        ("unclear_requirements", "portal_problems"): 2,
        ("plan_review_backlog", "cost_of_delay"): 2,
        ("unclear_requirements", "status_black_hole"): 1,
        ("unclear_requirements", "cost_of_delay"): 1,
        ("unclear_requirements", "helpful_staff"): 1,
        ("portal_problems", "plan_review_backlog"): 1,
        ("portal_problems", "status_black_hole"): 1,
        ("portal_problems", "helpful_staff"): 1,
        ("status_black_hole", "cost_of_delay"): 1,
    }
    assert table["n"].is_monotonic_decreasing
    jaccard = table.set_index(["code_a", "code_b"])["jaccard"]
    assert jaccard["portal_problems", "cost_of_delay"] == pytest.approx(2 / (3 + 6 - 2))


def test_cooccurrence_of_overlapping_spans(coded):
    table = code_cooccurrence(coded.study)  # by="overlap"
    pairs = {(a, b): n for a, b, n in _records(table, ["code_a", "code_b", "n"])}
    assert pairs == {
        ("portal_problems", "status_black_hole"): 2,  # the straddle meets paragraphs 3 and 5
        ("unclear_requirements", "portal_problems"): 1,
        ("portal_problems", "cost_of_delay"): 1,
        ("plan_review_backlog", "cost_of_delay"): 1,
        ("status_black_hole", "cost_of_delay"): 1,
    }

    def characters(code: str) -> set:
        found = set()
        for note, k, code_id, _ in CODINGS:
            if code_id == code:
                start, end, _ = coded.spans[note, k]
                found |= {(note, i) for i in range(start, end)}
        return found

    straddle = {(P01, i) for i in range(*coded.straddle)}
    portal = characters("portal_problems")
    jaccard = table.set_index(["code_a", "code_b"])["jaccard"]
    expected = len(portal & straddle) / len(portal | straddle)
    assert jaccard["portal_problems", "status_black_hole"] == pytest.approx(expected)
    assert 0 < expected < 1
    with pytest.raises(ValueError, match="by"):
        code_cooccurrence(coded.study, by="sentence")


# -- saturation ------------------------------------------------------------------------------------
def test_saturation_curve_in_interview_order(coded):
    curve = saturation_curve(coded.study)
    assert curve["document_id"].tolist() == [P01, P02, P03, P08, P05, P13, FOLLOW_UP]  # by date
    assert curve["interview"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert curve["codes"].tolist() == [4, 3, 3, 2, 1, 1, 1]
    assert curve["new_codes"].tolist() == [4, 1, 1, 0, 0, 0, 0]
    assert curve["cumulative_codes"].tolist() == [4, 5, 6, 6, 6, 6, 6]
    assert curve["new_code_ids"].iloc[2] == "helpful_staff"
    assert str(curve["date"].iloc[0]) == "2026-03-10"
    by_name = saturation_curve(coded.study, order_by="document_id")
    assert by_name["new_codes"].tolist() == [4, 0, 1, 1, 0, 0, 0]
    ben = saturation_curve(coded.study, coder="Ben")
    assert ben["new_codes"].tolist() == [2, 1, 1]
    assert ben["cumulative_codes"].tolist() == [2, 3, 4]
    with pytest.raises(CodingError, match="attribute"):
        saturation_curve(coded.study, order_by="interview_date")


# -- quotes ----------------------------------------------------------------------------------------
def test_quotes_for_a_code_from_business_owners_in_ward_3(coded):
    found = quotes(
        coded.study, code="cost_of_delay", where={"role": "business owner", "ward": "Ward 3"}
    )
    assert len(found) == 1
    start, end, text = coded.spans[P02, 3]
    row = found.iloc[0]
    assert [row["participant"], row["role"], row["ward"], row["code"], row["theme"]] == [
        "P02",
        "business owner",
        "Ward 3",
        "Cost of delay",
        "Waiting",
    ]
    assert (row["text"], row["start"], row["end"]) == (text, start, end)
    for column in ["document_id", "date", "interviewer", "code_id", "theme_id", "coders"]:
        assert column in found.columns


def test_quotes_for_a_theme_roll_codes_up_and_merge_coders(coded):
    found = quotes(coded.study, theme="Waiting", where={"ward": " ward 2 "})
    assert _records(found, ["document_id", "code_id", "coders"]) == [
        (P01, "cost_of_delay", "Ana, Ben"),  # two coders, one quote
        (P01, "status_black_hole", "Ana"),
        (FOLLOW_UP, "cost_of_delay", "Ana"),
    ]
    assert found["participant"].unique().tolist() == ["P01"]
    assert len(quotes(coded.study, code="Cost of delay")) == 6
    assert len(quotes(coded.study, code=["cost_of_delay", "helpful_staff"], limit=2)) == 2
    assert quotes(coded.study, where={"role": ["resident", "inspector"]}).empty
    assert len(quotes(coded.study, theme="finding_your_way", coder="Ben")) == 3


def test_quotes_reject_unknown_codes_and_attributes(coded):
    with pytest.raises(CodingError, match="did you mean 'cost_of_delay'"):
        quotes(coded.study, code="cost_of_dely")
    with pytest.raises(CodingError, match="theme"):
        quotes(coded.study, theme="cost_of_delay")  # a code, not a theme
    with pytest.raises(CodingError, match="attribute 'neighbourhood'"):
        quotes(coded.study, where={"neighbourhood": "Eastside"})


# -- themes ----------------------------------------------------------------------------------------
def test_theme_summary(coded):
    summary = theme_summary(coded.study).set_index("theme_id")
    assert list(summary.index) == [
        "finding_your_way",
        "waiting",
        "rework_and_handoffs",
        "trust_and_relationships",
        "staff_capacity",
        "ideas_for_change",
    ]
    waiting = summary.loc["waiting"]
    assert waiting[["codes", "excerpts", "documents", "participants"]].tolist() == [3, 8, 6, 5]
    assert waiting["top_codes"] == (
        "Cost of delay (6); Plan review backlog (2); Status black hole (1)"
    )
    # the excerpt carrying two of the theme's codes
    assert waiting["quote"] == coded.spans[P02, 3][2]
    assert waiting["quote_participant"] == "P02"
    finding = summary.loc["finding_your_way"]
    assert finding["top_codes"] == "Portal problems (4); Unclear requirements (2)"
    assert finding["quote"] == coded.spans[P03, 4][2]
    assert summary.loc["staff_capacity", "excerpts"] == 0
    assert pd.isna(summary.loc["staff_capacity", "quote"])


# -- charts ----------------------------------------------------------------------------------------
def test_heatmap_hatches_suppressed_cells_and_never_prints_them(coded):
    table = code_by_attribute(coded.study, "role")
    ax = heatmap(table, x="value", y="code", value="n", title="Codes by role")
    assert [text.get_text() for text in ax.texts] == ["5"]
    hatched = [patch for patch in ax.patches if patch.get_hatch() == SUPPRESSED_HATCH]
    assert len(hatched) == 6 * 5 - 1  # every cell but the one printed
    assert ax.get_legend() is not None
    plt.close("all")


def test_heatmap_hides_a_flagged_cell_even_when_it_holds_a_number():
    frame = pd.DataFrame(
        {"x": ["a", "b"], "y": ["r", "r"], "n": [3, 9], "suppressed": [True, False]}
    )
    ax = heatmap(frame, x="x", y="y", value="n", title="t")
    assert [text.get_text() for text in ax.texts] == ["9"]
    everything_hidden = frame.assign(suppressed=True)
    ax = heatmap(everything_hidden, x="x", y="y", value="n", title="t")
    assert len(ax.texts) == 0
    plt.close("all")


def test_heatmap_of_cooccurrence_and_line_chart_of_saturation(coded):
    pairs = code_cooccurrence(coded.study, by="document")
    ax = heatmap(pairs, x="code_a", y="code_b", value="jaccard", title="Codes together")
    assert len(ax.texts) == len(pairs)
    assert all("." in text.get_text() for text in ax.texts)
    curve = saturation_curve(coded.study)
    ax = line_chart(curve, x="interview", y="cumulative_codes", title="Saturation")
    assert ax.lines[0].get_ydata().tolist() == [4, 5, 6, 6, 6, 6, 6]
    assert ax.get_ylim()[0] == 0
    plt.close("all")
