"""Agreement between coders on a study: units that count, per-code and overall statistics,
character weighting, the disagreement table and clear errors (hand-worked cases)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from research_kit import open_study
from research_kit.errors import CodingError, ResearchKitError
from research_kit.interviews import apply_codes, krippendorff_alpha, paragraphs
from research_kit.interviews.agreement import (
    coder_agreement,
    disagreements,
    percent_agreement,
)

DOC = "P01_business-owner"
X, Y = "cost_of_delay", "unclear_requirements"
# Who applied which code to which of P01's first six paragraphs (paragraph 5 stays uncoded).
PLAN = {
    "A": {X: [0, 1, 2], Y: [3]},
    "B": {X: [0, 1], Y: [3, 4]},
}
THIRD = {"C": {X: [0], Y: [3, 4]}}
NOTE_HEADER = "---\nparticipant: P99\nrole: resident\ndate: 2026-03-30\ninterviewer: J.R.\n---\n\n"


def _code_paragraphs(study, plan: dict, document_id: str = DOC, origin: str = "manual"):
    spans = paragraphs(study.document(document_id).text)
    rows = [
        {
            "document_id": document_id,
            "start": spans[index][0],
            "end": spans[index][1],
            "code_id": code,
            "coder": coder,
            "origin": origin,
        }
        for coder, codes in plan.items()
        for code, indexes in codes.items()
        for index in indexes
    ]
    apply_codes(study, pd.DataFrame(rows))
    return spans


def _code_spans(study, rows: list[tuple[str, int, int, str, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["document_id", "start", "end", "code_id", "coder"])
    apply_codes(study, frame)


@pytest.fixture
def study(sample_study_path: Path):
    study = open_study(sample_study_path)
    _code_paragraphs(study, PLAN)
    yield study
    study.close()


def _row(table: pd.DataFrame, code_id: str) -> pd.Series:
    return table.set_index("code_id").loc[code_id]


def _vectors(plan: dict, code: str, n_units: int = 5) -> list[list[int]]:
    return [
        [int(unit in codes.get(code, [])) for unit in range(n_units)] for codes in plan.values()
    ]


# -- two coders, by excerpt ------------------------------------------------------------------------
def test_two_coders_per_code_and_overall_match_hand_worked_values(study):
    table = coder_agreement(study)
    assert table["code_id"].tolist() == [Y, X, "overall"]  # codebook order, then overall
    assert (table["unit"] == "excerpt").all()
    assert (table["n_coders"] == 2).all() and (table["n_documents"] == 1).all()
    assert table[["coder_a", "coder_b"]].drop_duplicates().values.tolist() == [["A", "B"]]
    # What the rows were computed on is in columns, so it survives copies and assignments.
    context = table[["level", "coders", "documents"]].drop_duplicates().values.tolist()
    assert context == [["nominal", ("A", "B"), (DOC,)]]
    # 5 units: paragraphs 0–4; paragraph 5 (uncoded) and the rest of the note do not count.
    x, y, overall = (_row(table, code) for code in (X, Y, "overall"))
    assert x[["n_units", "both", "only_a", "only_b", "neither"]].tolist() == [5, 2, 1, 0, 2]
    assert y[["n_units", "both", "only_a", "only_b", "neither"]].tolist() == [5, 1, 0, 1, 3]
    assert overall[["n_units", "both", "only_a", "only_b", "neither"]].tolist() == [10, 3, 1, 1, 5]
    # Percent: 4 of 5 units agree for each code, 8 of 10 pairs overall.
    assert [x.percent_agreement, y.percent_agreement, overall.percent_agreement] == [0.8] * 3
    # Kappa: X p_o .8, p_e .6*.4 + .4*.6 = .48 → 8/13; Y p_e .2*.4 + .8*.6 = .56 → 6/11;
    # overall p_e .4*.4 + .6*.6 = .52 → 7/12.
    assert x.cohen_kappa == pytest.approx(8 / 13)
    assert y.cohen_kappa == pytest.approx(6 / 11)
    assert overall.cohen_kappa == pytest.approx(7 / 12)
    # Alpha (coincidences): X o_00 = 4, o_11 = 4, o_01 = o_10 = 1 → 1 - .2 / (50/90) = .64;
    # Y n_0 = 7, n_1 = 3 → 1 - .2 / (42/90) = 4/7; overall n_0 = 12, n_1 = 8 over 20 values
    # → 1 - .2 / (192/380) = 29/48.
    assert x.krippendorff_alpha == pytest.approx(0.64)
    assert y.krippendorff_alpha == pytest.approx(4 / 7)
    assert overall.krippendorff_alpha == pytest.approx(29 / 48)


def test_kappa_matches_scikit_learn_and_alpha_matches_krippendorff_alpha(study):
    table = coder_agreement(study)
    for code in (X, Y):
        a, b = _vectors(PLAN, code)
        row = _row(table, code)
        assert row.cohen_kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
        assert row.krippendorff_alpha == pytest.approx(krippendorff_alpha([a, b]), abs=1e-12)
        assert row.percent_agreement == percent_agreement(a, b)
    pooled = np.hstack([_vectors(PLAN, code) for code in (X, Y)])
    overall = _row(table, "overall")
    assert overall.cohen_kappa == pytest.approx(cohen_kappa_score(*pooled), abs=1e-12)
    assert overall.krippendorff_alpha == pytest.approx(krippendorff_alpha(pooled), abs=1e-12)


def test_every_level_gives_the_same_alpha_on_presence_values(study):
    nominal = coder_agreement(study)["krippendorff_alpha"]
    for level in ("ordinal", "interval", "ratio"):
        assert coder_agreement(study, level=level)["krippendorff_alpha"].tolist() == pytest.approx(
            nominal.tolist()
        )
    with pytest.raises(CodingError, match="level"):
        coder_agreement(study, level="cardinal")
    with pytest.raises(CodingError, match="unit"):
        coder_agreement(study, unit="word")


# -- character weighting ---------------------------------------------------------------------------
def test_character_units_weigh_each_unit_by_its_length(study):
    spans = paragraphs(study.document(DOC).text)
    lengths = np.array([end - start for start, end in spans[:5]])
    table = coder_agreement(study, unit="character")
    assert (table["unit"] == "character").all()
    for code in (X, Y):
        a, b = (np.repeat(vector, lengths) for vector in _vectors(PLAN, code))
        row = _row(table, code)
        assert row.n_units == lengths.sum() == len(a)
        assert row.percent_agreement == pytest.approx(float((a == b).mean()))
        assert row.cohen_kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
        assert row.krippendorff_alpha == pytest.approx(krippendorff_alpha([a, b]), abs=1e-12)
        assert row.both + row.only_a + row.only_b + row.neither == lengths.sum()
    # X: the long paragraph 1 (688 chars) is agreed; only paragraph 2 (99 chars) differs.
    x = _row(table, X)
    assert x.only_a == lengths[2] and x.only_b == 0
    assert x.percent_agreement == pytest.approx(1 - lengths[2] / lengths.sum())


def test_excerpt_and_character_units_differ_as_expected(sample_study_path):
    with open_study(sample_study_path) as study:
        # A codes 100 characters, B the first 90 of them.
        _code_spans(study, [(DOC, 100, 200, X, "A"), (DOC, 100, 190, X, "B")])
        by_excerpt = _row(coder_agreement(study), X)
        by_character = _row(coder_agreement(study, unit="character"), X)
    # Two units (100–190 agreed, 190–200 A only): half the units, 90 % of the characters.
    assert by_excerpt[["n_units", "both", "only_a"]].tolist() == [2, 1, 1]
    assert by_excerpt.percent_agreement == 0.5
    assert by_character[["n_units", "both", "only_a"]].tolist() == [100, 90, 10]
    assert by_character.percent_agreement == pytest.approx(0.9)


def test_overlapping_codings_cover_units_and_whitespace_slivers_do_not_count(sample_study_path):
    with open_study(sample_study_path) as study:
        spans = paragraphs(study.document(DOC).text)
        (s0, e0), (s1, e1) = spans[1], spans[2]
        # A codes paragraphs 1–2 as one span; B codes them apart. The blank line between them
        # (coded by A only) is whitespace, so it is no unit: the coders agree on both units.
        _code_spans(study, [(DOC, s0, e1, X, "A"), (DOC, s0, e0, X, "B"), (DOC, s1, e1, X, "B")])
        row = _row(coder_agreement(study), X)
        assert row[["n_units", "both", "only_a", "only_b"]].tolist() == [2, 2, 0, 0]
        assert disagreements(study).empty


# -- uncoded text ----------------------------------------------------------------------------------
def test_uncoded_note_and_uncoded_text_do_not_change_agreement(sample_study_path, tmp_path):
    filler = "\n\n".join(
        f"Uncoded paragraph {i} about the weather and parking." for i in range(300)
    )
    results = {}
    for variant, tail in (("short", ""), ("long", "\n\n" + filler)):
        folder = tmp_path / variant
        shutil.copytree(sample_study_path, folder)
        note = NOTE_HEADER + "The inspector came back three times before we could open." + tail
        (folder / "notes" / "P99_resident.md").write_text(note, encoding="utf-8")
        (folder / "notes" / "P98_resident.md").write_text(
            NOTE_HEADER.replace("P99", "P98") + filler, encoding="utf-8"
        )
        with open_study(folder) as study:
            _code_paragraphs(study, PLAN)
            # Both code the one sentence of P99 (before the long tail); nobody codes P98 …
            _code_paragraphs(study, {"A": {X: [0]}, "B": {X: [0]}}, "P99_resident")
            # … except A alone, which does not make P98 count (B never coded it).
            _code_paragraphs(study, {"A": {Y: [3]}}, "P98_resident")
            results[variant] = (
                coder_agreement(study),
                coder_agreement(study, unit="character"),
                disagreements(study),
            )
    for short, long in zip(results["short"], results["long"], strict=True):
        pd.testing.assert_frame_equal(short, long)
    by_excerpt = results["long"][0]
    assert (by_excerpt["n_documents"] == 2).all()
    assert _row(by_excerpt, X)[["n_units", "both"]].tolist() == [6, 3]


# -- more than two coders, suggester as coder ------------------------------------------------------
def test_three_coders_use_pairwise_percent_and_alpha_and_drop_two_coder_columns(study):
    _code_paragraphs(study, THIRD)
    table = coder_agreement(study)
    assert "cohen_kappa" not in table and "both" not in table and "coder_a" not in table
    assert (table["n_coders"] == 3).all()
    plan = PLAN | THIRD
    x = _row(table, X)
    # Pairwise percent: A–B .8, A–C .6, B–C .8 → 11/15.
    assert x.percent_agreement == pytest.approx(11 / 15)
    assert x.krippendorff_alpha == pytest.approx(krippendorff_alpha(_vectors(plan, X)))
    pooled = np.hstack([_vectors(plan, code) for code in (X, Y)])
    assert _row(table, "overall").krippendorff_alpha == pytest.approx(krippendorff_alpha(pooled))
    # Choosing two of the three gives the two-coder table for that pair.
    pair = coder_agreement(study, coders=["B", "A"])
    assert pair[["coder_a", "coder_b"]].drop_duplicates().values.tolist() == [["B", "A"]]
    assert _row(pair, X)[["only_a", "only_b"]].tolist() == [0, 1]


def test_a_suggester_is_compared_like_any_other_coder(study):
    _code_paragraphs(study, {"suggester": {X: [0, 1, 2]}}, origin="suggestion")
    table = coder_agreement(study, coders=["A", "suggester"])
    # Units: paragraphs 0–3 (A's Y on 3 makes it a unit); they agree on X everywhere.
    assert _row(table, X)[["n_units", "both", "neither"]].tolist() == [4, 3, 1]
    assert _row(table, X).cohen_kappa == 1.0
    assert _row(table, Y)[["only_a", "only_b"]].tolist() == [1, 0]


# -- disagreement table ----------------------------------------------------------------------------
def test_disagreements_lists_exactly_the_differing_units(study):
    spans = paragraphs(study.document(DOC).text)
    text = study.document(DOC).text
    table = disagreements(study)
    assert table.columns.tolist() == [
        "document_id",
        "start",
        "end",
        "text",
        "code_id",
        "applied_by",
        "not_applied_by",
    ]
    expected = [
        [DOC, *spans[2], text[slice(*spans[2])], X, "A", "B"],
        [DOC, *spans[4], text[slice(*spans[4])], Y, "B", "A"],
    ]
    assert table.values.tolist() == expected
    counts = coder_agreement(study).query("code_id != 'overall'")
    assert len(table) == (counts["only_a"] + counts["only_b"]).sum()


def test_character_disagreements_join_neighbouring_units(sample_study_path):
    with open_study(sample_study_path) as study:
        text = study.document(DOC).text
        # B's Y coding on 130–140 cuts A's lone X coding 100–200 into three units.
        _code_spans(
            study,
            [(DOC, 100, 200, X, "A"), (DOC, 130, 140, Y, "A"), (DOC, 130, 140, Y, "B")],
        )
        by_unit = disagreements(study)
        by_stretch = disagreements(study, unit="character")
        characters = _row(coder_agreement(study, unit="character"), X)
    assert by_unit[["start", "end"]].values.tolist() == [[100, 130], [130, 140], [140, 200]]
    assert by_stretch[["start", "end", "applied_by", "not_applied_by"]].values.tolist() == [
        [100, 200, "A", "B"]
    ]
    assert by_stretch["text"].tolist() == [text[100:200]]
    assert characters.only_a == 100


def test_disagreements_with_three_coders_name_each_side(study):
    _code_paragraphs(study, THIRD)
    table = disagreements(study)
    row = table[(table["code_id"] == X)].iloc[0]
    assert row[["applied_by", "not_applied_by"]].tolist() == ["A, B", "C"]
    assert table["document_id"].is_monotonic_increasing
    assert table["start"].is_monotonic_increasing


# -- documents and errors --------------------------------------------------------------------------
def test_documents_limits_the_units_and_must_be_coded_by_every_coder(study):
    _code_paragraphs(study, {"A": {X: [0]}, "B": {Y: [0]}}, "P02_business-owner")
    both = coder_agreement(study)
    only_p01 = coder_agreement(study, documents=[DOC])
    assert both["n_documents"].iloc[0] == 2 and only_p01["n_documents"].iloc[0] == 1
    assert _row(only_p01, X).n_units == 5 and _row(both, X).n_units == 6
    _code_paragraphs(study, {"A": {X: [0]}}, "P03_front-desk-clerk")
    with pytest.raises(CodingError, match="P03_front-desk-clerk was not coded by all of A, B"):
        coder_agreement(study, documents=[DOC, "P03_front-desk-clerk"])


def test_a_single_coder_is_a_clear_error(sample_study_path):
    with open_study(sample_study_path) as study:
        with pytest.raises(CodingError, match="two coders who coded the same documents"):
            coder_agreement(study)  # no codings at all
        _code_paragraphs(study, {"A": {X: [0, 1]}})
        with pytest.raises(CodingError, match="two coders who coded the same documents") as error:
            coder_agreement(study)
        assert isinstance(error.value, ResearchKitError)
        assert "second coder" in error.value.hint
        with pytest.raises(CodingError, match="'Z' has no codings"):
            coder_agreement(study, coders=["A", "Z"])
        # Two coders, but never on the same note.
        _code_paragraphs(study, {"B": {X: [0]}}, "P02_business-owner")
        with pytest.raises(CodingError, match="no document has codings from all of A, B"):
            disagreements(study)
        with pytest.raises(CodingError, match="two coders"):
            coder_agreement(study, coders=["A"])


def test_percent_agreement_pairs_units_both_coded():
    assert percent_agreement([1, 0, 1, None], [1, 1, 1, 0]) == pytest.approx(2 / 3)
    assert math.isnan(percent_agreement([None], [1]))
    with pytest.raises(ValueError, match="length"):
        percent_agreement([1, 2], [1])


def test_alpha_matches_the_krippendorff_package_with_missing_values():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(3)
    data = rng.integers(1, 6, size=(6, 80)).astype(float)
    data[rng.random(data.shape) < 0.25] = np.nan
    for level in ("nominal", "ordinal", "interval", "ratio"):
        theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        assert krippendorff_alpha(data, level) == pytest.approx(theirs, abs=1e-9)
