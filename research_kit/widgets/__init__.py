"""ipywidgets panels for researchers: the coding panel, the cluster explorer, the process
explorer and the measure explorer."""

from research_kit.widgets.cluster_explorer import ClusterExplorer, theme_quotes
from research_kit.widgets.coding_panel import CodingPanel
from research_kit.widgets.highlight import (
    code_colours,
    legend_html,
    page_breaks,
    render_document_html,
)
from research_kit.widgets.measure_explorer import MeasureExplorer
from research_kit.widgets.note_view import NoteView, snap_to_words
from research_kit.widgets.process_explorer import ProcessExplorer

__all__ = [
    "ClusterExplorer",
    "CodingPanel",
    "MeasureExplorer",
    "NoteView",
    "ProcessExplorer",
    "code_colours",
    "legend_html",
    "page_breaks",
    "render_document_html",
    "snap_to_words",
    "theme_quotes",
]
