"""The house chart style: colours, text sizes, applied in a context, never globally.

Colours come from Paul Tol's colour-blind-safe "bright" scheme (and his "BuRd" diverging scheme
for rating scales); text is large enough to read on a projector. :func:`style` applies it
inside a ``with`` block only; every research_kit chart draws in it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import seaborn as sns
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, MaxNLocator

#: Paul Tol's "bright" qualitative scheme (colour-blind safe).
PALETTE = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
#: Hatching that marks a suppressed cell (too few people to show).
SUPPRESSED_HATCH = "///"
#: Paul Tol's diverging "BuRd" scheme, negative (red) end first, without its white midpoint.
DIVERGING_NEGATIVE = ("#B2182B", "#D6604D", "#F4A582", "#FDDBC7")
DIVERGING_POSITIVE = ("#D1E5F0", "#92C5DE", "#4393C3", "#2166AC")
#: The neutral midpoint of a rating scale (Tol's light grey).
NEUTRAL = "#DDDDDD"


def _style_rc() -> dict[str, object]:
    """The matplotlib settings of research_kit's chart style, as a new dictionary.

    seaborn's "whitegrid" style and "notebook" context (text 10% larger), Tol's bright
    palette as the colour cycle, and text kept as text in SVG output.
    """
    rc: dict[str, object] = {}
    rc.update(sns.plotting_context("notebook", font_scale=1.1))
    rc.update(sns.axes_style("whitegrid"))
    rc["font.family"] = ["sans-serif"]
    rc["axes.prop_cycle"] = mpl.cycler(color=list(PALETTE))
    rc["patch.facecolor"] = PALETTE[0]
    # Keep text as text in SVG output: screen readers, search and copy-paste can reach it.
    rc["svg.fonttype"] = "none"
    return rc


@contextmanager
def style() -> Iterator[None]:
    """Apply research_kit's chart style inside a ``with`` block only.

    The user's own matplotlib and seaborn settings are untouched before and after: the style
    is a :func:`matplotlib.rc_context`. Every plotting function here draws inside it.

    Examples
    --------
    >>> import matplotlib
    >>> before = matplotlib.rcParams["axes.grid"]
    >>> with style():
    ...     matplotlib.rcParams["axes.grid"]
    True
    >>> matplotlib.rcParams["axes.grid"] == before
    True
    """
    with mpl.rc_context(_style_rc()):
        yield


def percent_axis(axis: Axis, *, unsigned: bool = False) -> None:
    """Tick an axis of shares (0 to 1) at round percentages, each labelled with its exact value.

    Ticks fall on steps of 1, 2 or 5 times a power of ten percent, so a label never rounds
    a tick that lies between whole percentages (a plain 0-decimal formatter labels ticks at
    2.5% steps "0, 2, 5, 8, 10 %"). A label has a decimal only when its value needs one.
    ``unsigned=True`` labels negative positions by their size (diverging rating-scale bars).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with style():
    ...     fig, ax = plt.subplots()
    >>> ax.set_xlim(0, 0.2)
    (0.0, 0.2)
    >>> percent_axis(ax.xaxis)
    >>> fig.canvas.draw()
    >>> [tick.get_text() for tick in ax.get_xticklabels()]
    ['0%', '5%', '10%', '15%', '20%']
    >>> plt.close(fig)
    """
    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda value, _: _percent_label(value, unsigned)))


def _percent_label(value: float, unsigned: bool) -> str:
    """A share as a percentage with as few decimals as shows it exactly (up to two)."""
    percent = abs(value) * 100 if unsigned else value * 100
    for decimals in range(3):
        if abs(round(percent, decimals) - percent) < 1e-9:
            break
    text = f"{percent:.{decimals}f}"
    return ("0" if text.strip("-0.") == "" else text) + "%"


def set_theme() -> None:
    """Deprecated: changes matplotlib's global settings; use ``with style():`` instead.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     with style():  # keep this example from changing the session's settings
    ...         set_theme()
    """
    warnings.warn(
        "research_kit.viz.set_theme() is deprecated and changes matplotlib's global settings; "
        "use `with research_kit.viz.style():` (every research_kit chart already draws in it)",
        DeprecationWarning,
        stacklevel=2,
    )
    mpl.rcParams.update(_style_rc())
