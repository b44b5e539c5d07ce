"""The look of process drawings: type sizes, colours and fills, and text measured in that type.

Shared by :mod:`._layout` (which sizes boxes and routes flows from the measured text) and
:mod:`research_kit.process.render` (which draws with the same sizes and colours), so that what
is measured is what is drawn. Internal to the process package; colours that carry meaning
come from :data:`research_kit.viz.PALETTE`.
"""

from __future__ import annotations

from functools import lru_cache

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from research_kit.viz import PALETTE

#: Font sizes, in points: step labels, the small lines under them, flow labels, lane titles.
LABEL_PT, NOTE_PT, EDGE_PT, LANE_PT = 9.0, 7.0, 7.0, 9.0
#: The smallest type of any drawing (notes, flow labels, badges), in points.
SMALLEST_PT = 7.0
#: Line height, in font sizes.
LINE = 1.3
#: Text, flows and secondary text.
INK, FLOW, MUTED = "#222222", "#555555", "#777777"
#: Hand-offs between lanes, rework loops, pain points, and times.
HANDOFF, REWORK, PAIN, TIME = PALETTE[0], PALETTE[5], "#CC3344", "#1F6E8C"
#: The fill of each kind of step.
FILLS = {
    "task": "#FFFFFF",
    "wait": "#F1F1F1",
    "decision": "#FFF4CC",
    "start": "#E2F0E4",
    "end": "#F3E3EA",
    "activity": "#FFFFFF",
}
#: Alternate lane backgrounds.
LANE_FILLS = ("#F6F8FB", "#FFFFFF")
#: Lane headers and blueprint row groups.
HEADER_FILL, GROUP_FILL = "#E6ECF3", "#D5DEEA"


@lru_cache(maxsize=8192)
def text_width(text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """The width in inches of ``text`` set in the drawing font at ``size`` points.

    Examples
    --------
    >>> text_width("", 9.0), text_width("Inspect", 9.0) > text_width("Inspect", 7.0)
    (0.0, True)
    """
    if not text:
        return 0.0
    font = FontProperties(size=size, weight=weight, style=style)
    width, _, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return width / 72


def wrap(
    text: str, size: float, width: float, weight: str = "normal", style: str = "normal"
) -> list[str]:
    """Break text into lines no wider than ``width`` inches (a longer single word stays whole).

    Examples
    --------
    >>> wrap("Review the application", 9.0, 0.9)
    ['Review the', 'application']
    """
    lines = []
    for paragraph in str(text).splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            if current and text_width(trial, size, weight, style) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines or [""]
