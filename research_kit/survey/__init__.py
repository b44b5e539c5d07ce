"""Survey responses: survey exports in, tidy responses out (clustering and weighting build here)."""

from research_kit.survey.ingest import read_survey

__all__ = ["read_survey"]
