"""Privacy rules for anything shown to stakeholders: no one named, no small group shown.

The one gate for what a stakeholder sees. Its parts, one concept each:

- :mod:`~research_kit.privacy.gate`: :class:`StakeholderGate`, through which every text of a
  brief goes. It redacts e-mails, phone numbers, addresses and people's names
  (:func:`research_kit.text.redact`) and the study's own identifiers (participant ids, note
  file names, coder names), and attributes quotes only as precisely as ``min_cell_size``
  participants share.
- :mod:`~research_kit.privacy.suppression`: every breakdown of people by group goes through
  :func:`suppress_small_counts`, :func:`suppress_table` (a two-way table whose totals are
  known) or :func:`protect` (linked tables from the same people) before it reaches a brief;
  :func:`feasible_ranges` and :func:`table_ranges` are the attack that checks them, as in
  statistical disclosure control (tau-ARGUS; FCSM Working Paper 22). Hidden cells must carry
  one label ("suppressed") wherever stakeholders see them.
- :mod:`~research_kit.privacy.spreadsheet`: anything written to CSV or Excel goes through
  :func:`safe_for_spreadsheet` (CSV) or :func:`write_xlsx` (Excel, text kept exact in text
  cells), so no cell runs as a formula (OWASP "CSV injection").

Import from here: ``from research_kit.privacy import suppress_table``.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"ward": ["Ward 1", "Ward 2"], "n": [12, 3]})
>>> suppress_small_counts(table)["suppressed"].tolist()
[False, True]
"""

from __future__ import annotations

from research_kit.privacy._problem import MAX_PROTECTED_CELLS
from research_kit.privacy.gate import ANONYMOUS, IDENTIFIER_PLACEHOLDERS, StakeholderGate
from research_kit.privacy.spreadsheet import (
    FORMULA_TRIGGERS,
    looks_like_formula,
    neutralise_formula,
    safe_for_spreadsheet,
    write_xlsx,
)
from research_kit.privacy.suppression import (
    feasible_ranges,
    protect,
    published_cells,
    suppress_small_counts,
    suppress_table,
    table_ranges,
)
from research_kit.settings import DEFAULT_MIN_CELL_SIZE

__all__ = [
    "ANONYMOUS",
    "DEFAULT_MIN_CELL_SIZE",
    "FORMULA_TRIGGERS",
    "IDENTIFIER_PLACEHOLDERS",
    "MAX_PROTECTED_CELLS",
    "StakeholderGate",
    "feasible_ranges",
    "looks_like_formula",
    "neutralise_formula",
    "protect",
    "published_cells",
    "safe_for_spreadsheet",
    "suppress_small_counts",
    "suppress_table",
    "table_ranges",
    "write_xlsx",
]
