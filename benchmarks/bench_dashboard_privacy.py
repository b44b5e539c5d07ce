"""The dashboard attacked: what a reader who knows the rules recovers from every filter's tables.

For the sample study, every table the findings dashboard can show (all wards and each ward,
broken down by each group) is protected jointly per family of counts
(:mod:`research_kit.briefs.protection`: each rated item by each group, and the open question's
themes by each group). This benchmark attacks each family's published cells with the linear
programme of :func:`research_kit.privacy.feasible_ranges` and reports the tables attacked, the
cells published and hidden, the small cells (1 to 4 people) hidden, and how many of them the
attack recovers exactly or narrows below their protection interval (targets: 0 and 0). The
test ``tests/test_disclosure_attack.py`` repeats the attack with its own linear programme on
what the rendered sections show.

``figures()`` returns (section, name, value, unit) rows for ``benchmarks/run.py``; run this file
alone to print them.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit

from research_kit import privacy
from research_kit.briefs import _survey_findings as survey_findings
from research_kit.briefs.content import GROUPS
from research_kit.briefs.protection import likert_plan

ROOT = Path(__file__).resolve().parent.parent
SECTION = "dashboard disclosure attack (sample study)"


def _attack(plan) -> dict[str, int]:
    cells = plan.cells.drop(columns=["reason", "view"])
    hidden = cells["suppressed"]
    ranges = privacy.feasible_ranges(
        plan.atoms,
        cells,
        min_cell_size=plan.min_cell_size,
        zeros_shown=not bool((cells.loc[hidden, "n"] == 0).any()),
    )
    small = ranges[(ranges["n"] > 0) & (ranges["n"] < plan.min_cell_size)]
    return {
        "cells published": len(cells),
        "cells hidden": int(hidden.sum()),
        "small cells hidden": len(small),
        "small cells recovered exactly": int((small["lo"] == small["hi"]).sum()),
        "small cells narrowed below protection": int((~small["protected"]).sum()),
    }


def figures() -> list[tuple[str, str, float, str]]:
    """Tables attacked, cells hidden and cells recovered, over every filter of the dashboard."""
    totals: dict[str, int] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rk-bench-attack-") as tmp:
        folder = Path(tmp) / "study"
        shutil.copytree(ROOT / "interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
        k = survey_findings.ANSWER_THEMES_K
        # A fixed number of themes: choosing k is the clustering's cost, not the attack's.
        survey_findings.ANSWER_THEMES_K = 6
        try:
            study = research_kit.open_study(folder)
            survey = study.survey()
            basis = survey_findings.survey_basis(study, survey)
        finally:
            survey_findings.ANSWER_THEMES_K = k
        with study:
            wards = survey["ward"].dropna().nunique()
            families = 0
            for group in GROUPS:
                plans = [
                    likert_plan(survey, item, scale, by=group, min_cell_size=study.min_cell_size)
                    for item, scale in basis.scales.items()
                ]
                themes, _ = survey_findings._themes_plan(
                    basis, basis.themes.assignments, group=group, min_cell_size=study.min_cell_size
                )
                for plan in [*plans, themes]:
                    families += 1
                    for name, value in _attack(plan).items():
                        totals[name] = totals.get(name, 0) + value
    rows = [
        (SECTION, "filter combinations (wards + all) × groups", (wards + 1) * len(GROUPS), ""),
        (SECTION, "families of linked tables attacked", families, ""),
    ]
    rows += [(SECTION, name, value, "") for name, value in totals.items()]
    rows.append((SECTION, "time (protect and attack, cold)", time.perf_counter() - started, "s"))
    return rows


if __name__ == "__main__":
    for row in figures():
        print(f"{row[1]:<50} {row[2]:>10,.1f} {row[3]}")
