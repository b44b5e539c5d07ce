"""Briefs for stakeholders: findings assembled once, shown as a Voila dashboard, HTML or PDF.

:func:`assemble_findings` gathers every number, chart and quote; :mod:`research_kit.briefs.report`
renders them (Jinja2 templates in ``templates/report/``, PDF through WeasyPrint).
"""

from research_kit.briefs.findings import (
    FigureSpec,
    Findings,
    Quote,
    Section,
    Table,
    assemble_findings,
)
from research_kit.briefs.report import export_html, export_pdf, render_html, section_html

__all__ = [
    "FigureSpec",
    "Findings",
    "Quote",
    "Section",
    "Table",
    "assemble_findings",
    "export_html",
    "export_pdf",
    "render_html",
    "section_html",
]
