"""Privacy for stakeholder outputs: PII detection and redaction, pseudonyms, and small-cell
suppression whose small cells an attacker who knows the rules and the totals can only place in
a range reaching the threshold (checked by an independent integer attack)."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from research_kit import interviews as iv
from research_kit import open_study
from research_kit.briefs.findings import assemble_findings
from research_kit.errors import ResearchKitError
from research_kit.privacy import (
    feasible_ranges,
    protect,
    published_cells,
    suppress_table,
    table_ranges,
)
from research_kit.text import build_pipeline, find_pii, pseudonym, redact


# -- PII ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("call her at 555-0142 for the follow-up", "phone", "555-0142"),
        ("my cell is 555-0183.", "phone", "555-0183"),
        ("office (503) 555-0199 any time", "phone", "(503) 555-0199"),
        ("office (503)555-0199 any time", "phone", "(503)555-0199"),
        ("ring +1 503 555 0199 today", "phone", "+1 503 555 0199"),
        ("ring +1-503-555-0199 today", "phone", "+1-503-555-0199"),
        ("ring 503.555.0199 today", "phone", "503.555.0199"),
        ("ring 1 (503) 555-0199 today", "phone", "1 (503) 555-0199"),
        ("sent to bakes.p11@example.org. Also", "email", "bakes.p11@example.org"),
        ("write to Eastside.Tacos+permits@mail.example.org", "email", None),
        ("the shop at 412 Harmon Avenue, by the bakery", "address", "412 Harmon Avenue"),
        ("we moved to 12 N. Alder St. last year", "address", "12 N. Alder St."),
        ("at 1500 Martin Luther King Jr Blvd today", "address", None),
        ("at 88 5th Street, Suite 200 downstairs", "address", "88 5th Street, Suite 200"),
        ("her place, 7 Cedar Lane.", "address", "7 Cedar Lane"),
        ("at 30 Old Mill Rd", "address", "30 Old Mill Rd"),
        ("at 9 Bay View Way", "address", "9 Bay View Way"),
    ],
)
def test_each_kind_is_found_and_redacted(text, kind, expected):
    found = find_pii(text)
    assert list(found.columns) == ["start", "end", "kind", "text"]
    hits = found[found["kind"] == kind]
    assert len(hits) == 1, found
    span = hits.iloc[0]
    if expected is not None:
        assert span["text"] == expected
    assert text[span["start"] : span["end"]] == span["text"]
    redacted = redact(text)
    assert f"[{kind}]" in redacted
    assert span["text"] not in redacted


def test_sample_notes_contact_details_are_redacted(sample_study_path):
    p02 = (sample_study_path / "notes" / "P02_business-owner.md").read_text(encoding="utf-8")
    p11 = (sample_study_path / "notes" / "P11_resident.md").read_text(encoding="utf-8")
    assert "555-0142" not in redact(p02) and "[phone]" in redact(p02)
    assert "bakes.p11@example.org" not in redact(p11) and "[email]" in redact(p11)


def test_sample_survey_contact_details_are_redacted(sample_study_path):
    survey = (sample_study_path / "survey" / "permitting_survey_2026.csv").read_text(
        encoding="utf-8"
    )
    cleaned = redact(survey)
    for secret in ("555-0183", "555-0121", "555-0147", "eastside.tacos@example.org"):
        assert secret in survey and secret not in cleaned
    # Respondent ids, timestamps and Likert answers survive.
    assert "R_OD9P5Wwt2ErDKhl" in cleaned and "2026-04-07 18:45:22" in cleaned


def test_names_from_a_list_whole_words_any_case_and_first_names():
    text = "Maria Lopez said MARIA would call. Mariam and Lopezville are not her. maria agreed."
    found = find_pii(text, names=["Maria Lopez"])
    assert found["text"].tolist() == ["Maria Lopez", "MARIA", "maria"]
    assert set(found["kind"]) == {"name"}
    assert redact(text, names=["Maria Lopez"]) == (
        "[name] said [name] would call. Mariam and Lopezville are not her. [name] agreed."
    )


def test_blank_pipeline_has_no_ner_and_is_skipped():
    nlp = build_pipeline("blank")
    assert find_pii("Dana Ortiz came by.", nlp=nlp).empty


def test_trained_pipeline_person_entities_when_installed():
    spacy = pytest.importorskip("spacy")
    if not spacy.util.is_package("en_core_web_sm"):
        pytest.skip("no trained spaCy pipeline installed")
    nlp = build_pipeline("en_core_web_sm")
    assert "[name]" in redact("Yesterday Barack Obama visited the permit counter.", nlp=nlp)


@pytest.mark.parametrize(
    "sentence",
    [
        "Ward 2 had the longest waits.",
        "She paid $1,500 in fees and $45 each for booth rent.",
        "The unit is 2,500 sq ft, built in 1962.",
        "The shop on Harmon Avenue has been there 11 years.",
        "Case BP-2025-0142 was opened on 2025-03-12 at 10:15.",
        "It took 3 weeks one way and 2 months each way.",
        "Call 311 or press 3 for building; 14 of 120 cases; 4 chairs renting.",
        "Rough plumbing failed, then passed. Room 101, Floor 2.",
        "Between 8-12 or 12-4 on 3/14/2026; permit #2025-00142.",
    ],
)
def test_no_false_positives_on_ordinary_sentences(sentence):
    assert find_pii(sentence).empty, find_pii(sentence)
    assert redact(sentence) == sentence


def test_street_name_without_a_number_is_not_an_address():
    # A decision: a street name alone names a place (a shop, a corridor), not a home.
    assert find_pii("on Harmon Avenue").empty
    assert find_pii("at 412 Harmon Avenue")["kind"].tolist() == ["address"]


def test_redact_resolves_overlaps_longest_first_and_keeps_offsets():
    text = "Dana (dana@example.org) lives at 5 Dana Way; call 555-0100."
    result = redact(text, names=["Dana"])
    assert result == "[name] ([email]) lives at [address]; call [phone]."
    assert redact(text, names=["Dana"], placeholder="<{kind}>").startswith("<name> (<email>)")
    assert redact("", names=["x"]) == ""
    assert redact(None) == ""


def test_pseudonyms_stable_distinct_and_keyed():
    ids = [f"P{i:02d}" for i in range(1, 100)] + [f"R_{i}" for i in range(2000)]
    first = [pseudonym(i, salt="Port Alder") for i in ids]
    assert first == [pseudonym(i, salt="Port Alder") for i in ids]
    assert len(set(first)) == len(ids)
    assert all(p.startswith("R-") and len(p) == 8 for p in first)
    assert pseudonym("P01", salt="Port Alder") != pseudonym("P01", salt="Other study")
    assert len(pseudonym("P01", salt="s", length=4)) == 6
    with pytest.raises(ValueError):
        pseudonym("P01", salt="s", length=2)


# -- complementary suppression -------------------------------------------------------------------
def _long(table: dict[str, dict[str, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(r, c, n) for r, row in table.items() for c, n in row.items()],
        columns=["row", "column", "n"],
    )


def _ranges(original: pd.DataFrame, shown: pd.DataFrame, *, margins="both", total="Total"):
    """The smallest and largest value each hidden cell can take, given what a reader knows.

    A reader knows every shown cell, the row and/or column totals (``margins``) and, where the
    table has a totals row or column, that it is the sum; counts are at least 0.
    """
    hidden = list(np.flatnonzero(shown["suppressed"].to_numpy()))
    if not hidden:
        return {}
    values = original["n"].to_numpy(dtype=float)
    equations, targets = [], []
    for is_row, key, other in (("rows", "row", "column"), ("columns", "column", "row")):
        has_total = (original[other] == total).any()
        if margins not in ("both", is_row) and not has_total:
            continue
        for _, group in original.groupby(key, sort=False):
            coefficients = np.zeros(len(original))
            for position, label in zip(
                original.index.get_indexer(group.index), group[other], strict=True
            ):
                coefficients[position] = -1.0 if label == total else 1.0
            # The true counts satisfy every equation; the shown ones move to the right side.
            equations.append(coefficients[hidden])
            targets.append(float(coefficients[hidden] @ values[hidden]))
    a_eq, b_eq = np.array(equations), np.array(targets)
    ranges = {}
    for k, position in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[k] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status == 0
        ranges[position] = (round(low.fun, 6), round(-high.fun, 6))
    return ranges


def _assert_unrecoverable(original, shown, **kwargs):
    for position, (low, high) in _ranges(original, shown, **kwargs).items():
        assert high - low >= 1, (original.iloc[position].to_dict(), low, high)


def test_one_small_cell_in_a_row_gets_a_complement():
    table = _long({"A": {"x": 20, "y": 3, "z": 12}, "B": {"x": 30, "y": 25, "z": 40}})
    shown = suppress_table(table, row="row", column="column", margins="rows")
    reasons = shown.set_index(["row", "column"])["reason"].to_dict()
    assert reasons[("A", "y")] == "small"
    assert reasons[("A", "z")] == "complementary"  # the next-smallest non-zero cell in row A
    assert sum(r == "" for r in reasons.values()) == 4
    assert shown.loc[shown["suppressed"], "n"].isna().all()
    _assert_unrecoverable(table, shown, margins="rows")
    # Without the complement, row A's total gives the small cell back at once.
    assert table[table["row"] == "A"]["n"].sum() == 20 + 12 + 3


def test_both_margins_need_a_four_cell_cycle():
    table = _long(
        {"A": {"x": 20, "y": 3, "z": 12}, "B": {"x": 30, "y": 25, "z": 40}, "C": {"x": 9, "y": 8}}
    )
    shown = suppress_table(table, row="row", column="column")
    assert shown["suppressed"].sum() >= 4
    for _, group in itertools.chain(shown.groupby("row"), shown.groupby("column")):
        assert group["suppressed"].sum() != 1
    _assert_unrecoverable(table, shown)


def test_zero_cells_are_shown_and_not_sensitive():
    table = _long({"A": {"x": 0, "y": 2, "z": 9}, "B": {"x": 7, "y": 0, "z": 11}})
    shown = suppress_table(table, row="row", column="column", margins="rows")
    by_cell = shown.set_index(["row", "column"])
    assert not by_cell.loc[("A", "x"), "suppressed"] and by_cell.loc[("A", "x"), "n"] == 0
    assert by_cell.loc[("A", "y"), "reason"] == "small"
    assert by_cell.loc[("A", "z"), "reason"] == "complementary"
    _assert_unrecoverable(table, shown, margins="rows")


def test_totals_row_and_column_are_cells_too():
    inner = {"A": {"x": 20, "y": 3, "z": 12}, "B": {"x": 30, "y": 25, "z": 40}}
    table = {r: {**cols, "Total": sum(cols.values())} for r, cols in inner.items()}
    table["Total"] = {c: sum(table[r][c] for r in inner) for c in ["x", "y", "z", "Total"]}
    frame = _long(table)
    shown = suppress_table(frame, row="row", column="column", margins="rows")
    for _, group in itertools.chain(shown.groupby("row"), shown.groupby("column")):
        assert group["suppressed"].sum() != 1
    _assert_unrecoverable(frame, shown, margins="rows")


def test_small_total_is_suppressed_and_protected():
    table = _long({"A": {"x": 2, "y": 1, "Total": 3}, "B": {"x": 10, "y": 12, "Total": 22}})
    shown = suppress_table(table, row="row", column="column")
    assert shown.set_index(["row", "column"]).loc[("A", "Total"), "reason"] == "small"
    _assert_unrecoverable(table, shown)


def test_also_columns_hidden_and_bad_input_rejected():
    table = _long({"A": {"x": 20, "y": 3}, "B": {"x": 30, "y": 25}}).assign(share=0.5)
    shown = suppress_table(table, row="row", column="column", also=("share",))
    assert shown.loc[shown["suppressed"], "share"].isna().all()
    with pytest.raises(ValueError):
        suppress_table(pd.concat([table, table]), row="row", column="column")
    with pytest.raises(ValueError):
        suppress_table(table.assign(n=-1), row="row", column="column")
    with pytest.raises(ValueError):
        suppress_table(table, row="row", column="column", margins="diagonal")


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda rows: st.integers(2, 5).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(1, 30), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    ),
    st.sampled_from(["both", "rows", "columns"]),
)
def test_no_hidden_cell_can_be_worked_back(grid, margins):
    table = _long({f"r{i}": {f"c{j}": n for j, n in enumerate(row)} for i, row in enumerate(grid)})
    shown = suppress_table(table, row="row", column="column", margins=margins)
    assert (shown.loc[table["n"].between(1, 4), "reason"] == "small").all()
    _assert_unrecoverable(table, shown, margins=margins)


# -- interval protection: an attacker who knows the rules -----------------------------------------
MIN = 5


def _integer_attack(cells, known, hidden, lower=1):
    """An attacker independent of privacy.py: exact integer bounds by MILP (scipy.optimize.milp).

    ``cells`` maps each published cell to its true count, a cell being a frozenset of atom
    labels; ``known`` lists published cells; ``hidden`` those of them that are hidden (the
    attacker knows they are at least ``lower``). Returns {hidden cell: (lo, hi)}.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    atoms = sorted(set().union(*cells))
    column = {atom: k for k, atom in enumerate(atoms)}

    def row(cell):
        coefficients = np.zeros(len(atoms))
        coefficients[[column[a] for a in cell]] = 1.0
        return coefficients

    constraints = []
    for cell in known:
        if cell in hidden:
            constraints.append(LinearConstraint(row(cell), lb=lower, ub=np.inf))
        else:
            constraints.append(LinearConstraint(row(cell), lb=cells[cell], ub=cells[cell]))
    ranges = {}
    for cell in hidden:
        bounds = []
        for sign in (1.0, -1.0):
            found = milp(
                sign * row(cell),
                constraints=constraints,
                integrality=np.ones(len(atoms)),
                bounds=Bounds(0, np.inf),
            )
            # The true counts are feasible, so "infeasible or unbounded" means unbounded.
            unbounded = found.status == 3 or "unbounded" in found.message
            assert found.status == 0 or unbounded, found.message
            bounds.append(sign * found.fun if found.status == 0 else np.inf)
        ranges[cell] = (round(bounds[0]), bounds[1] if np.isinf(bounds[1]) else round(bounds[1]))
    return ranges


def _safe(low, high):
    """The documented rule: the range reaches the threshold and holds MIN whole numbers."""
    return high >= MIN and high - low >= MIN - 1


def _two_way_cells(table, margins):
    """The table's cells and the margins readers know, as sets of (row, column) atoms."""
    cells = {frozenset([(r, c)]): n for r, c, n in table[["row", "column", "n"]].itertuples(False)}
    for key, wanted in (("row", "rows"), ("column", "columns")):
        if margins in ("both", wanted):
            for _, group in table.groupby(key):
                atoms = frozenset(zip(group["row"], group["column"], strict=True))
                cells[atoms] = int(group["n"].sum())
    return cells


def _assert_protected(table, shown, margins):
    """Every small cell is protected, or is one that no suppression in the table could protect."""
    cells = _two_way_cells(table, margins)
    hidden_flags = shown["suppressed"].to_numpy()
    inner = [frozenset([(r, c)]) for r, c in zip(table["row"], table["column"], strict=True)]
    hidden = [cell for cell, flag in zip(inner, hidden_flags, strict=True) if flag]
    ranges = _integer_attack(cells, list(cells), hidden)
    everything = [cell for cell in inner if cells[cell] > 0]  # the most a table can hide
    best = _integer_attack(cells, list(cells), everything)
    for cell, n in zip(inner, table["n"], strict=True):
        if 0 < n < MIN:
            assert cell in ranges, cell
            if _safe(*best[cell]):
                assert _safe(*ranges[cell]), (sorted(cell), n, ranges[cell], table, shown)
    return ranges


def test_the_attack_recovers_a_naively_hidden_cell_exactly():
    table = _long({"A": {"x": 20, "y": 3, "z": 12}, "B": {"x": 30, "y": 25, "z": 40}})
    naive = table["n"].between(1, MIN - 1)  # primary suppression only
    ranges = table_ranges(table, naive, row="row", column="column", margins="rows")
    assert ranges[["row", "column", "n", "lo", "hi"]].values.tolist() == [["A", "y", 3, 3, 3]]
    assert not ranges["protected"].any()
    shown = suppress_table(table, row="row", column="column", margins="rows")
    after = table_ranges(table, shown["suppressed"], row="row", column="column", margins="rows")
    assert after["protected"].all() and (after["hi"] >= MIN).all()
    assert _integer_attack(
        _two_way_cells(table, "rows"),
        list(_two_way_cells(table, "rows")),
        [frozenset([("A", "y")])],
    ) == {frozenset([("A", "y")]): (3, 3)}


def test_two_small_cells_in_a_line_are_not_enough_when_they_add_up_small():
    # The old rank test passed this (neither cell is pinned), but 2 + 1 = 3 tells a reader that
    # both are under 5: the interval rule hides a third cell.
    table = _long({"A": {"x": 2, "y": 1, "z": 30}})
    assert table_ranges(table, table["n"] < MIN, row="row", column="column", margins="rows")[
        "hi"
    ].tolist() == [2, 2]
    shown = suppress_table(table, row="row", column="column", margins="rows")
    assert shown["suppressed"].tolist() == [True, True, True]
    ranges = _assert_protected(table, shown, "rows")
    assert ranges[frozenset([("A", "x")])] == (1, 31)  # 33 less at least 1 each


@pytest.mark.timeout(600)
@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda rows: st.integers(2, 6).flatmap(
            lambda cols: st.lists(
                st.lists(
                    st.one_of(st.integers(0, MIN - 1), st.integers(0, 25)),
                    min_size=cols,
                    max_size=cols,
                ),
                min_size=rows,
                max_size=rows,
            )
        )
    ),
    st.sampled_from(["both", "rows", "columns"]),
)
def test_every_small_cell_is_protected_against_an_integer_attacker(grid, margins):
    table = _long({f"r{i}": {f"c{j}": n for j, n in enumerate(row)} for i, row in enumerate(grid)})
    shown = suppress_table(table, row="row", column="column", margins=margins)
    small = table["n"].between(1, MIN - 1)
    assert (shown.loc[small, "reason"] == "small").all()
    assert not shown.loc[table["n"] == 0, "suppressed"].any()  # zeros are always shown
    _assert_protected(table, shown, margins)
    # privacy.py's own attack agrees with the independent one.
    own = table_ranges(table, shown["suppressed"], row="row", column="column", margins=margins)
    cells = _two_way_cells(table, margins)
    hidden = [frozenset([(r, c)]) for r, c in zip(own["row"], own["column"], strict=True)]
    theirs = _integer_attack(cells, list(cells), hidden)
    assert [theirs[cell] for cell in hidden] == list(zip(own["lo"], own["hi"], strict=True))


def _ward_atoms():
    # W1 has a small group a; nothing in W2 or in the all-wards table is small.
    return pd.DataFrame(
        {
            "ward": ["W1"] * 3 + ["W2"] * 3,
            "group": ["a", "b", "c"] * 2,
            "n": [2, 8, 20, 30, 9, 40],
        }
    )


def _linked_cells(atoms, views):
    """Published cells of ``views`` as sets of (ward, group) atoms, with their counts."""
    cells = {}
    for view in views:
        groups = [((), atoms)] if not view else atoms.groupby(list(view))
        for _, group in groups:
            cells[frozenset(zip(group["ward"], group["group"], strict=True))] = int(
                group["n"].sum()
            )
    return cells


def test_one_ward_against_all_wards_needs_joint_protection():
    atoms = _ward_atoms()
    views = [("ward", "group"), ("group",), ("ward",), ()]
    cells = _linked_cells(atoms, views)
    small = frozenset([("W1", "a")])

    # Each table suppressed alone: each ward's row with its published total, and the
    # all-wards row (nothing small in it, so all shown).
    alone = []
    for ward, part in atoms.groupby("ward"):
        shown = suppress_table(part, row="ward", column="group", margins="rows")
        alone += [frozenset([(ward, g)]) for g in shown.loc[shown["suppressed"], "group"]]
    everyone = atoms.groupby("group", as_index=False)["n"].sum().assign(all="all")
    assert not suppress_table(everyone, row="all", column="group", margins="rows")[
        "suppressed"
    ].any()
    assert small in alone and len(alone) == 2
    # Within W1's table alone the small cell is safe; against the all-wards table it is not.
    w1 = _linked_cells(atoms[atoms["ward"] == "W1"], [("ward", "group"), ("ward",)])
    assert _safe(*_integer_attack(w1, list(w1), alone)[small])
    assert _integer_attack(cells, list(cells), alone)[small] == (2, 2)

    # Jointly: every small cell in every view is protected against the same attacker.
    joint = protect(atoms, views)
    assert len(joint) == len(cells)
    hidden_rows = joint[joint["suppressed"]]
    hidden = [
        frozenset(
            (w, g)
            for w, g in zip(atoms["ward"], atoms["group"], strict=True)
            if (pd.isna(row.ward) or w == row.ward) and (pd.isna(row.group) or g == row.group)
        )
        for row in hidden_rows.itertuples()
    ]
    ranges = _integer_attack(cells, list(cells), hidden)
    assert small in ranges and _safe(*ranges[small])
    for cell in hidden:
        if 0 < cells[cell] < MIN:
            assert _safe(*ranges[cell]), (sorted(cell), ranges[cell])
    assert joint.loc[joint["reason"] == "small", "protected"].all()
    # privacy.py's attack on its own result agrees.
    attacked = feasible_ranges(atoms, joint[["view", "ward", "group", "n", "suppressed"]])
    assert attacked["protected"].all()
    assert list(zip(attacked["lo"], attacked["hi"], strict=True)) == [ranges[c] for c in hidden]


@pytest.mark.parametrize(
    "views",
    [
        [("ward", "group", "answer"), ("group", "answer"), ("answer",), ("ward", "group")],
        # Not nested: the linear programme may have fractional corners, so integers are used.
        [("ward", "group"), ("group", "answer"), ("ward", "answer")],
    ],
)
def test_linked_three_way_tables_protect_every_small_cell(views):
    rng = np.random.default_rng(7)
    dims = ["ward", "group", "answer"]
    atoms = pd.DataFrame(
        [
            (f"W{w}", group, answer, int(rng.integers(0, 9)))
            for w in range(4)
            for group in ("a", "b", "c")
            for answer in ("yes", "no")
        ],
        columns=[*dims, "n"],
    )
    joint = protect(atoms, views)

    def atoms_of(cell):
        return frozenset(
            atom
            for atom in atoms[dims].itertuples(index=False, name=None)
            if all(pd.isna(cell[d]) or cell[d] == atom[k] for k, d in enumerate(dims))
        )

    cells = {atoms_of(cell): int(cell["n"]) for _, cell in joint.iterrows()}
    hidden_rows = joint[joint["suppressed"]]
    hidden = [atoms_of(cell) for _, cell in hidden_rows.iterrows()]
    theirs = _integer_attack(cells, list(cells), hidden)
    ours = feasible_ranges(atoms, joint[["view", *dims, "n", "suppressed"]])
    assert list(zip(ours["lo"], ours["hi"], strict=True)) == [theirs[c] for c in hidden]
    small = hidden_rows["reason"].eq("small").to_numpy()
    assert small.any()
    for cell, is_small, flagged in zip(hidden, small, hidden_rows["protected"], strict=True):
        if is_small:
            assert _safe(*theirs[cell]) == flagged, (sorted(cell), theirs[cell])
    assert hidden_rows.loc[small, "protected"].mean() > 0.5


def test_one_four_cell_cycle_is_all_that_is_hidden():
    # Both margins known, one small cell: the cheapest protection is a rectangle of 4 cells.
    grid = {
        "A": {"x": 3, "y": 20, "z": 30},
        "B": {"x": 25, "y": 40, "z": 50},
        "C": {"x": 22, "y": 35, "z": 45},
    }
    atoms = _long(grid)
    cells = protect(atoms, [("row", "column")], known=[("row",), ("column",)])
    hidden = cells[cells["suppressed"]]
    assert len(hidden) == 4
    assert hidden["row"].nunique() == 2 and hidden["column"].nunique() == 2
    assert ("A", "x") in set(zip(hidden["row"], hidden["column"], strict=True))
    assert hidden.loc[hidden["reason"] == "small", "protected"].all()
    # The cheapest rectangle by hidden counts: rows A and C, columns x and y (3+20+22+35).
    assert hidden["n"].sum() == 80
    shown = suppress_table(atoms, row="row", column="column")
    assert shown["suppressed"].sum() == 4


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=12, max_size=12),
    st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_the_clean_up_keeps_every_small_cell_protected_and_drops_every_needless_cell(counts, small):
    # A 3 × 4 ward-by-group table with its all-wards row, each ward's total known.
    values = [
        int(n % MIN) or 1 if is_small else n for n, is_small in zip(counts, small, strict=True)
    ]
    atoms = pd.DataFrame(
        [(f"W{w}", g, values[w * 4 + k]) for w in range(3) for k, g in enumerate("abcd")],
        columns=["ward", "group", "n"],
    )
    views = [("ward", "group"), ("group",)]
    joint = protect(atoms, views, known=[("ward",), ()])
    cells = _linked_cells(atoms, [*views, ("ward",), ()])

    def as_atoms(row):
        return frozenset(
            (w, g)
            for w, g in zip(atoms["ward"], atoms["group"], strict=True)
            if (pd.isna(row["ward"]) or w == row["ward"])
            and (pd.isna(row["group"]) or g == row["group"])
        )

    hidden = [as_atoms(row) for _, row in joint[joint["suppressed"]].iterrows()]
    ranges = _integer_attack(cells, list(cells), hidden)
    flagged = joint.loc[joint["suppressed"], "protected"].tolist()
    for cell, is_protected in zip(hidden, flagged, strict=True):
        if 0 < cells[cell] < MIN:
            assert _safe(*ranges[cell]) == is_protected, (sorted(cell), ranges[cell])
    # Every small cell that hiding everything would protect is protected.
    hideable = joint["view"].isin(["ward × group", "group"]) & (joint["n"] > 0)
    everything = [as_atoms(row) for _, row in joint[hideable].iterrows()]
    widest = _integer_attack(cells, list(cells), everything)
    for cell in hidden:
        if 0 < cells[cell] < MIN and _safe(*widest[cell]):
            assert _safe(*ranges[cell]), (sorted(cell), ranges[cell])
    if not all(flagged):
        return
    # No complement can be shown again: each one is needed by some small cell.
    complements = [as_atoms(r) for _, r in joint[joint["reason"] == "complementary"].iterrows()]
    small_hidden = [c for c in hidden if 0 < cells[c] < MIN]
    for cell in complements:
        fewer = [c for c in hidden if c != cell]
        narrower = _integer_attack(cells, list(cells), fewer)
        assert not all(_safe(*narrower[c]) for c in small_hidden), sorted(cell)


def test_one_way_table_with_a_published_total():
    table = pd.DataFrame(
        {"all": "all", "group": list("abcde"), "n": [3, 40, 25, 2, 12]},
    )
    shown = suppress_table(table, row="all", column="group", margins="rows")
    assert shown.loc[table["n"] < MIN, "reason"].eq("small").all()
    ranges = table_ranges(table, shown["suppressed"], row="all", column="group", margins="rows")
    assert ranges["protected"].all()
    assert (ranges["hi"] >= MIN).all() and (ranges["hi"] - ranges["lo"] >= MIN - 1).all()
    _assert_protected(table.rename(columns={"all": "row", "group": "column"}), shown, "rows")


def test_a_small_cell_no_suppression_can_protect_is_flagged():
    # The total of 3 is published: a reader knows every cell of the line is under 5.
    atoms = pd.DataFrame({"group": ["a", "b", "c"], "n": [2, 1, 0]})
    cells = protect(atoms, [("group",)], known=[()])
    by_view = cells.set_index("view")
    assert cells.loc[cells["reason"] == "small", "protected"].eq(False).all()
    assert not by_view.loc["total", "suppressed"] and not by_view.loc["total", "protected"]
    assert cells.loc[cells["n"] == 0, "suppressed"].eq(False).all()  # zeros stay shown
    one_cell = _long({"A": {"x": 0, "y": 3, "z": 0}})
    shown = suppress_table(one_cell, row="row", column="column", margins="rows")
    assert shown["reason"].tolist() == ["", "small", ""]
    ranges = table_ranges(one_cell, shown["suppressed"], row="row", column="column", margins="rows")
    assert ranges[["lo", "hi", "protected"]].values.tolist() == [[3, 3, False]]


def test_published_cells_and_bad_views():
    atoms = _ward_atoms()
    cells = published_cells(atoms, [(), ("group", "ward")])
    assert cells["view"].tolist()[:2] == ["total", "ward × group"]
    assert cells.loc[0, "n"] == atoms["n"].sum() and cells["ward"].isna().tolist()[0]
    with pytest.raises(ValueError, match="dimensions"):
        protect(atoms, [("district",)])
    with pytest.raises(ValueError, match="zeros_shown"):
        zero = atoms.assign(n=[0, 8, 20, 30, 9, 40])
        hidden = published_cells(zero, [("ward", "group")]).assign(suppressed=True)
        feasible_ranges(zero, hidden)
    with pytest.raises(ValueError, match="sum"):
        suppress_table(_long({"A": {"x": 2, "Total": 9}}), row="row", column="column")


# -- findings --------------------------------------------------------------------------------
def _add_contact_quotes(folder):
    """Give the copy a theme whose only quotes hold P02's phone number and P11's e-mail."""
    with (folder / "codebook.yml").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n  - id: follow_up\n    name: Follow-up\n    definition: Follow-up contact.\n"
            "  - id: follow_up_contact\n    name: Follow-up contact\n    parent: follow_up\n"
            "    definition: How to reach the participant.\n"
        )
    study_file = folder / "study.yml"
    if not re.search(r"^privacy:", study_file.read_text(encoding="utf-8"), re.MULTILINE):
        with study_file.open("a", encoding="utf-8") as handle:  # a second 'privacy:' is an error
            handle.write("\nprivacy:\n  names: [Marisol]\n")
    study = open_study(folder)
    for document_id, secret in (
        ("P02_business-owner", "555-0142"),
        ("P11_resident", "bakes.p11@example.org"),
    ):
        text = study.document(document_id).text
        at = text.index(secret)
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        iv.apply_code(study, document_id, start, end, "follow_up_contact", coder="J.R.")
    return study


def _all_quotes(findings):
    return [q.text for section in [*findings.sections, findings.method] for q in section.quotes]


def test_findings_quotes_are_redacted_by_default(sample_study_path):
    study = _add_contact_quotes(sample_study_path)
    try:
        assert "Marisol" in study.settings.privacy_names
        redacted = assemble_findings(study, theme="follow_up")
        quotes = _all_quotes(redacted)
        assert len(quotes) == 2
        joined = "\n".join(quotes)
        assert "555-0142" not in joined and "bakes.p11@example.org" not in joined
        assert "[phone]" in joined and "[email]" in joined

        raw = assemble_findings(study, theme="follow_up", redact=False)
        joined = "\n".join(_all_quotes(raw))
        assert "555-0142" in joined and "bakes.p11@example.org" in joined
        method = raw.method.tables[0].frame.set_index("Aspect")["Detail"]
        assert "NOT redacted" in method["Privacy"]

        # The default brief: a name listed under privacy: names never reaches a quote.
        everyday = assemble_findings(study)
        assert not any("Marisol" in q for q in _all_quotes(everyday))
    finally:
        study.close()


def test_a_malformed_privacy_section_is_a_clear_error(sample_study_path):
    # Dropping the names silently would let them into every brief: say what to fix instead.
    path = sample_study_path / "study.yml"
    text = path.read_text(encoding="utf-8").replace(
        "privacy:                  # names", "privacy: just a string\nold_privacy:    # names"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ResearchKitError, match="privacy must be a mapping"):
        open_study(sample_study_path)


def test_likert_by_group_cannot_recover_a_hidden_n():
    answers = pd.DataFrame(
        {
            "ward": ["W1"] * 12 + ["W2"] * 9 + ["W3"] * 3,
            "Easy": (["Agree", "Disagree"] * 12),
            "Clear": (["Agree"] * 20 + [None] * 4),
        }
    )
    # Respondents per item and ward who chose a point of the scale (the n of a Likert table).
    counts = (
        answers.melt(id_vars="ward", var_name="item", value_name="answer")
        .assign(answered=lambda frame: frame["answer"].notna())
        .groupby(["item", "ward"])["answered"]
        .sum()
        .rename("n")
        .reset_index()
        .rename(columns={"ward": "group"})
    )
    shown = suppress_table(counts, row="item", column="group", margins="rows")
    overall = counts.groupby("item")["n"].sum()  # the all-respondents n readers see
    for item, group in shown.groupby("item"):
        hidden = group[group["suppressed"]]
        assert len(hidden) != 1, group
        if len(hidden):
            left = overall[item] - group["n"].dropna().sum()
            assert left == counts.loc[hidden.index, "n"].sum()  # only their sum is known
    _assert_unrecoverable(
        counts.rename(columns={"item": "row", "group": "column"}),
        shown,
        margins="rows",
    )


# -- the stakeholder gate ------------------------------------------------------------------------
def _gate(**options):
    from research_kit.privacy import StakeholderGate

    people = pd.DataFrame(
        {
            "participant": [f"P{i:02d}" for i in range(1, 13)],
            "role": ["owner"] * 6 + ["clerk"] * 5 + ["inspector"],
            "ward": ["Ward 1"] * 5 + ["Ward 2"] + ["Ward 1"] * 5 + ["Ward 3"],
        }
    )
    return StakeholderGate(
        names=["Denise"],
        identifiers={"P07": "participant", "P07_owner.md": "participant", "J.R.": "coder"},
        participants=people,
        min_cell_size=5,
        **options,
    )


def test_the_gate_hides_identifiers_longest_first_and_names_and_contacts():
    gate = _gate()
    text = "P07 (see P07_owner.md) told J.R. that Denise Tran answers 5035550199."
    assert gate.text(text) == (
        "[participant] (see [participant]) told [coder] that [name] answers [phone]."
    )
    assert gate.text(None) == "" and gate.text(float("nan")) == ""
    # A participant id inside another word is not an identifier.
    assert gate.text("AP07 and P070") == "AP07 and P070"


def test_attribution_is_coarsened_until_enough_participants_share_it():
    gate = _gate()
    assert gate.attribution(role="owner", ward="Ward 1") == "owner, Ward 1"  # 5 share both
    assert gate.attribution(role="owner", ward="Ward 2") == "owner"  # 1 in Ward 2, 6 owners
    assert gate.attribution(role="inspector", ward="Ward 1") == "Ward 1"  # 1 inspector
    assert gate.attribution(role="inspector", ward="Ward 3") == "a participant"
    # Under a one-ward filter the ward is known: a role shown beside it must be shared there.
    assert gate.attribution(known=("ward",), role="clerk", ward="Ward 1") == "clerk, Ward 1"
    assert gate.attribution(known=("ward",), role="inspector", ward="Ward 1") == "Ward 1"
    assert gate.attribution(known=("ward",), role="owner", ward="Ward 2") == "a participant"
    assert dict(gate.attributions) == {
        "role and ward": 2,
        "role": 1,
        "ward": 2,
        "anonymous": 2,
    }
    assert "(in this brief: " in gate.method_note()


def test_the_gate_reaches_table_cells_headers_and_svg_text_and_labels():
    gate = _gate()
    frame = gate.frame(pd.DataFrame({"Said by P07": ["Denise", "ok"], "n": [1, 2]}))
    assert frame.columns.tolist() == ["Said by [participant]", "n"]
    assert frame.iloc[:, 0].tolist() == ["[name]", "ok"] and frame["n"].tolist() == [1, 2]
    svg = '<svg aria-label="Denise &amp; P07"><text>Call Denise</text><text> </text></svg>'
    assert gate.svg(svg) == (
        '<svg aria-label="[name] &amp; [participant]"><text>Call [name]</text><text> </text></svg>'
    )


def test_without_redaction_the_gate_still_hides_identifiers():
    gate = _gate(redact=False)
    assert gate.text("P07 met Denise") == "[participant] met Denise"
