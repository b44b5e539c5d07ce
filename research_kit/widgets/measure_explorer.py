"""The measure explorer: pick a measure, a group and a phase; see its chart and what it says.

:class:`MeasureExplorer` is an ipywidgets panel (it works in JupyterLab and in Voila) over a
study's ``measures.yml``. Three traits hold the choice — :attr:`~MeasureExplorer.measure`,
:attr:`~MeasureExplorer.group` and :attr:`~MeasureExplorer.phase` — each linked to a picker,
so code and clicks drive it alike. The chart is drawn by
:func:`research_kit.measures.measure_figure` (one group or phase) or
:func:`~research_kit.measures.measure_small_multiples` (every group), and beside it the
panel says in words what the chart says: the latest verdict, the last rule that fired, the
verdict against the target, and the measure's definition, owner and narrative. Each
measure is charted once and kept, so switching back is instant.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd
import traitlets

from research_kit.errors import ResearchKitError
from research_kit.measures import (
    measure_alt_text,
    measure_figure,
    measure_small_multiples,
    signal_sentence,
)
from research_kit.viz import figure_svg

if TYPE_CHECKING:
    from research_kit.measures import Measure
    from research_kit.study import Study

#: The group and phase choices that mean "every one".
ALL_GROUPS = "all groups"
ALL_PHASES = "all phases"


class MeasureExplorer(widgets.VBox):
    """Explore a study's measures: one chart, and the rule that fired in words.

    Parameters
    ----------
    study : Study
        A study with a ``measures.yml``.
    width : float
        The width of the chart in inches.

    Attributes
    ----------
    measure : str
        The id of the measure shown.
    group : str
        The group shown (a value of the measure's breakdown), or ``"all groups"``.
    phase : str
        The phase shown (``"0"``, ``"1"``, … counted from the first rebase), or
        ``"all phases"``.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> explorer = MeasureExplorer(study)
    >>> explorer.measure = "calls_answered_quickly"
    >>> explorer.group_picker.options[:2]
    ('all groups', 'English')
    >>> explorer.group = "Spanish"
    >>> "<svg" in explorer.chart_view.value
    True
    >>> study.close()
    """

    measure = traitlets.Unicode(help="the id of the measure shown")
    group = traitlets.Unicode(ALL_GROUPS, help="the group shown, or 'all groups'")
    phase = traitlets.Unicode(ALL_PHASES, help="the phase shown, or 'all phases'")

    def __init__(self, study: Study, *, width: float = 7.5) -> None:
        self.study = study
        self.width = width
        self.measures: dict[str, Measure] = {m.id: m for m in study.measures()}
        self._charts: dict[str, pd.DataFrame] = {}
        self.measure_picker = widgets.Dropdown(
            options=[(m.name, m.id) for m in self.measures.values()],
            description="Measure",
            layout=widgets.Layout(width="95%"),
        )
        self.group_picker = widgets.Dropdown(options=[ALL_GROUPS], description="Group")
        self.phase_picker = widgets.Dropdown(options=[ALL_PHASES], description="Phase")
        self.chart_view = widgets.HTML(layout=widgets.Layout(width="62%"))
        self.signal_view = widgets.HTML(layout=widgets.Layout(width="38%"))
        self.status = widgets.HTML()
        controls = widgets.HBox([self.measure_picker, self.group_picker, self.phase_picker])
        super().__init__([controls, self.status, widgets.HBox([self.chart_view, self.signal_view])])
        # Changing the measure resets the group and phase: the observers wait (``_quiet``)
        # until all three are set, so the chart is drawn once per choice, not three times.
        self._quiet = True
        self.measure = next(iter(self.measures))
        self._refresh_pickers()
        self._links = [
            widgets.link((self, "measure"), (self.measure_picker, "value")),
            widgets.link((self, "group"), (self.group_picker, "value")),
            widgets.link((self, "phase"), (self.phase_picker, "value")),
        ]
        self._quiet = False
        self._redraw()

    # -- the traits --------------------------------------------------------------------------
    @traitlets.validate("measure")
    def _valid_measure(self, proposal):
        if proposal["value"] not in self.measures:
            raise traitlets.TraitError(
                f"the study has no measure {proposal['value']!r} — use one of: "
                + ", ".join(self.measures)
            )
        return proposal["value"]

    @traitlets.observe("measure")
    def _on_measure(self, change) -> None:
        if self._quiet:
            return
        self._quiet = True
        try:
            self._refresh_pickers()
        finally:
            self._quiet = False
        self._redraw()

    @traitlets.observe("group", "phase")
    def _on_choice(self, change) -> None:
        if not self._quiet:
            self._redraw()

    def _refresh_pickers(self) -> None:
        """Offer the groups and phases of the measure shown, and show all of them."""
        points = self.points(whole=True)
        groups = sorted(points["group"].dropna().unique(), key=str) if "group" in points else []
        phases = sorted(points["phase"].unique()) if "phase" in points else []
        self.group = ALL_GROUPS
        self.phase = ALL_PHASES
        self.group_picker.options = [ALL_GROUPS, *map(str, groups)]
        self.group_picker.value = ALL_GROUPS
        self.group_picker.disabled = not groups
        self.phase_picker.options = [(ALL_PHASES, ALL_PHASES), *_phase_options(points, phases)]
        self.phase_picker.value = ALL_PHASES
        self.phase_picker.disabled = len(phases) < 2

    # -- what is shown -----------------------------------------------------------------------
    def points(self, *, whole: bool = False) -> pd.DataFrame:
        """The chart points shown: the measure's, narrowed to the group and phase chosen.

        ``whole=True`` gives every group and phase (the chart as computed: each phase's
        limits are computed on its own points whichever phase is shown).
        """
        if self.measure not in self._charts:
            self._charts[self.measure] = self.study.measure_chart(self.measure)
        points = self._charts[self.measure]
        if whole:
            return points
        if self.group != ALL_GROUPS and "group" in points:
            points = points[points["group"].astype(str) == self.group]
        if self.phase != ALL_PHASES and "phase" in points:
            points = points[points["phase"].astype(str) == self.phase]
        return points

    def _grouped(self, points: pd.DataFrame) -> bool:
        return "group" in points and points["group"].nunique() > 1

    def alt_text(self) -> str:
        """The chart shown, described in words (its accessible name)."""
        measure, points = self.measures[self.measure], self.points()
        by = "group" if self._grouped(points) else None
        return measure_alt_text(
            points, name=measure.name, unit=measure.unit, by=by, target_range=self._band()
        )

    def _band(self) -> tuple[float, float] | None:
        """The measure's target range, if its target is one."""
        target = self.measures[self.measure].target
        return (target.low, target.high) if target is not None and target.kind == "range" else None

    def signal_sentences(self) -> list[str]:
        """What the chart shown says, one sentence a series: verdict, rule, target."""
        points = self.points()
        series = points.groupby("group", sort=True) if self._grouped(points) else [(None, points)]
        return [
            signal_sentence(part, name=name, target_range=self._band()) for name, part in series
        ]

    def _redraw(self) -> None:
        measure = self.measures[self.measure]
        try:
            points = self.points()
            options = {"title": measure.name, "unit": measure.unit, "width": self.width}
            options["target_range"] = self._band()
            if self._grouped(points):
                fig = measure_small_multiples(points, by="group", **options)
            else:
                fig = measure_figure(points, **options)
            self.chart_view.value = figure_svg(fig, self.alt_text())
            self.signal_view.value = self._signal_html(measure)
            self.status.value = ""
        except (ResearchKitError, ValueError) as exc:
            self.status.value = f"<span style='color:#B2182B'>{html.escape(str(exc))}</span>"

    def _signal_html(self, measure: Measure) -> str:
        items = "".join(f"<li>{html.escape(text)}</li>" for text in self.signal_sentences())
        about = [
            ("Definition", measure.definition),
            ("Owner", ", ".join(x for x in (measure.owner, measure.department) if x)),
            ("Context", measure.narrative),
        ]
        details = "".join(
            f"<p><b>{label}:</b> {html.escape(text)}</p>" for label, text in about if text
        )
        return f"<b>What the chart says</b><ul>{items}</ul>{details}"


def _phase_options(points: pd.DataFrame, phases: list) -> list[tuple[str, str]]:
    """``(label, value)`` of each phase: its number from 1 and its first and last period."""
    options = []
    for phase in phases:
        periods = points.loc[points["phase"] == phase, "period"]
        first, last = (_period_label(p) for p in (periods.min(), periods.max()))
        options.append((f"phase {int(phase) + 1}: {first} – {last}", str(phase)))
    return options


def _period_label(period: object) -> str:
    return f"{period:%b %Y}" if isinstance(period, pd.Timestamp) else str(period)
