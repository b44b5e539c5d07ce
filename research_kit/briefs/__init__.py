"""Briefs for stakeholders: findings assembled once, shown as a Voila dashboard, HTML or PDF.

:func:`assemble_findings` gathers every number, chart and quote into the plain data of
:mod:`research_kit.briefs.content` (its survey parts in ``_survey_findings``);
:mod:`research_kit.briefs.report` renders them (Jinja2 templates shipped in
``research_kit/templates/report/``, PDF through WeasyPrint).
"""

from research_kit.briefs.audiences import AUDIENCES, Audience, audience_policy
from research_kit.briefs.content import FigureSpec, Findings, Quote, Section, Table
from research_kit.briefs.findings import assemble_findings, filter_choices, study_material
from research_kit.briefs.report import export_html, export_pdf, render_html, section_html

__all__ = [
    "AUDIENCES",
    "Audience",
    "FigureSpec",
    "Findings",
    "Quote",
    "Section",
    "Table",
    "assemble_findings",
    "audience_policy",
    "export_html",
    "export_pdf",
    "filter_choices",
    "render_html",
    "section_html",
    "study_material",
]
