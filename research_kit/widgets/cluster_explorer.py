"""The cluster explorer: read the themes of a survey's open answers, fix them, break them down.

:class:`ClusterExplorer` is an ipywidgets panel over one study's survey. Pick an open-ended
question and the number of themes ("auto" lets the clusterer choose and says how); the list
shows each theme with its size; picking one shows its distinctive terms, representative quotes
and how its share differs by a group (ward, race/ethnicity …: weighted to the population when
the survey has margins, with 95% intervals, significant differences marked and small groups
suppressed); its quotes are the most confident answers, diverse and never the same answer twice
(:func:`theme_quotes`). A group filter narrows the quotes and the theme sizes to one group. Rename,
merge, split, pin and undo are saved in the study database at once
(:mod:`research_kit.survey.cluster_edits`) and replayed whenever the question is clustered
again. Each run is kept in the study, and the next run of the question starts from it (a warm
start, so the themes and their edits carry over when answers are added or removed); tick
"Start afresh" to cluster from scratch. The status line says how each run started. Export
writes the answers with their themes and the theme table as CSV files, safe to open in a
spreadsheet. Every piece of user text is escaped before it is shown.
"""

from __future__ import annotations

import html
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd

from research_kit.errors import ResearchKitError
from research_kit.privacy import safe_for_spreadsheet
from research_kit.survey.cluster_edits import (
    merge_clusters,
    pin_response,
    rename_cluster,
    split_cluster,
    undo_last_edit,
)
from research_kit.survey.quotes import distinct_quotes
from research_kit.survey.themes import QuestionThemes, cluster_question, replay_edits

if TYPE_CHECKING:
    from research_kit.study import Study

ALL = "(everyone)"
K_CHOICES = ["auto", *range(2, 21), 25, 30, 40, 50]
_STATUS_COLOURS = {"ok": "#1a7f37", "info": "#444444", "error": "#b42318"}


class ClusterExplorer:
    """Explore and edit the themes of a survey's open-ended answers.

    Parameters
    ----------
    study : Study
    survey_id : str, optional
        Which survey (the first by default).
    question : str or int
        The open-ended question shown first (text, unique prefix or position).
    n_clusters : int or "auto"
        Number of themes of the first run.
    coder : str, optional
        Who makes the edits (recorded with each).
    export_folder : Path or str, optional
        Where Export writes (default: ``exports/`` in the study folder).
    n_quotes : int
        Quotes shown per theme.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> explorer = ClusterExplorer(study, n_clusters=6)
    >>> len(explorer.theme_picker.options)  # 6 themes and the Spanish and Vietnamese answers
    8
    >>> explorer.rename_box.value = "Faster reviews"
    >>> explorer.rename()
    >>> "Faster reviews" in explorer.themes.themes["name"].tolist()
    True
    >>> study.close()
    """

    def __init__(
        self,
        study: Study,
        *,
        survey_id: str | None = None,
        question: str | int = 0,
        n_clusters: int | str = "auto",
        coder: str | None = None,
        export_folder: Path | str | None = None,
        n_quotes: int = 5,
    ) -> None:
        self.study = study
        self.source = study.survey_source(survey_id)
        self.coder = coder
        self.n_quotes = n_quotes
        self.export_folder = Path(export_folder or study.folder / "exports")
        self._survey = study.survey(self.source.id)
        self._weights = (
            study.survey_weights(self.source.id, survey=self._survey)
            if self.source.population_margins is not None
            else None
        )
        self.themes: QuestionThemes | None = None

        layout_full = widgets.Layout(width="100%")
        self.question_picker = widgets.Dropdown(
            options=list(self.source.open_ended), description="Question", layout=layout_full
        )
        self.k_picker = widgets.Dropdown(
            options=K_CHOICES, value=n_clusters, description="Themes", layout=_width("160px")
        )
        self.run_button = widgets.Button(description="Cluster", button_style="primary")
        self.fresh = widgets.Checkbox(
            value=False,
            description="Start afresh",
            tooltip="cluster from scratch instead of from the question's last kept run",
            indent=False,
            layout=_width("120px"),
        )
        self.theme_picker = widgets.Select(options=[], rows=12, layout=layout_full)
        self.group_picker = widgets.Dropdown(
            options=[("(none)", None), *[(a, a) for a in self._attributes()]],
            description="Break down by",
            style={"description_width": "initial"},
        )
        self.group_value = widgets.Dropdown(
            options=[ALL], description="Show", layout=_width("260px")
        )
        self.weighted = widgets.Checkbox(
            value=self._weights is not None,
            description="Weighted to the population",
            disabled=self._weights is None,
            indent=False,
        )
        self.rename_box = widgets.Text(placeholder="new name", layout=_width("220px"))
        self.rename_button = widgets.Button(description="Rename")
        self.merge_picker = widgets.SelectMultiple(options=[], rows=4, layout=_width("260px"))
        self.merge_button = widgets.Button(description="Merge into this")
        self.split_parts = widgets.BoundedIntText(value=2, min=2, max=6, layout=_width("60px"))
        self.split_button = widgets.Button(description="Split")
        self.pin_box = widgets.Text(placeholder="respondent id", layout=_width("160px"))
        self.pin_button = widgets.Button(description="Pin here")
        self.undo_button = widgets.Button(description="Undo last edit")
        self.export_button = widgets.Button(description="Export CSV", icon="download")
        self.summary = widgets.HTML()
        self.detail = widgets.HTML()
        self.chart = widgets.HTML(layout=widgets.Layout(overflow="auto"))
        self.status = widgets.HTML()

        if isinstance(question, int):
            self.question_picker.index = question
        else:
            self.question_picker.value = question
        self.run_button.on_click(lambda _button: self.run())
        self.rename_button.on_click(lambda _button: self.rename())
        self.merge_button.on_click(lambda _button: self.merge())
        self.split_button.on_click(lambda _button: self.split())
        self.pin_button.on_click(lambda _button: self.pin())
        self.undo_button.on_click(lambda _button: self.undo())
        self.export_button.on_click(lambda _button: self.export())
        self.theme_picker.observe(self._show_theme, names="value")
        self.group_picker.observe(self._group_changed, names="value")
        self.group_value.observe(self._show_theme, names="value")
        self.weighted.observe(self._show_theme, names="value")
        self.widget = self._assemble()
        self.run()

    # -- display -------------------------------------------------------------------------------
    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _assemble(self) -> widgets.Widget:
        run_row = widgets.HBox([self.question_picker, self.k_picker, self.fresh, self.run_button])
        edits = widgets.VBox(
            [
                widgets.HTML("<b>Edit the selected theme</b> (saved at once)"),
                widgets.HBox([self.rename_box, self.rename_button]),
                widgets.HTML("Merge these themes into it:"),
                widgets.HBox([self.merge_picker, self.merge_button]),
                widgets.HBox([widgets.Label("Split into"), self.split_parts, self.split_button]),
                widgets.HBox([self.pin_box, self.pin_button]),
                widgets.HBox([self.undo_button, self.export_button]),
            ]
        )
        left = widgets.VBox(
            [widgets.HTML("<b>Themes</b> (answers, share)"), self.theme_picker, edits],
            layout=widgets.Layout(width="36%"),
        )
        right = widgets.VBox(
            [
                widgets.HBox([self.group_picker, self.group_value, self.weighted]),
                self.detail,
                self.chart,
            ],
            layout=widgets.Layout(width="64%"),
        )
        return widgets.VBox([run_row, self.summary, self.status, widgets.HBox([left, right])])

    # -- running -------------------------------------------------------------------------------
    def run(self) -> None:
        """Cluster the chosen question (replaying saved edits) and show its themes."""
        with self._reporting("Clustering…"):
            self.themes = cluster_question(
                self.study,
                self.question_picker.value,
                survey_id=self.source.id,
                n_clusters=self.k_picker.value,
                survey=self._survey,
                weights=self._weights,
                n_quotes=self.n_quotes,
                fresh=self.fresh.value,
            )
            self._refresh_themes()
            self._say(self._run_message(), "ok")

    def _run_message(self) -> str:
        themes = self.themes
        model = themes.clusterer
        applied = int((themes.edits["status"] == "applied").sum())
        message = f"{model.n_themes_} themes, {themes.how_started()}"
        if len(model.groups_):
            message += "; set aside, not themes: " + ", ".join(model.groups_["name"])
        if self.k_picker.value == "auto":
            message += f"; k: {model.criterion_}"
        if len(themes.edits):
            message += f"; {applied} of {len(themes.edits)} saved edits applied"
        return message

    def _refresh_themes(self, keep: int | None = None) -> None:
        themes = self.themes
        counts = themes.counts.iloc[0]
        self.summary.value = (
            f"<b>{int(counts['answered']):,}</b> answers clustered; "
            f"{int(counts['non_answer']):,} non-answers (\u201cn/a\u201d, \u201cnone\u201d…) and "
            f"{int(counts['blank']):,} blanks counted but not clustered."
        )
        options = [
            (f"{row.name} ({row.size:,}, {row.share:.0%})", int(row.cluster))
            for row in themes.themes.itertuples(index=False)
        ]
        self.theme_picker.options = options
        values = [value for _label, value in options]
        self.theme_picker.value = keep if keep in values else (values[0] if values else None)
        self._show_theme()

    # -- showing -------------------------------------------------------------------------------
    def selected_answers(self) -> pd.DataFrame:
        """The clustered answers, narrowed to the group chosen in the filter."""
        frame = self.themes.assignments
        group, value = self.group_picker.value, self.group_value.value
        if group is not None and value != ALL:
            frame = frame[frame[group].astype(str) == value]
        return frame

    def _group_changed(self, _change=None) -> None:
        group = self.group_picker.value
        values = []
        if group is not None and self.themes is not None:
            values = sorted(self.themes.assignments[group].dropna().astype(str).unique())
        self.group_value.options = [ALL, *values]
        self.group_value.value = ALL
        self._show_theme()

    def _show_theme(self, _change=None) -> None:
        if self.themes is None or self.theme_picker.value is None:
            self.detail.value = self.chart.value = ""
            return
        cluster = self.theme_picker.value
        self.merge_picker.options = [
            (label, value) for label, value in self.theme_picker.options if value != cluster
        ]
        self.detail.value = self.theme_report(cluster)
        self.chart.value = self._chart_svg(cluster)

    def theme_report(self, cluster: int) -> str:
        """HTML of one theme: size, terms, quotes (narrowed to the group filter), weak fits."""
        row = self.themes.themes.set_index("cluster").loc[cluster]
        members = self.selected_answers()
        members = members[members["cluster"] == cluster]
        where = ""
        if self.group_picker.value is not None and self.group_value.value != ALL:
            where = f" among {html.escape(self.group_picker.value)} = "
            where += html.escape(str(self.group_value.value))
        small = len(members) < self.themes.min_cell_size and where
        parts = [
            f"<h4 style='margin:4px 0'>{html.escape(str(row['name']))}</h4>",
            f"<div>{int(row['size']):,} answers ({row['share']:.0%}); "
            f"mean confidence {row['mean_confidence']:.2f}; "
            f"{int(row['low_confidence'])} weak fits to review"
            f"{' — edited' if row['edited'] else ''}</div>",
            "<div><b>Distinctive terms:</b> "
            + html.escape(", ".join(row["top_terms"]) or "(none)")
            + "</div>",
        ]
        if small:
            parts.append(
                f"<div><i>Fewer than {self.themes.min_cell_size} answers{where}: "
                "quotes are not shown for so small a group.</i></div>"
            )
            return "".join(parts)
        parts.append(f"<div><b>Quotes</b>{where} ({len(members):,} answers):</div>")
        for item in theme_quotes(members, self.n_quotes).itertuples(index=False):
            parts.append(
                "<blockquote style='margin:4px 0 4px 12px'>\u201c"
                f"{html.escape(str(item.text))}\u201d <i>({html.escape(str(item.respondent_id))},"
                f" confidence {item.confidence:.2f})</i></blockquote>"
            )
        return "".join(parts)

    def _chart_svg(self, cluster: int) -> str:
        group = self.group_picker.value
        if group is None:
            return ""
        from research_kit.viz import figure_svg, share_by_group

        name = self.themes.themes.set_index("cluster").loc[cluster, "name"]
        table = self.themes.shares(group, weighted=self.weighted.value)
        figure = share_by_group(
            table,
            category=name,
            min_cell_size=self.themes.min_cell_size,
            title=f"Share answering \u201c{name}\u201d by {group}",
        )
        return figure_svg(figure)

    # -- editing -------------------------------------------------------------------------------
    def rename(self) -> None:
        """Rename the selected theme to the text in the name box."""
        with self._editing("Renamed") as cluster:
            rename_cluster(
                *self._edit_args(), cluster, self.rename_box.value, **self._edit_options()
            )

    def merge(self) -> None:
        """Merge the themes ticked in the merge list into the selected one."""
        with self._editing("Merged") as cluster:
            others = list(self.merge_picker.value)
            merge_clusters(*self._edit_args(), [cluster, *others], **self._edit_options())

    def split(self) -> None:
        """Split the selected theme in as many parts as the split box says."""
        with self._editing("Split") as cluster:
            split_cluster(
                *self._edit_args(), cluster, self.split_parts.value, **self._edit_options()
            )

    def pin(self) -> None:
        """Pin the respondent in the pin box to the selected theme."""
        with self._editing("Pinned") as cluster:
            name = self.themes.themes.set_index("cluster").loc[cluster, "name"]
            pin_response(
                self.study,
                self.themes.question,
                self.pin_box.value.strip(),
                name,
                assignments=self.themes.assignments,
                coder=self.coder,
                survey_id=self.themes.survey_id,
            )

    def undo(self) -> None:
        """Undo the last edit of this question (it stays in the log, marked undone)."""
        with self._editing("Undid the last edit"):
            undo_last_edit(self.study, self.themes.question, survey_id=self.themes.survey_id)

    def _edit_args(self) -> tuple:
        return self.study, self.themes.question, self.themes.assignments

    def _edit_options(self) -> dict:
        return {"survey_id": self.themes.survey_id, "coder": self.coder}

    @contextmanager
    def _editing(self, done: str):
        cluster = self.theme_picker.value
        with self._reporting("Saving…"):
            yield cluster
            self.themes = replay_edits(self.study, self.themes)
            self._refresh_themes(keep=cluster)
            self._say(f"{done}; saved in the study.", "ok")

    # -- export --------------------------------------------------------------------------------
    def export(self) -> tuple[Path, Path]:
        """Write the answers with their themes and the theme table as CSV; return the paths."""
        with self._reporting("Exporting…"):
            self.export_folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            stem = f"{self.themes.survey_id}-q{self.question_picker.index + 1}-{stamp}"
            answers_path = self.export_folder / f"{stem}-answers.csv"
            themes_path = self.export_folder / f"{stem}-themes.csv"
            columns = ["respondent_id", "cluster", "cluster_name", "confidence", "edited", "text"]
            safe_for_spreadsheet(self.themes.assignments[columns]).to_csv(
                answers_path, index=False, encoding="utf-8-sig"
            )
            table = self.themes.themes.assign(
                top_terms=self.themes.themes["top_terms"].map("; ".join),
                quotes=self.themes.themes["quotes"].map(" | ".join),
            )
            safe_for_spreadsheet(table).to_csv(themes_path, index=False, encoding="utf-8-sig")
            self._say(f"Wrote {answers_path.name} and {themes_path.name} in {self.export_folder}")
            return answers_path, themes_path

    # -- helpers -------------------------------------------------------------------------------
    def _attributes(self) -> list[str]:
        return list(self.source.attributes.values())

    @contextmanager
    def _reporting(self, working: str):
        self._say(working)
        try:
            yield
        except ResearchKitError as exc:
            self._say(str(exc), "error")

    def _say(self, message: str, kind: str = "info") -> None:
        colour = _STATUS_COLOURS[kind]
        self.status.value = f"<span style='color:{colour}'>{html.escape(message)}</span>"


def theme_quotes(members: pd.DataFrame, n_quotes: int, *, candidates: int = 40) -> pd.DataFrame:
    """The answers to show for a theme: the most confident, diverse, no two alike.

    Among the ``candidates`` most confident answers, :func:`~research_kit.survey.quotes.
    distinct_quotes` picks ``n_quotes`` by maximal marginal relevance, skipping answers that
    repeat one already shown in another case, punctuation, word order or with a word more.

    Examples
    --------
    >>> members = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"],
    ...                         "text": ["Fees too high", "fees too HIGH!", "Portal crashes"],
    ...                         "confidence": [0.9, 0.8, 0.5]})
    >>> theme_quotes(members, 2)["text"].tolist()
    ['Fees too high', 'Portal crashes']
    """
    ranked = members.sort_values(["confidence", "respondent_id"], ascending=[False, True]).head(
        candidates
    )
    texts = ranked["text"].astype(str).tolist()
    chosen = distinct_quotes(texts, ranked["confidence"].to_numpy(), n_quotes)
    return ranked.iloc[chosen]


def _width(width: str) -> widgets.Layout:
    return widgets.Layout(width=width)
