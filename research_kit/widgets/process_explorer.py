"""The process explorer: see how a service really runs, and what people said about each step.

:class:`ProcessExplorer` is an ipywidgets panel over a study's event log and process map. Two
sliders simplify the mined map as Disco does (keep the activities that cover a share of the
events, then the paths that cover a share of the transitions); a toggle shows frequencies,
waiting times or both; the variant list shows the most common paths and narrows the map to
one of them; picking a step shows its measured waits and the interview quotes pinned to it
(the codes whose ``process_step`` is that step). ipywidgets cannot report a click inside a
drawing, so steps are picked from a list beside the map.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from research_kit.errors import ResearchKitError
from research_kit.process import (
    directly_follows,
    end_activities,
    filter_activities,
    filter_paths,
    start_activities,
    variants,
)
from research_kit.process.evidence import step_durations, step_evidence
from research_kit.process.render import format_duration, process_map_svg

if TYPE_CHECKING:
    from research_kit.process.spec import ProcessMap
    from research_kit.study import Study

ALL_VARIANTS = "All cases"
METRICS = (("Frequency", "frequency"), ("Waiting time", "performance"), ("Both", "both"))


class ProcessExplorer:
    """Explore an event log as a process map, with the interview evidence for each step.

    Parameters
    ----------
    study : Study
        The study (its first event log and process map are used unless given).
    log : pandas.DataFrame, optional
        An event table (``study.event_log()`` by default).
    spec : ProcessMap, optional
        The process map whose steps carry interview evidence (``study.process_map()``).
    top_variants : int
        How many variants the list offers.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> explorer = ProcessExplorer(study)
    >>> explorer.activity_slider.value = 0.8
    >>> "<svg" in explorer.map_view.value
    True
    >>> study.close()
    """

    def __init__(
        self,
        study: Study,
        *,
        log: pd.DataFrame | None = None,
        spec: ProcessMap | None = None,
        top_variants: int = 15,
    ) -> None:
        self.study = study
        self.log = log if log is not None else study.event_log()
        self.spec = spec if spec is not None else _first_process_map(study)
        self.variant_table = variants(self.log)
        self._evidence = self._load_evidence()
        self._durations = (
            step_durations(self.spec, self.log).set_index("step_id")
            if self.spec is not None
            else pd.DataFrame()
        )
        self.activity_slider = _slider("Activities", 1.0)
        self.path_slider = _slider("Paths", 0.9)
        self.metric = widgets.ToggleButtons(options=METRICS, value="frequency")
        self.variant_picker = widgets.Select(
            options=self._variant_options(top_variants),
            value=ALL_VARIANTS,
            rows=8,
            layout=widgets.Layout(width="100%"),
        )
        self.step_picker = widgets.Select(
            options=self._step_options(), rows=10, layout=widgets.Layout(width="100%")
        )
        self.variant_view = widgets.HTML()
        self.map_view = widgets.HTML(layout=widgets.Layout(overflow="auto", width="100%"))
        self.step_view = widgets.HTML()
        self.status = widgets.HTML()
        for control in (self.activity_slider, self.path_slider, self.metric, self.variant_picker):
            control.observe(self._redraw, names="value")
        self.variant_picker.observe(self._show_variant, names="value")
        self.step_picker.observe(self._show_step, names="value")
        self.widget = self._assemble()
        self._redraw()
        self._show_step()

    # -- display -------------------------------------------------------------------------------
    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _assemble(self) -> widgets.Widget:
        controls = widgets.VBox(
            [
                widgets.HTML("<b>Simplify</b>"),
                self.activity_slider,
                self.path_slider,
                widgets.HTML("<b>Show on the arrows</b>"),
                self.metric,
                widgets.HTML("<b>Variants</b> (most common paths)"),
                self.variant_picker,
                self.variant_view,
            ],
            layout=widgets.Layout(width="34%"),
        )
        evidence = widgets.VBox(
            [
                widgets.HTML("<b>Steps</b>: pick one for its waits and quotes"),
                self.step_picker,
                self.step_view,
            ],
            layout=widgets.Layout(width="34%"),
        )
        return widgets.VBox([widgets.HBox([controls, evidence]), self.status, self.map_view])

    # -- the map ---------------------------------------------------------------------------------
    def filtered_log(self) -> pd.DataFrame:
        """The event table after the variant choice and the activity slider."""
        log = self.log
        if self.variant_picker.value != ALL_VARIANTS:
            wanted = self.variant_picker.value
            chosen = self._case_variant_ids()
            log = log[log["case_id"].isin(chosen[chosen == wanted].index)]
        if self.activity_slider.value < 1.0:
            log = filter_activities(log, coverage=self.activity_slider.value)
        return log

    def current_dfg(self) -> pd.DataFrame:
        """The directly-follows graph shown, after both sliders and the variant choice."""
        log = self.filtered_log()
        dfg = directly_follows(log)
        if self.path_slider.value < 1.0 and not dfg.empty:
            dfg = filter_paths(
                dfg,
                coverage=self.path_slider.value,
                start_activities=start_activities(log)["activity"],
                end_activities=end_activities(log)["activity"],
            )
        return dfg

    def _redraw(self, _change=None) -> None:
        try:
            log = self.filtered_log()
            dfg = self.current_dfg()
            cases = log["case_id"].nunique()
            self.map_view.value = process_map_svg(
                dfg,
                starts=start_activities(log),
                ends=end_activities(log),
                metric=self.metric.value,
                title=f"{cases:,} cases, {len(log):,} events",
            )
            self._say(
                f"{len(dfg)} paths between {dfg[['source', 'target']].stack().nunique()} "
                f"activities shown"
            )
        except ResearchKitError as exc:
            self._say(str(exc), error=True)

    def _case_variant_ids(self) -> pd.Series:
        from research_kit.process import case_variants

        if not hasattr(self, "_case_variants"):
            self._case_variants = case_variants(self.log).set_index("case_id")["variant"]
        return self._case_variants

    def _variant_options(self, top: int) -> list[tuple[str, str]]:
        options = [(f"All cases ({self.log['case_id'].nunique():,})", ALL_VARIANTS)]
        shown = self.variant_table.head(top)
        # Paths share their first steps, so a label cut at the picker's width would read the
        # same for every variant: each says how it differs from the most common path instead
        # (the full path shows under the list when chosen).
        reference = tuple(shown["activities"].iloc[0]) if len(shown) else ()
        for row in shown.itertuples(index=False):
            difference = _variant_difference(tuple(row.activities), reference)
            options.append((f"{row.count:,} cases ({row.share:.0%}): {difference}", row.variant))
        return options

    def _show_variant(self, _change=None) -> None:
        chosen = self.variant_picker.value
        self.variant_view.value = (
            "" if chosen == ALL_VARIANTS else f"<small>{html.escape(chosen)}</small>"
        )

    # -- steps and evidence ----------------------------------------------------------------------
    def _load_evidence(self) -> pd.DataFrame:
        if self.spec is None:
            return pd.DataFrame()
        try:
            return step_evidence(self.study, self.spec).set_index("step_id")
        except ResearchKitError:
            return pd.DataFrame()

    def _step_options(self) -> list[tuple[str, str]]:
        if self.spec is None:
            return [("(the study has no process map)", "")]
        options = []
        for step in self.spec.steps:
            count = 0
            if not self._evidence.empty and step.id in self._evidence.index:
                count = int(self._evidence.loc[step.id, "n_codings"])
            suffix = f"  ·  {count} coded excerpt(s)" if count else ""
            options.append((f"{step.label}{suffix}", step.id))
        return options

    def step_report(self, step_id: str) -> str:
        """HTML about one step: measured waits and the interview quotes pinned to it."""
        if not step_id or self.spec is None:
            return ""
        step = self.spec.step(step_id)
        parts = [f"<h4>{html.escape(step.label)}</h4>"]
        if step_id in self._durations.index:
            parts.append(_wait_sentence(self._durations.loc[step_id]))
        if not self._evidence.empty and step_id in self._evidence.index:
            evidence = self._evidence.loc[step_id]
            names = ", ".join(evidence["code_names"]) or "none"
            parts.append(
                f"<p>Codes about this step: {html.escape(names)} — "
                f"{int(evidence['n_codings'])} coding(s) in "
                f"{int(evidence['n_documents'])} interview(s).</p>"
            )
            for quote, document in zip(
                evidence["quotes"], evidence["quote_documents"], strict=False
            ):
                parts.append(
                    f"<blockquote>“{html.escape(quote)}” <i>({html.escape(document)})</i>"
                    "</blockquote>"
                )
        return "".join(parts)

    def _show_step(self, _change=None) -> None:
        self.step_view.value = self.step_report(self.step_picker.value)

    def _say(self, message: str, *, error: bool = False) -> None:
        colour = "#b42318" if error else "#444444"
        self.status.value = f"<span style='color:{colour}'>{html.escape(message)}</span>"


def _first_process_map(study: Study) -> ProcessMap | None:
    if not study.settings.process_maps:
        return None
    return study.process_map()


def _slider(description: str, value: float) -> widgets.FloatSlider:
    return widgets.FloatSlider(
        value=value,
        min=0.1,
        max=1.0,
        step=0.05,
        description=description,
        readout_format=".0%",
        continuous_update=False,
        style={"description_width": "initial"},
    )


def _wait_sentence(row: pd.Series) -> str:
    """The measured wait before a step, or why there is none (a case's first step)."""
    cases = int(row["cases"])
    if pd.isna(row["median_wait"]):
        why = "it begins the case" if cases else "no case in the log reaches it"
        return f"<p>{cases:,} cases; no wait before it is measured: {why}.</p>"
    return (
        f"<p>{cases:,} cases; median wait before it "
        f"<b>{html.escape(format_duration(row['median_wait']))}</b>, 90th percentile "
        f"{html.escape(format_duration(row['p90_wait']))}.</p>"
    )


def _variant_difference(steps: tuple[str, ...], reference: tuple[str, ...]) -> str:
    """How a path differs from the most common one: steps added (+) and left out (−)."""
    if steps == reference:
        return f"the most common path ({len(steps)} steps)"
    added = Counter(steps) - Counter(reference)
    missing = Counter(reference) - Counter(steps)
    if not added and not missing:
        return "the same steps in another order"
    # Steps new to the path first: they tell variants apart sooner than a repeated step.
    added_names = [_added(name, n, name in reference) for name, n in added.items()]
    added_names.sort(key=lambda name: name.endswith(("again", "more times")))
    parts = [f"+ {_listed(added_names)}"] if added else []
    parts += [f"− {_listed(list(missing))}"] if missing else []
    return "; ".join(parts)


def _added(name: str, times: int, repeated: bool) -> str:
    if repeated:
        return f"{name} again" if times == 1 else f"{name} {times} more times"
    return name if times == 1 else f"{name} ×{times}"


def _listed(names: list[str], most: int = 2) -> str:
    """Up to ``most`` names in path order, then how many more."""
    more = len(names) - most
    return ", ".join(names[:most]) + (f" and {more} more" if more > 0 else "")
