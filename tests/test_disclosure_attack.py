"""An attacker who knows the rules recovers no hidden cell from any table the dashboard can show.

Every filter combination the findings dashboard offers (all wards and each ward, by each group)
is rendered through the brief's own survey and themes sections, and what a reader sees is read
back: each n, each share (as if a weighted share gave its count away exactly, which only makes
the attacker stronger), the answered / non-answer / blank numbers, the theme by group chart and
the chart of every point of the scale. Then, for each rated item and each group (and for the
open question), a linear programme written here, independent of ``research_kit.privacy``,
finds the smallest and largest value every hidden small cell can take given all of it at once,
across all filters — so differencing one ward against all wards is part of the attack.

Groups are attacked one at a time: the tables of two groups share only the whole question's
cells (by ward, by point of the scale), which are in both attacks; two tables that share one
margin can always be completed into one table consistent with both, so attacking them
together could not narrow a cell further.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from research_kit import open_study, viz
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs.content import GROUP_LABELS, GROUPS, SUPPRESSED, unchanged
from research_kit.survey.responses import normalise_answer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
MIN = 5


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """What every filter combination publishes: survey and themes sections, and chart data."""
    folder = tmp_path_factory.mktemp("attack") / "study"
    shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    shown = []
    with open_study(folder) as study, pytest.MonkeyPatch.context() as patch:
        patch.setattr(survey_findings, "ANSWER_THEMES_K", 6)
        survey = study.survey()
        basis = survey_findings.survey_basis(study, survey)
        charts: list[tuple] = []
        levels: list[pd.DataFrame] = []
        real_share_chart, real_levels = viz.share_by_group, survey_findings._likert_figures

        def spy_chart(frame, *args, **kwargs):
            charts.append((frame.copy(), kwargs.get("category"), kwargs.get("category_column")))
            return real_share_chart(frame, *args, **kwargs)

        def spy_levels(frame, overall, basis):
            levels.append(frame.copy())
            return real_levels(frame, overall, basis)

        patch.setattr(viz, "share_by_group", spy_chart)
        # What a chart shows is read from its data above: drawing it to SVG is not needed.
        patch.setattr(viz, "figure_svg", _no_svg)
        patch.setattr(survey_findings, "_likert_figures", spy_levels)
        wards = sorted(survey["ward"].dropna().unique())
        for group in GROUPS:
            for ward in [None, *wards]:
                charts.clear()
                levels.clear()
                facts: dict = {}
                rated = survey_findings.survey_section(
                    study, basis, group=group, ward=ward, facts=facts
                )
                themes = survey_findings.themes_section(
                    study, basis, group=group, ward=ward, facts=facts, scrub=unchanged
                )
                shown.append(
                    {
                        "group": group,
                        "ward": ward,
                        "rated": rated,
                        "themes": themes,
                        "charts": list(charts),
                        "levels": list(levels),
                    }
                )
    return {"survey": survey, "basis": basis, "shown": shown, "wards": wards}


def _no_svg(figure, alt: str) -> str:
    import matplotlib.pyplot as plt

    plt.close(figure)
    return "<svg></svg>"


# -- what a reader learns ------------------------------------------------------------------------
def _number(text: str) -> int | None:
    return None if text == SUPPRESSED else int(str(text).replace(",", ""))


def _rated_cells(view: dict, item: str) -> dict:
    """Published cells of one rated item in one filter: {cell: known value or None (hidden)}."""
    cells = {}
    where = {"ward": view["ward"]} if view["ward"] else {}
    group = view["group"]
    overall = view["rated"].tables[0].frame.set_index("Statement").loc[item]
    _add_share_cells(cells, where, overall["n"], overall["Agree"])
    by_group = view["rated"].tables[1].frame
    for _, row in by_group[by_group["Statement"] == item].iterrows():
        label = row[GROUP_LABELS[group]]
        at = {"ward": label} if group == "ward" else {**where, "group": label}
        _add_share_cells(cells, at, row["n"], row["Agree"])
    for frame in view["levels"]:
        for _, row in frame[frame["item"] == item].iterrows():
            key = {**where, "level": row["category"]}
            cells[_key(key)] = None if row["suppressed"] else "share"
    return cells


def _add_share_cells(cells: dict, at: dict, n_text: str, share_text: str) -> None:
    n = _number(n_text)
    cells[_key(at)] = n
    # A shown share gives both sides of it away (for a weighted share: nearly; assume exactly).
    for side in ("top", "other"):
        cells[_key({**at, "box": side})] = "share" if share_text != SUPPRESSED else None


def _key(labels: dict) -> frozenset:
    return frozenset(labels.items())


# -- the attack ----------------------------------------------------------------------------------
def _rated_atoms(survey: pd.DataFrame, item: str, scale: list[str], group: str) -> pd.DataFrame:
    levels = {normalise_answer(level): level for level in scale}
    answered = survey[item].map(
        lambda v: levels.get(normalise_answer(v)) if isinstance(v, str) else None
    )
    frame = pd.DataFrame({"ward": survey["ward"], "group": survey[group], "level": answered})
    frame = frame.dropna()
    frame["box"] = frame["level"].map(lambda lv: "top" if lv in scale[-2:] else "other")
    return frame.groupby(["ward", "group", "box", "level"]).size().rename("n").reset_index()


def _members(atoms: pd.DataFrame, key: frozenset) -> np.ndarray:
    mask = np.ones(len(atoms), dtype=bool)
    for name, value in key:
        mask &= (atoms[name] == value).to_numpy()
    return mask


def _attack(atoms: pd.DataFrame, published: dict) -> pd.DataFrame:
    """Range of every hidden small cell given every shown cell; one row per such cell."""
    values = atoms["n"].to_numpy(float)
    shown = [key for key, known in published.items() if known is not None]
    rows_eq = np.array([_members(atoms, key) for key in shown], dtype=float)
    rhs_eq = rows_eq @ values
    hidden = [key for key, known in published.items() if known is None]
    # A hidden n is at least 1 (zero groups are shown); a hidden share side may be 0.
    shares = ("box", "level", "outcome", "theme")
    hidden_n = [key for key in hidden if not any(name in shares for name, _ in key)]
    rows_ub = -np.array([_members(atoms, key) for key in hidden_n], dtype=float).reshape(
        -1, len(atoms)
    )
    rhs_ub = -np.ones(len(hidden_n))
    result = []
    for key in hidden:
        member = _members(atoms, key)
        true = int(values[member].sum())
        if not 0 < true < MIN:
            continue
        bounds = []
        for sign in (1, -1):
            solved = linprog(
                sign * member.astype(float),
                A_ub=rows_ub if len(hidden_n) else None,
                b_ub=rhs_ub if len(hidden_n) else None,
                A_eq=rows_eq,
                b_eq=rhs_eq,
                bounds=(0, None),
                method="highs",
            )
            bounds.append(sign * solved.fun if solved.status == 0 else sign * np.inf)
        result.append({"cell": dict(key), "true": true, "lo": bounds[0], "hi": bounds[1]})
    return pd.DataFrame(result, columns=["cell", "true", "lo", "hi"])


def _narrowed(ranges: pd.DataFrame) -> pd.DataFrame:
    lo, hi = np.ceil(ranges["lo"] - 1e-6), np.floor(ranges["hi"] + 1e-6)
    protected = (hi >= MIN) & (hi - lo >= MIN - 1)
    return ranges[~protected]


def _small_shown(atoms: pd.DataFrame, published: dict) -> list:
    values = atoms["n"].to_numpy()
    return [
        dict(key)
        for key, known in published.items()
        if known is not None and 0 < values[_members(atoms, key)].sum() < MIN
    ]


@pytest.mark.parametrize("group", [g for g in GROUPS if g != "ward"])
def test_no_rated_item_gives_a_small_cell_away(dashboard, group):
    survey, basis = dashboard["survey"], dashboard["basis"]
    views = [v for v in dashboard["shown"] if v["group"] in (group, "ward")]
    report = defaultdict(int)
    for item, scale in basis.scales.items():
        atoms = _rated_atoms(survey, item, scale, group)
        published: dict = {}
        for view in views:
            for key, known in _rated_cells(view, item).items():
                if view["group"] == "ward" and any(n == "group" for n, _ in key):
                    continue
                if key not in published or published[key] is None:
                    published[key] = known
        assert not _small_shown(atoms, published), (item, _small_shown(atoms, published))
        ranges = _attack(atoms, published)
        report["hidden small cells attacked"] += len(ranges)
        narrowed = _narrowed(ranges)
        assert narrowed.empty, (item, narrowed.to_dict("records"))
    assert report["hidden small cells attacked"] > 0  # the sample has small groups to protect


def _themes_cells(view: dict, labels: dict[str, str], chosen: object) -> dict:
    cells = {}
    where = {"ward": view["ward"]} if view["ward"] else {}
    section = view["themes"]
    answered, non_answers, blanks = re.match(
        r"(.+?) people answered.*?; (.+?) non-answers .*? and (.+?) blanks", section.tables[0].note
    ).groups()
    for status, text in (("answered", answered), ("non_answer", non_answers), ("blank", blanks)):
        hidden = "suppressed" in text
        cells[_key({**where, "status": status})] = None if hidden else "shown"
    for _, row in section.tables[0].frame.iterrows():
        share = row["Share of answers (95% margin of error)"]
        cells[_key({**where, "outcome": labels[row["Theme"]]})] = (
            None if share == SUPPRESSED else "share"
        )
    for frame, category, column in view["charts"]:
        if column not in (None, "category"):
            continue
        for _, row in frame[frame["category"] == category].iterrows():
            if view["group"] == "ward":
                at = {"ward": row["group"]}
                part, base = {**at, "outcome": str(chosen)}, {**at, "status": "answered"}
            else:
                at = {**where, "group": row["group"]}
                part, base = {**at, "theme": "top"}, at
            cells[_key(part)] = None if row["suppressed"] else "share"
            cells[_key(base)] = None if row["suppressed"] else "share"
    return cells


def _themes_atoms(basis, group: str, chosen: object) -> pd.DataFrame:
    themes = basis.themes
    people = basis.survey[["respondent_id", "ward"]].assign(group=basis.survey[group])
    statuses = themes.answers.merge(people, on="respondent_id")
    clusters = themes.assignments.set_index("respondent_id")["cluster"].astype(str)
    outcome = (
        statuses["respondent_id"]
        .map(clusters)
        .where(statuses["status"] == "answered", statuses["status"])
    )
    frame = statuses.assign(outcome=outcome)
    frame["group"] = frame["group"].where(frame["status"] == "answered", "(no answer)")
    frame["theme"] = np.where(frame["outcome"] == str(chosen), "top", "other")
    frame["theme"] = frame["theme"].where(frame["status"] == "answered", "none")
    frame = frame.dropna(subset=["ward", "group", "outcome"])
    columns = ["ward", "group", "status", "theme", "outcome"]
    return frame.groupby(columns).size().rename("n").reset_index()


@pytest.mark.parametrize("group", GROUPS)
def test_no_theme_table_gives_a_small_cell_away(dashboard, group):
    basis = dashboard["basis"]
    themes = basis.themes
    described = themes.themes.set_index("cluster")
    labels = {
        label: str(cluster)
        for cluster, label in survey_findings._theme_labels(described["name"], unchanged).items()
    }
    views = [v for v in dashboard["shown"] if v["group"] == group]
    weights = themes.assignments.get("weight")
    totals = (
        themes.assignments.groupby("cluster")["weight"].sum()
        if weights is not None
        else themes.assignments.groupby("cluster").size()
    )
    chosen = totals.sort_index().idxmax()
    atoms = _themes_atoms(basis, group, chosen)
    published: dict = {}
    for view in views:
        for key, known in _themes_cells(view, labels, chosen).items():
            if key not in published or published[key] is None:
                published[key] = known
    assert not _small_shown(atoms, published), _small_shown(atoms, published)
    narrowed = _narrowed(_attack(atoms, published))
    assert narrowed.empty, narrowed.to_dict("records")
