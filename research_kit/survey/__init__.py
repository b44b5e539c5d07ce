"""Survey responses: survey exports in, tidy responses out; weighting and weighted estimates."""

from research_kit.survey.ingest import read_survey
from research_kit.survey.weighting import design_effect, rake, weighted_share

__all__ = ["design_effect", "rake", "read_survey", "weighted_share"]
