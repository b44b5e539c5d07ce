"""ipywidgets panels for researchers: the coding panel (more panels join here)."""

from research_kit.widgets.coding_panel import CodingPanel
from research_kit.widgets.highlight import (
    code_colours,
    legend_html,
    page_breaks,
    render_document_html,
)

__all__ = ["CodingPanel", "code_colours", "legend_html", "page_breaks", "render_document_html"]
