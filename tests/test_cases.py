"""Cases (participants with attributes), the case × code matrix and coding queries, each checked
against a count made here from the codings and the notes' front matter by other means."""

from __future__ import annotations

import itertools
import zipfile

import pandas as pd
import pytest
from lxml import etree

from research_kit import open_study
from research_kit.errors import CodingError
from research_kit.interviews import (
    add_case,
    apply_code,
    case_attributes,
    case_code_matrix,
    case_codes,
    case_documents,
    cases,
    code_query,
    codings,
    export_qdpx,
    import_qdpx,
    import_shipped_codings,
    read_cases,
    remove_coding,
)


@pytest.fixture
def coded(sample_study_path):
    with open_study(sample_study_path) as study:
        import_shipped_codings(study)
        yield study


def _note_attributes(study) -> pd.DataFrame:
    """Each note's front matter, read here straight from the Document objects."""
    return pd.DataFrame(
        [{"document_id": doc.id, **doc.attributes} for doc in study.documents()]
    ).set_index("document_id")


def _case_of(study) -> dict[str, str]:
    return {doc.id: str(doc.attributes.get("participant") or doc.id) for doc in study.documents()}


# -- cases -----------------------------------------------------------------------------------------
def test_cases_are_participants_with_their_notes_attributes(coded):
    table = cases(coded).set_index("case_id")
    notes = _note_attributes(coded)
    assert sorted(table.index) == sorted(set(notes["participant"]))
    for document_id, row in notes.iterrows():
        case = table.loc[row["participant"]]
        assert document_id in case["document_ids"].split(", ")
        for attribute in ("role", "ward", "interviewer"):
            if pd.notna(row.get(attribute)):
                assert case[attribute] == str(row[attribute])
    assert coded.cases().equals(cases(coded))  # also offered on the study


def test_a_second_interview_joins_the_participants_case(sample_study_path):
    notes = sample_study_path / "notes"
    first = (notes / "P04_inspector.md").read_text(encoding="utf-8")
    second = first.replace("date: 2026-03", "date: 2026-09", 1)
    assert second != first
    (notes / "P04_followup.md").write_text(second, encoding="utf-8")
    with open_study(sample_study_path) as study:
        table = cases(study).set_index("case_id")
        assert table.loc["P04", "n_documents"] == 2
        assert table.loc["P04", "document_ids"] == "P04_followup, P04_inspector"
        assert table.loc["P04", "role"] == "inspector"  # the notes agree
        dates = table.loc["P04", "date"].split("; ")
        assert len(dates) == 2 and dates[0] < dates[1]
        long = case_attributes(study)
        assert len(long[(long["case_id"] == "P04") & (long["attribute"] == "date")]) == 2
        members = case_documents(study)
        assert members[members["case_id"] == "P04"]["document_id"].tolist() == [
            "P04_followup",
            "P04_inspector",
        ]


# -- case × code -----------------------------------------------------------------------------------
def test_case_code_matrix_counts_match_the_codings(coded):
    all_codings = codings(coded)
    case_of = _case_of(coded)
    expected = (
        all_codings.assign(case_id=all_codings["document_id"].map(case_of))
        .groupby(["case_id", "code_id"])["excerpt_id"]
        .nunique()
    )
    matrix = case_code_matrix(coded).set_index("case_id")
    assert list(matrix.columns) == list(coded.codebook().to_frame()["code_id"])
    assert sorted(matrix.index) == sorted(set(case_of.values()))
    for (case_id, code_id), count in expected.items():
        assert matrix.loc[case_id, code_id] == count
    assert int(matrix.to_numpy().sum()) == int(expected.sum())  # and zeros everywhere else
    codings_matrix = case_code_matrix(coded, values="n_codings").set_index("case_id")
    assert int(codings_matrix.to_numpy().sum()) == len(all_codings)
    presence = case_code_matrix(coded, values="present").set_index("case_id")
    assert presence.isin([0, 1]).all().all()
    assert (presence == (matrix > 0).astype(int)).all().all()
    tidy = case_codes(coded)
    assert len(tidy) == len(matrix) * len(matrix.columns)
    assert tidy["n_excerpts"].sum() == expected.sum()
    one_coder = case_code_matrix(coded, coder="M.K.").set_index("case_id")
    assert int(one_coder.to_numpy().sum()) <= int(matrix.to_numpy().sum())
    with pytest.raises(ValueError, match="values"):
        case_code_matrix(coded, values="percent")


# -- queries ---------------------------------------------------------------------------------------
def _excerpt_codes(study) -> dict[tuple, set[str]]:
    found: dict[tuple, set[str]] = {}
    for row in codings(study).itertuples():
        found.setdefault((row.document_id, row.start, row.end), set()).add(row.code_id)
    return found


def _spans(found: pd.DataFrame) -> set[tuple]:
    return set(zip(found["document_id"], found["start"], found["end"], strict=True))


def _frequent_pairs(study, n: int = 4) -> list[tuple[str, str]]:
    """Pairs of codes applied together to the most excerpts (a query with answers)."""
    counts: dict[tuple[str, str], int] = {}
    for codes in _excerpt_codes(study).values():
        for pair in itertools.combinations(sorted(codes), 2):
            counts[pair] = counts.get(pair, 0) + 1
    return sorted(counts, key=lambda pair: (-counts[pair], pair))[:n]


def test_codes_in_the_same_excerpt_match_a_set_count(coded):
    excerpts = _excerpt_codes(coded)
    roles = _note_attributes(coded)["role"]
    pairs = _frequent_pairs(coded)
    assert pairs
    for first, second in pairs:
        expected = {key for key, codes in excerpts.items() if {first, second} <= codes}
        found = code_query(coded, codes_all=[first, second], subcodes=False)
        assert _spans(found) == expected
        role = roles[sorted(expected)[0][0]]
        in_role = code_query(coded, codes_all=[first, second], subcodes=False, where={"role": role})
        assert _spans(in_role) == {key for key in expected if roles[key[0]] == role}
        either = code_query(coded, codes_any=[first, second], subcodes=False)
        assert len(either) == sum(bool({first, second} & codes) for codes in excerpts.values())
        without = code_query(coded, codes_all=first, codes_none=second, subcodes=False)
        assert len(without) == sum(
            first in codes and second not in codes for codes in excerpts.values()
        )


def test_notes_and_cases_with_one_code_and_not_another(coded):
    all_codings = codings(coded)
    by_note = all_codings.groupby("document_id")["code_id"].agg(set)
    first, second = _frequent_pairs(coded, 1)[0]
    expected = sorted(n for n, codes in by_note.items() if first in codes and second not in codes)
    found = code_query(coded, codes_any=first, codes_none=second, within="note", subcodes=False)
    assert found["document_id"].tolist() == expected
    found_cases = code_query(
        coded, codes_any=first, codes_none=second, within="note", subcodes=False, result="cases"
    )
    case_of = _case_of(coded)
    assert found_cases["case_id"].tolist() == sorted({case_of[n] for n in expected})
    per_case = code_query(coded, codes_all=[first, second], within="case", subcodes=False)
    assert set(per_case["case_id"]) == {
        case_of[n] for n, codes in by_note.items() if {first, second} <= codes
    }


def test_overlapping_codings_are_found_in_one_stretch(coded):
    rows = codings(coded)
    for first, second in _frequent_pairs(coded):
        stretches = code_query(coded, codes_all=[first, second], within="overlap", subcodes=False)
        a = rows[rows["code_id"] == first]
        b = rows[rows["code_id"] == second]
        pairs = a.merge(b, on="document_id", suffixes=("_a", "_b"))
        overlapping = pairs[
            (pairs["start_a"] < pairs["end_b"]) & (pairs["start_b"] < pairs["end_a"])
        ]
        assert not overlapping.empty
        for row in overlapping.itertuples():
            inside = stretches[
                (stretches["document_id"] == row.document_id)
                & (stretches["start"] <= min(row.start_a, row.start_b))
                & (stretches["end"] >= max(row.end_a, row.end_b))
            ]
            assert len(inside) == 1
        for row in stretches.itertuples():
            text = coded.document(row.document_id).text
            assert row.text == text[row.start : row.end]
            assert {first, second} <= set(row.codes.split(", "))


def test_near_means_at_most_distance_characters_apart(sample_study_path):
    with open_study(sample_study_path) as study:
        for coding_id in codings(study)["coding_id"]:
            remove_coding(study, coding_id)
        note = "P07_resident"
        apply_code(study, note, 0, 10, "cost_of_delay", coder="J.R.")
        apply_code(study, note, 50, 60, "helpful_staff", coder="J.R.")
        apply_code(study, "P01_business-owner", 0, 10, "cost_of_delay", coder="J.R.")
        ask = {"codes_all": ["cost_of_delay", "helpful_staff"], "within": "near"}
        assert len(code_query(study, **ask, distance=40)) == 1  # the gap is 40 characters
        assert code_query(study, **ask, distance=39).empty
        assert code_query(study, codes_all=ask["codes_all"], within="overlap").empty
        found = code_query(study, **ask, distance=40).iloc[0]
        assert (found["start"], found["end"], found["n_codings"]) == (0, 60, 2)
        # A theme stands for the codes under it, unless subcodes=False.
        assert len(code_query(study, codes_all="waiting")) == 2
        assert code_query(study, codes_all="waiting", subcodes=False).empty


def test_query_refuses_what_it_cannot_answer(coded):
    with pytest.raises(CodingError, match="did you mean 'cost_of_delay'"):
        code_query(coded, codes_all=["cost_of_dely"])
    with pytest.raises(CodingError, match="names no code"):
        code_query(coded)
    with pytest.raises(CodingError, match="attribute 'rol'"):
        code_query(coded, codes_any="cost_of_delay", where={"rol": "resident"})
    with pytest.raises(ValueError, match="within"):
        code_query(coded, codes_any="cost_of_delay", within="sentence")
    empty = code_query(coded, codes_any="cost_of_delay", where={"role": "nobody"})
    assert empty.empty and "text" in empty.columns


# -- a real export ---------------------------------------------------------------------------------
@pytest.mark.shared
def test_cases_and_queries_on_an_imported_qdpx(shared_data, tmp_path):
    """cproctor-demo.qdpx has no REFI Cases: each imported note is its own case."""
    with open_study(tmp_path / "fresh") as study:
        import_qdpx(study, shared_data / "refi-qda" / "cproctor-demo.qdpx")
        documents = [doc.id for doc in study.documents()]
        assert sorted(cases(study)["case_id"]) == sorted(documents)
        all_codings = codings(study)
        matrix = case_code_matrix(study).set_index("case_id")
        assert int(matrix.to_numpy().sum()) == int(
            all_codings.groupby("document_id")
            .apply(lambda g: g.groupby("code_id")["excerpt_id"].nunique().sum())
            .sum()
        )
        first, second = _frequent_pairs(study, 1)[0]
        found = code_query(study, codes_all=[first, second], subcodes=False)
        excerpts = _excerpt_codes(study)
        assert len(found) == sum({first, second} <= codes for codes in excerpts.values())


# -- stored REFI-QDA cases and participants: one notion of case ------------------------------------
def test_a_stored_case_holds_its_notes_whatever_their_participant(coded):
    """A note a stored case holds belongs to it (the case's name wins over ``participant``);
    its own attributes join its notes'; the other notes keep their participant's case."""
    add_case(
        coded,
        "Front desk",
        documents=["P01_business-owner", "P02_business-owner"],
        attributes={"site": "City Hall", "role": "front desk"},
    )
    add_case(coded, "Only a recording", attributes={"site": "Annex"})
    notes = _note_attributes(coded)
    table = cases(coded).set_index("case_id")
    assert "P01" not in table.index and "P02" not in table.index
    desk = table.loc["Front desk"]
    assert (desk["n_documents"], desk["document_ids"]) == (
        2,
        "P01_business-owner, P02_business-owner",
    )
    assert desk["site"] == "City Hall"
    roles = {str(notes.loc["P01_business-owner", "role"]), "front desk"}
    assert desk["role"] == "; ".join(sorted(roles | {str(notes.loc["P02_business-owner", "role"])}))
    assert table.loc["Only a recording", "n_documents"] == 0  # a stored case without notes
    assert table.loc["P04", "document_ids"] == "P04_inspector"  # untouched
    members = case_documents(coded).set_index("document_id")["case_id"]
    assert members["P01_business-owner"] == members["P02_business-owner"] == "Front desk"
    # what was coded in the two notes is the case's
    all_codings = codings(coded)
    mine = all_codings[
        all_codings["document_id"].isin(["P01_business-owner", "P02_business-owner"])
    ]
    matrix = case_code_matrix(coded).set_index("case_id")
    assert (
        int(matrix.loc["Front desk"].sum()) == mine.groupby("code_id")["excerpt_id"].nunique().sum()
    )
    assert int(matrix.loc["Only a recording"].sum()) == 0
    code_id = mine["code_id"].iloc[0]
    found = code_query(coded, codes_any=[code_id], within="case", result="cases", subcodes=False)
    assert "Front desk" in set(found["case_id"]) and "P01" not in set(found["case_id"])


def _normalised(table: pd.DataFrame) -> pd.DataFrame:
    """Attributes as text (a round trip may type a value differently), columns by name."""
    table = table.sort_values("case_id").reset_index(drop=True)
    return table[sorted(table.columns)].astype(str)


def _by_name(study) -> pd.DataFrame:
    names = {code.id: code.name for code in study.codebook()}
    return case_code_matrix(study).rename(columns=names)


@pytest.mark.shared
def test_participants_travel_as_refi_cases_and_come_back_equal(coded, shared_data, tmp_path):
    exported = export_qdpx(coded, tmp_path / "sample.qdpx")
    schema = etree.XMLSchema(etree.parse(str(shared_data / "refi-qda" / "Project-mrt2019.xsd")))
    project = etree.fromstring(zipfile.ZipFile(exported).read("project.qde"))
    assert schema.validate(project), schema.error_log
    names = {case.get("name") for case in project.iter("{*}Case")}
    assert names == set(cases(coded)["case_id"])
    with open_study(tmp_path / "again") as again:
        import_qdpx(again, exported)
        assert {case.name for case in read_cases(again)} == names  # stored now
        pd.testing.assert_frame_equal(_normalised(cases(again)), _normalised(cases(coded)))
        # a fresh study names its codes' ids afresh: compare by code name
        pd.testing.assert_frame_equal(_by_name(again), _by_name(coded))
        # the same rows (a new study may list the notes' attributes in another order)
        assert sorted(map(tuple, case_attributes(again).astype(str).values)) == sorted(
            map(tuple, case_attributes(coded).astype(str).values)
        )
