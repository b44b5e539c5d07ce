"""What the survey parts of one brief share: the survey, its weights, scales and themes.

Private to :mod:`research_kit.briefs`. :func:`~research_kit.briefs._survey_findings.survey_basis`
computes a :class:`SurveyBasis` once per brief; the survey and themes sections and the method
lines read it. The raking variables it names let every share's standard error account for the
raking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from research_kit.survey import SurveyWeightsResult
from research_kit.survey.themes import QuestionThemes

__all__ = ["SurveyBasis", "raked_columns", "raking_variables"]


@dataclass
class SurveyBasis:
    """What the survey, themes and method parts of one brief share (computed once per brief)."""

    source: Any  # the study's SurveySource
    #: Every respondent; with the weight in :data:`_WEIGHT` when weighted.
    survey: pd.DataFrame
    weights: pd.Series | None
    #: Why the survey is not weighted although it has population margins (an error message).
    weighting_problem: str | None
    #: Likert items with the scale of each, lowest level first; items whose scale is unknown.
    scales: dict[str, list[str]]
    unscaled: list[str]
    #: The themes of the first open-ended question, or why there are none.
    themes: QuestionThemes | None
    themes_problem: str | None
    #: How the weights were raked (None when unweighted).
    weighting: SurveyWeightsResult | None = None

    @property
    def weighted(self) -> bool:
        return self.weights is not None

    @property
    def calibrated_on(self) -> tuple[str, ...]:
        """The raking variables: standard errors account for the raking (none unweighted)."""
        return self.weighting.calibrated_on if self.weighting is not None else ()


def raking_variables(weighting: SurveyWeightsResult | None) -> list[str]:
    """The population margins' variables the survey was raked to (none when unweighted)."""
    if weighting is None:
        return []
    return [str(v) for v in weighting.not_in_margins["variable"]]


def raked_columns(basis: SurveyBasis, frame: pd.DataFrame, weights) -> tuple[str, ...]:
    """The raking variables ``frame`` carries, when its shares are weighted (else none).

    Examples
    --------
    >>> import pandas as pd
    >>> basis = SurveyBasis(None, pd.DataFrame(), None, None, {}, [], None, None)
    >>> raked_columns(basis, pd.DataFrame({"ward": []}), weights=None)
    ()
    """
    if weights is None:
        return ()
    return tuple(column for column in basis.calibrated_on if column in frame.columns)
