"""Themes of an open-ended survey question: cluster a study's answers, keep edits, break down.

:func:`cluster_question` is the study-level entry point. It reads the survey, keeps the
non-answers aside (counted, never clustered), clusters the real answers with
:class:`~research_kit.survey.clustering.ResponseClusterer`, replays the researchers' saved
edits (renames, merges, splits, pins — :mod:`research_kit.survey.cluster_edits`) and returns a
:class:`QuestionThemes`: one row per respondent with their theme, one row per theme with its
size, distinctive terms and quotes, and :meth:`QuestionThemes.shares` for the theme shares
overall or by group, weighted to the population, with margins of error, tests and small-cell
suppression.

Re-running keeps the themes: every run :func:`cluster_question` makes is kept in the study
database (once: a run the same as the latest is not stored again), and the next run of the
question *warm-starts* from the latest kept run — answers seen before start in their previous
cluster, new answers where their words and neighbours fit, then the model is fitted as usual —
so when a survey gains or loses answers the themes, and the renames and other edits made on
them, carry over. ``fresh=True`` clusters from scratch (and with ``n_clusters="auto"`` chooses
k again); :attr:`QuestionThemes.start` says how a run started.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from research_kit.deprecation import renamed_keywords, survey_order
from research_kit.errors import ClusterEditError, SurveyError, did_you_mean
from research_kit.privacy import DEFAULT_MIN_CELL_SIZE
from research_kit.survey.breakdown import crosstab, weighted_distribution
from research_kit.survey.cluster_edits import apply_cluster_edits_result
from research_kit.survey.cluster_runs import keep_cluster_run, load_cluster_run
from research_kit.survey.clustering import ResponseClusterer
from research_kit.survey.material import survey_weights_result
from research_kit.survey.question_groups import (
    answer_languages,
    clustering_setup,
    language_table,
    previous_themes,
    translation_list,
    with_kinds,
)
from research_kit.survey.responses import answer_counts, open_answers
from research_kit.survey.theme_table import THEME_COLUMNS, theme_table, unique_theme_names

if TYPE_CHECKING:
    from research_kit.study import Study

__all__ = ["QuestionThemes", "cluster_question", "replay_edits", "resolve_question"]

#: The numbers of themes ``cluster_question(..., n_clusters="auto")`` chooses from by default:
#: a list of themes that people read, in a dashboard or a brief, stays at fifteen or fewer.
READABLE_K_RANGE = (2, 15)


@dataclass
class QuestionThemes:
    """The themes of one open-ended question of a study's survey.

    Attributes
    ----------
    survey_id, question : str
    assignments : DataFrame
        One row per clustered answer: ``respondent_id, text, cluster, cluster_name,
        confidence, edited``, the respondent's study attributes and ``weight`` (when the
        survey has population margins).
    themes : DataFrame
        One row per cluster: ``cluster, name, kind, size, share, top_terms, quotes,
        mean_confidence, low_confidence`` (answers under confidence 0.2), ``edited``, and
        ``praise_share, complaint_share, polarity, mixed_polarity``: how many of its answers
        praise or complain, and whether it mixes the two (:func:`~research_kit.text.theme_polarity`;
        English and Spanish answers; other languages read as neutral).
        ``kind`` is ``"theme"`` for a topical theme, ``"praise"`` for the group of answers
        that are only praise, thanks or "nothing to add", ``"language"`` for a group of
        answers in another language set aside (not clustered); the groups come last.
    answers : DataFrame
        Every respondent's answer with its status (answered, non_answer, blank).
    counts : DataFrame
        How many answered, gave a non-answer or left it blank.
    clusterer : ResponseClusterer
        The fitted model (``k_scores_`` and ``criterion_`` tell how k was chosen).
    edits : DataFrame
        What happened to each saved edit on this run (applied or not applicable, and why).
    respondents : DataFrame
        The survey frame the answers came from (attributes, weights).
    min_cell_size : int
        The study's minimum cell size for breakdowns.
    model_output : DataFrame
        The clusterer's own assignments before edits (``respondent_id, text, cluster,
        confidence, label``), for :func:`replay_edits`.
    n_quotes, n_terms : int
        Quotes and terms per theme.
    start : str
        How the clustering started: ``"fresh"`` (k-means starts) or ``"warm from run N"`` (the
        clusters of kept run N; see :func:`cluster_question`).
    run_id : int or None
        The kept run holding this clustering (None when it was not kept).
    languages : DataFrame
        Answers per language: ``language`` (ISO 639-1 code, ``"und"`` unknown),
        ``language_name``, ``answers``, ``share``, ``clustered`` (False: set aside by
        language; :meth:`for_translation` lists them).
    answer_languages : DataFrame
        Each clustered answer's language: ``respondent_id, language``.
    """

    survey_id: str
    question: str
    assignments: pd.DataFrame
    themes: pd.DataFrame
    answers: pd.DataFrame
    counts: pd.DataFrame
    clusterer: ResponseClusterer
    edits: pd.DataFrame
    respondents: pd.DataFrame = field(repr=False)
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE
    model_output: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    n_quotes: int = 3
    n_terms: int = 8
    start: str = "fresh"
    run_id: int | None = None
    calibrated_on: tuple[str, ...] = ()  # the raking variables of the weights, if raked
    languages: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    answer_languages: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def for_translation(self) -> pd.DataFrame:
        """The answers set aside by language, to translate and add to the themes.

        A researcher's list (not redacted): ``respondent_id, language, language_name, text``,
        by language then respondent. Empty when no answer was set aside by language.

        Examples
        --------
        >>> empty = pd.DataFrame()
        >>> QuestionThemes("s", "q", empty, empty, empty, empty, None, empty, empty
        ...                ).for_translation().columns.tolist()
        ['respondent_id', 'language', 'language_name', 'text']
        """
        return translation_list(self.model_output, self.answer_languages, self.clusterer)

    def how_started(self) -> str:
        """How the run started and where it is kept, in a few words (for status lines).

        Examples
        --------
        >>> empty = pd.DataFrame()
        >>> themes = QuestionThemes("s", "q", empty, empty, empty, empty, None, empty, empty)
        >>> replace(themes, start="warm from run 2", run_id=3).how_started()
        'started warm from run 2; kept as run 3'
        >>> replace(themes, start="warm from run 2", run_id=2).how_started()
        'started warm from run 2; the same clustering as that run, not kept again'
        >>> themes.how_started()
        'started fresh; not kept'
        """
        started = f"started {self.start}"
        seen = getattr(self.clusterer, "init_seen_", 0)
        if self.start != "fresh" and seen:
            started += f" ({seen:,} distinct answers seen before)"
        if self.run_id is None:
            return f"{started}; not kept"
        if self.start == f"warm from run {self.run_id}":
            return f"{started}; the same clustering as that run, not kept again"
        return f"{started}; kept as run {self.run_id}"

    @renamed_keywords(level="confidence")
    def shares(
        self,
        by: str | None = None,
        *,
        weighted: bool = True,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Share of answering respondents in each theme, overall or per group.

        Parameters
        ----------
        by : str, optional
            A respondent attribute (``ward``, ``race_ethnicity`` …); overall without it.
        weighted : bool
            Use the survey weights (raked to the population) when there are any.
        confidence : float
            Confidence level of the intervals (0.95: 95% intervals).

        Returns
        -------
        DataFrame
            :func:`~research_kit.survey.breakdown.weighted_distribution` (overall, not
            suppressed: a researcher's view) or :func:`~research_kit.survey.breakdown.crosstab`
            (by group, with tests and suppression under the study's minimum cell size) of
            ``cluster_name``; themes in size order, then the set-aside groups, each row's
            ``kind`` (``"theme"``, ``"praise"``, ``"language"``) in a last column.
        """
        frame = self.assignments
        use_weights = weighted and "weight" in frame.columns
        weights = frame["weight"] if use_weights else None
        # Standard errors account for the raking when the weights were raked here; the base
        # is the answering respondents (a researcher's view, as the shares are).
        raked = [c for c in self.calibrated_on if c in frame.columns] if use_weights else []
        levels = list(self.themes["name"])
        if by is None:
            overall = weighted_distribution(
                frame,
                "cluster_name",
                weights=weights,
                levels=levels,
                confidence=confidence,
                min_cell_size=0,  # the researcher's overall view, unsuppressed as before
                calibrated_on=raked,
            )
            return self._with_kind(overall)
        if by not in frame.columns:
            known = [c for c in self.respondents.columns if c != "respondent_id"]
            raise SurveyError(
                f"no respondent attribute {by!r} to break the themes down by",
                hint=did_you_mean(by, known) or f"attributes: {', '.join(known)}",
            )
        table = crosstab(
            frame,
            "cluster_name",
            by,
            weights=weights,
            levels=levels,
            min_cell_size=self.min_cell_size,
            confidence=confidence,
            calibrated_on=raked,
        )
        return self._with_kind(table)

    def _with_kind(self, table: pd.DataFrame) -> pd.DataFrame:
        """A share table with each row's kind (theme or set-aside group) by its theme name."""
        if "kind" not in self.themes.columns or "category" not in table.columns:
            return table
        kinds = dict(zip(self.themes["name"], self.themes["kind"], strict=True))
        return table.assign(kind=table["category"].map(kinds).fillna("theme"))


@survey_order(old_position=2)
def resolve_question(study: Study, question: str | int, *, survey_id: str | None = None) -> str:
    """The open-ended question of a survey named by its text, a prefix of it, or its position.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> resolve_question(study, 0)
    'What one thing should the City change about permitting?'
    >>> resolve_question(study, "Tell us about")[:30]
    'Tell us about your most recent'
    >>> study.close()
    """
    source = study.survey_source(survey_id)
    questions = list(source.open_ended)
    if not questions:
        raise SurveyError(
            f"survey {source.id!r} lists no open-ended questions",
            path=study.settings.path,
            line=source.line,
            hint="list the open question columns under 'open_ended:' in study.yml",
        )
    if isinstance(question, (int, np.integer)):
        if not 0 <= question < len(questions):
            raise SurveyError(
                f"survey {source.id!r} has {len(questions)} open-ended question(s); "
                f"there is no number {question}",
                hint="number them from 0",
            )
        return questions[int(question)]
    if question in questions:
        return question
    starting = [q for q in questions if q.casefold().startswith(str(question).casefold())]
    if len(starting) == 1:
        return starting[0]
    raise SurveyError(
        f"{question!r} is not an open-ended question of survey {source.id!r}",
        path=study.settings.path,
        line=source.line,
        hint=did_you_mean(question, questions) or "the questions: " + "; ".join(questions),
    )


def cluster_question(
    study: Study,
    question: str | int = 0,
    *,
    survey_id: str | None = None,
    n_clusters: int | Literal["auto"] = "auto",
    embedding: Literal["auto", "tfidf", "sentence", "multilingual"] = "auto",
    random_state: int = 0,
    k_range: tuple[int, int] | None = READABLE_K_RANGE,
    n_quotes: int = 3,
    n_terms: int = 8,
    clusterer: ResponseClusterer | None = None,
    survey: pd.DataFrame | None = None,
    weights: pd.Series | Literal["auto"] | None = "auto",
    fresh: bool = False,
    keep_run: bool = True,
    allow_personal_data: bool = False,
    languages: pd.Series | Literal["auto"] | None = "auto",
) -> QuestionThemes:
    """Cluster the answers to one open-ended question and replay the saved edits.

    By default the clustering warm-starts from the question's latest kept run (answers seen
    before start in their previous cluster; with ``n_clusters="auto"`` the number of themes is
    the previous run's), so themes and their edits survive answers being added or removed.

    Parameters
    ----------
    study : Study
    question : str or int
        The question (its column text, a unique prefix, or its position under ``open_ended``).
    survey_id : str, optional
        Which survey (the first by default).
    n_clusters, random_state
        Passed to :class:`~research_kit.survey.clustering.ResponseClusterer`.
    embedding : {"auto", "tfidf", "sentence", "multilingual"}
        Passed to the clusterer; ``"auto"`` (default) clusters across languages with the
        ``multilingual`` extra when it is installed and some answers are in another language
        than the main one, else uses ``"tfidf"`` (and sets those answers aside by language).
        The answers are lemmatised in their main language (Spanish lookup lemmas for a survey
        answered mostly in Spanish).
    k_range : (int, int) or None
        The k that ``n_clusters="auto"`` may choose. Themes are read by people, so by default
        at most 15 (:data:`READABLE_K_RANGE`); None lets the clusterer's own range grow with
        the number of answers (up to 200 themes), which suits exploring a large survey.
    n_quotes, n_terms : int
        Quotes and distinctive terms per theme.
    clusterer : ResponseClusterer, optional
        An unfitted estimator to use instead (its parameters win; when its ``init`` is None
        and ``fresh`` is False, a copy of it is warm-started from the latest kept run).
    survey : DataFrame, optional
        ``study.survey(survey_id)`` when already read.
    weights : Series, None or "auto"
        Respondent weights aligned to the survey; ``"auto"`` rakes to the study's population
        margins when it has them; None leaves answers unweighted.
    fresh : bool
        Cluster from scratch instead of warm-starting from the latest kept run.
    keep_run : bool
        Keep the run in the study database with
        :func:`~research_kit.survey.cluster_runs.keep_cluster_run` (not again when it is the
        same as the latest kept run). False writes nothing, as a brief should.
    allow_personal_data : bool
        Cluster a question whose answers are personal data (names, e-mails, addresses …;
        refused by default, see :func:`~research_kit.survey.responses.open_answers`).
    languages : Series, "auto" or None
        Each respondent's language of answer (a Series of ISO 639-1 codes indexed by
        respondent id); ``"auto"`` (default) detects them when the language detector is
        installed. Answers reliably in another language than the main one are set aside in a
        group per language (see :mod:`research_kit.survey.answer_groups`); answers that are
        only praise, thanks or "nothing to add" form a group of their own (both are rows of
        ``themes`` with their ``kind``, after the themes). None: no language groups.

    Returns
    -------
    QuestionThemes
        ``start`` says how it started, ``run_id`` which kept run holds it.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> study = open_study(folder)
    >>> themes = cluster_question(study, 0, n_clusters=6)
    >>> len(themes.themes), int(themes.themes["size"].sum()) == len(themes.assignments)
    (8, True)
    >>> themes.themes["kind"].tolist().count("theme")  # and two groups set aside by language
    6
    >>> themes.languages[["language", "answers", "clustered"]]
      language  answers  clustered
    0       en     1502       True
    1       es       74      False
    2       vi       26      False
    >>> themes.counts[["answered", "non_answer", "blank"]].sum(axis=1).item() == 1850
    True
    >>> themes.start, themes.run_id
    ('fresh', 1)
    >>> again = cluster_question(study, 0, survey=study.survey().iloc[100:])  # 100 fewer
    >>> again.start, again.run_id, again.clusterer.n_themes_
    ('warm from run 1', 2, 6)
    >>> study.close()
    """
    source = study.survey_source(survey_id)
    question = resolve_question(study, question, survey_id=source.id)
    frame = study.survey(source.id) if survey is None else survey
    calibrated_on: tuple[str, ...] = ()
    if isinstance(weights, str) and weights == "auto":
        weights = None
        if source.population_margins is not None:
            raked = survey_weights_result(study, source.id, survey=frame)
            weights, calibrated_on = raked.weights, raked.calibrated_on
    respondents = frame.copy()
    if weights is not None:
        respondents["weight"] = pd.Series(weights, index=frame.index).to_numpy(float)

    answers = open_answers(frame, question, allow_personal_data=allow_personal_data)
    counts = answer_counts(frame, [question])
    answered = answers[answers["status"] == "answered"].reset_index(drop=True)
    if len(answered) < 2:
        raise SurveyError(
            f"only {len(answered)} real answer(s) to {question!r}: nothing to cluster",
            path=source.path,
            hint="check the column; non-answers such as 'n/a' are not clustered",
        )
    codes = answer_languages(answered, languages)
    embedding, nlp = clustering_setup(codes, embedding, study.nlp())
    model = (
        clusterer
        if clusterer is not None
        else ResponseClusterer(
            n_clusters,
            embedding=embedding,
            k_range=k_range,
            random_state=random_state,
            nlp=nlp,
            min_group_size=study.min_cell_size,  # a smaller group could not be shown
        )
    )
    if model.languages is None and codes is not None:
        model = type(model)(**{**model.get_params(deep=False), "languages": codes})
    previous = None if fresh or model.init is not None else _latest_run(study, source.id, question)
    if previous is not None:
        previous = previous_themes(study, previous, survey_id=source.id)
        init = pd.Series(previous["cluster"].to_numpy(), index=previous["text"].to_numpy())
        # a copy of a given estimator (not sklearn's clone, which would deep-copy the pipeline)
        model = type(model)(**{**model.get_params(deep=False), "init": init})
    model.fit(answered["text"])
    start = _start_text(model, previous)
    raw = model.describe(n_quotes=0, n_terms=n_terms)
    assignments = answered[["respondent_id", "text"]].assign(
        cluster=model.labels_,
        confidence=model.confidence_,
        label=raw["label"].to_numpy()[model.labels_],
    )
    unedited = QuestionThemes(
        survey_id=source.id,
        question=question,
        assignments=pd.DataFrame(),
        themes=pd.DataFrame(columns=THEME_COLUMNS),
        answers=answers,
        counts=counts,
        clusterer=model,
        edits=pd.DataFrame(),
        respondents=respondents,
        min_cell_size=study.min_cell_size,
        model_output=assignments,
        n_quotes=n_quotes,
        n_terms=n_terms,
        start=start,
        calibrated_on=calibrated_on,
        languages=language_table(answered, codes, model),
        answer_languages=answered[["respondent_id"]].assign(
            language=codes["language"].to_numpy(object) if codes is not None else "und"
        ),
    )
    if keep_run:
        params = _run_params(model, start)
        unedited.run_id = keep_cluster_run(
            study, question, assignments, params, survey_id=source.id
        )
    return replay_edits(study, unedited)


def _latest_run(study: Study, survey_id: str, question: str) -> pd.DataFrame | None:
    """The question's latest kept run, or None when there is none."""
    try:
        return load_cluster_run(study, question, survey_id=survey_id)
    except ClusterEditError:
        return None


def _start_text(model: ResponseClusterer, previous: pd.DataFrame | None) -> str:
    """``"fresh"`` or ``"warm from run N"`` (an init given directly: ``"warm from init"``)."""
    if model.init is None or not model.init_clusters_:
        return "fresh"
    if previous is None:
        return "warm from init"
    return f"warm from run {int(previous['run_id'].iloc[0])}"


def _run_params(model: ResponseClusterer, start: str) -> dict[str, Any]:
    """The clusterer's parameters to keep with a run (without the pipeline and the init)."""
    params = model.get_params(deep=False)
    params.pop("nlp", None)
    params.pop("init", None)
    params.pop("languages", None)  # one code per answer: kept in the run's rows instead
    return {**params, "start": start, "n_themes": int(model.n_themes_)}


def replay_edits(study: Study, themes: QuestionThemes) -> QuestionThemes:
    """The same clustering with the question's saved edits replayed again (no refitting).

    Use it after an edit: the model's clusters are kept and only the edits are applied anew,
    so it takes a fraction of a second where :func:`cluster_question` refits the model.

    Examples
    --------
    >>> import shutil, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "s"
    >>> _ = shutil.copytree("interview_data", folder, ignore=shutil.ignore_patterns("study.db*"))
    >>> from research_kit import open_study
    >>> from research_kit.survey.cluster_edits import rename_cluster
    >>> study = open_study(folder)
    >>> themes = cluster_question(study, 0, n_clusters=4, weights=None)
    >>> _ = rename_cluster(study, themes.question, themes.assignments, 0, "Speed")
    >>> replay_edits(study, themes).themes["name"].iloc[0]
    'Speed'
    >>> study.close()
    """
    open_ended = study.survey_source(themes.survey_id).open_ended
    replayed = apply_cluster_edits_result(
        study, themes.question, themes.model_output, survey_id=themes.survey_id
    )
    report = replayed.report
    edited = unique_theme_names(
        replayed.assignments.drop(columns=["label"], errors="ignore"), nlp=study.nlp()
    )
    respondents = themes.respondents
    attributes = respondents.drop_duplicates("respondent_id").drop(
        columns=[c for c in respondents.columns if c in edited.columns and c != "respondent_id"]
    )
    joined = edited.merge(
        attributes[[c for c in attributes.columns if c not in open_ended]],
        on="respondent_id",
        how="left",
        validate="many_to_one",
    )
    table = theme_table(joined, n_quotes=themes.n_quotes, n_terms=themes.n_terms, nlp=study.nlp())
    table = with_kinds(table, joined, themes.model_output, themes.clusterer)
    return replace(themes, assignments=joined, themes=table, edits=report)
