"""The study: a folder of raw material nobody edits, its settings, and its database.

:func:`open_study` opens a study folder (creating one, with a starter ``study.yml`` and raw
folders, when it does not exist yet). A :class:`Study` reads its raw files through the
capability packages' loaders (notes, codebook, surveys, process maps, event logs), validates
them against the settings (``research-kit check``), summarises what it holds, and owns the
study database where people's work is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from research_kit import schema
from research_kit.errors import NoteError, Problem, StudyConfigError, SurveyError
from research_kit.settings import (
    STUDY_FILE,
    EventLogSource,
    StudySettings,
    SurveySource,
    default_study_yaml,
    read_settings,
)
from research_kit.staging import recover, write_together
from research_kit.store import Store, utcnow

if TYPE_CHECKING:
    from spacy.language import Language

    from research_kit.interviews import Codebook, Document
    from research_kit.process import ProcessMap

RAW_FOLDERS = ("notes", "survey", "process")


def open_study(path: Path | str, *, create: bool = True) -> Study:
    """Open the study in ``path``; create it there first if it does not exist.

    Parameters
    ----------
    path : Path or str
        The study folder.
    create : bool
        Create the folder, a starter ``study.yml`` and the raw folders when missing.

    Returns
    -------
    Study

    Raises
    ------
    StudyConfigError
        If there is no study there and ``create`` is False, or ``study.yml`` is invalid.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> study = open_study(pathlib.Path(tempfile.mkdtemp()) / "my_study")
    >>> sorted(p.name for p in study.folder.iterdir())
    ['notes', 'process', 'study.db', 'study.yml', 'survey']
    >>> study.close()
    """
    folder = Path(path).expanduser()
    if not (folder / STUDY_FILE).exists():
        if not create:
            raise StudyConfigError(
                "is not a study folder (no study.yml)",
                path=folder,
                hint="open the folder that holds study.yml, or create a study with "
                "research_kit.open_study(path)",
            )
        _create_study_folder(folder)
    return Study(folder)


def _create_study_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise StudyConfigError("is a file, not a folder", path=folder, hint="choose a folder")
    folder.mkdir(parents=True, exist_ok=True)
    for name in RAW_FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    settings_file = folder / STUDY_FILE
    # "x" mode: never overwrite a study.yml another process has just written.
    try:
        with settings_file.open("x", encoding="utf-8") as handle:
            handle.write(default_study_yaml(folder.name))
    except FileExistsError:
        pass


class Study:
    """A study folder with its settings and database.

    Parameters
    ----------
    folder : Path or str
        The folder holding ``study.yml``.

    Attributes
    ----------
    folder : Path
    settings : StudySettings
    unfinished_changes : list of str
        Changes a killed write saved in the database that could not be carried to their file
        when the study was opened (normally empty; ``research-kit check`` reports them).
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.settings: StudySettings = read_settings(self.folder)
        self._store: Store | None = None
        self._nlp: Language | None = None
        self._registered_codebook: tuple[object, frozenset[str]] | None = None
        self._open_store()  # open (and migrate) the database now, so problems show up at once
        # A write killed half-way (e.g. a codebook edit or an import) is finished or undone now.
        self.unfinished_changes = recover(self._store, self.folder)

    # -- settings ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The study's name."""
        return self.settings.name

    @property
    def question(self) -> str:
        """The research question."""
        return self.settings.question

    @property
    def min_cell_size(self) -> int:
        """Groups smaller than this are suppressed in anything shown to stakeholders."""
        return self.settings.min_cell_size

    @property
    def store(self) -> Store:
        """The study database (opened and migrated on first use)."""
        return self._open_store()

    def _open_store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_location)
        return self._store

    def nlp(self) -> Language:
        """The study's spaCy pipeline (``text_model`` in study.yml), built once per study."""
        if self._nlp is None:
            from research_kit.text import build_pipeline

            self._nlp = build_pipeline(self.settings.text_model)
        return self._nlp

    # -- interviews ----------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        """Read every interview note and check its attributes against the schema.

        Raises
        ------
        NoteError
            For the first note that cannot be read or has an invalid attribute.
        """
        from research_kit.interviews.documents import read_notes

        if self.settings.notes is None:
            return []
        from research_kit.checks import attribute_problems

        documents = read_notes(self.settings.notes)
        for document in documents:
            for problem in attribute_problems(document, self.settings.attributes):
                if problem.severity == "error":
                    raise NoteError.from_problem(problem)
        return documents

    def document(self, document_id: str) -> Document:
        """Read one interview note by its id (its file name without the suffix).

        Raises
        ------
        CodingError
            If the study has no note with that id.
        """
        from research_kit.errors import CodingError
        from research_kit.interviews.documents import note_paths, read_note

        folder = self.settings.notes
        matches = [p for p in note_paths(folder) if p.stem == document_id] if folder else []
        if not matches:
            raise CodingError(
                f"the study has no note {document_id!r}",
                path=folder,
                hint="use a document id from study.documents_table()",
            )
        return read_note(matches[0])

    def documents_table(self) -> pd.DataFrame:
        """One row per interview note with its attributes (see ``documents_table``)."""
        from research_kit.interviews.documents import documents_table

        return documents_table(self.documents())

    def codebook(self) -> Codebook:
        """The study's codebook, validated (an empty one when the study has none yet)."""
        from research_kit.interviews.codebook import Codebook, read_codebook

        path = self.settings.codebook
        if path is None or not path.exists():
            return Codebook(path=path)
        return read_codebook(path)

    def register_documents(self) -> pd.DataFrame:
        """Record every note (id, path, hash, attributes) in the database, in one transaction.

        Returns
        -------
        pandas.DataFrame
            One row per document with ``status``: ``new``, ``unchanged`` or ``changed`` (the
            file's content differs from when it was first registered; its codings must be
            reviewed). The stored hash of a changed file is not replaced, so the change stays
            visible until someone reviews it.
        """
        documents = self.documents()
        now = utcnow()
        rows = []
        with self.store.transaction() as conn:
            known = dict(
                conn.execute(
                    sa.select(schema.documents.c.id, schema.documents.c.content_hash)
                ).all()
            )
            for document in documents:
                status = _document_status(known.get(document.id), document.content_hash)
                if status == "new":
                    conn.execute(
                        schema.documents.insert().values(**schema.document_row(document, now))
                    )
                rows.append(
                    {"document_id": document.id, "path": str(document.path), "status": status}
                )
        return pd.DataFrame(rows, columns=["document_id", "path", "status"])

    def register_codebook(self) -> int:
        """Record the codebook's codes in the database (new inserted, changed updated) at once.

        Returns the number of codes in the codebook.
        """
        from research_kit.interviews.codebook_edits import sync_codes

        # Under the write lock, after any committed codebook edit has reached the file, so a
        # code merged away by someone else a moment ago is never brought back from a stale file.
        with write_together(self.store, self.folder) as (conn, _):
            codebook = self.codebook()
            sync_codes(conn, codebook)
        return len(codebook)

    def export_qdpx(self, path: Path | str) -> Path:
        """Write the study's coding work as a REFI-QDA project (see ``export_qdpx``)."""
        from research_kit.interviews.refi import export_qdpx

        return export_qdpx(self, path)

    def import_qdpx(
        self,
        path: Path | str,
        *,
        coder_prefix: str | None = None,
        missing_sources: str = "error",
    ) -> dict:
        """Import a REFI-QDA project into the study, all or nothing (see ``import_qdpx``)."""
        from research_kit.interviews.refi import import_qdpx

        return import_qdpx(self, path, coder_prefix=coder_prefix, missing_sources=missing_sources)

    def code_ids(self) -> frozenset[str]:
        """Ids of the codes in ``codebook.yml``, registering the codebook when its file changed.

        The file's size and modification time are remembered, so coding many excerpts in a row
        does not re-read the codebook for every click.
        """
        path = self.settings.codebook
        stat = path.stat() if path is not None and path.exists() else None
        key = (stat.st_mtime_ns, stat.st_size) if stat else None
        if self._registered_codebook is None or self._registered_codebook[0] != key:
            self.register_codebook()
            self._registered_codebook = (key, frozenset(self.codebook().codes))
        return self._registered_codebook[1]

    # -- surveys -------------------------------------------------------------------------------
    def survey_source(self, survey_id: str | None = None) -> SurveySource:
        """The settings of one survey (the first when ``survey_id`` is None)."""
        return _pick(self.settings.surveys, survey_id, "survey", self.settings.path)

    def survey(self, survey_id: str | None = None) -> pd.DataFrame:
        """Read a survey export as it is (one row per respondent, text cells).

        Columns named under ``attributes`` in study.yml are renamed to their study attribute
        names (e.g. "Which ward…?" → ``ward``); the respondent id column becomes
        ``respondent_id``.
        """
        from research_kit.survey.ingest import read_survey
        from research_kit.tables import require_columns

        source = self.survey_source(survey_id)
        frame = read_survey(source.path)

        needed = {"respondent id": source.respondent_id}
        needed |= {f"attribute {name!r}": column for column, name in source.attributes.items()}
        needed |= {f"question {question!r}": question for question in source.open_ended}
        require_columns(frame, needed, source.path, SurveyError)
        renamed = frame.rename(columns={source.respondent_id: "respondent_id", **source.attributes})
        renamed.attrs = dict(frame.attrs, survey_id=source.id)
        return renamed

    def survey_weights(
        self,
        survey_id: str | None = None,
        *,
        survey: pd.DataFrame | None = None,
        trim: tuple[float, float] | None = (0.2, 5.0),
    ) -> pd.Series:
        """Weights that rake the survey's respondents to the study's population margins.

        The margins file (``population_margins`` in study.yml) names survey columns (e.g.
        ``Ward``); they are matched to the renamed attribute columns of :meth:`survey`.
        Answers with no population category (such as "Prefer not to say") count as missing
        for that variable: those respondents keep their weight share while the others are
        raked to the population shares (``missing="skip"`` of
        :func:`~research_kit.survey.rake`). Weights are trimmed to ``trim`` times the mean
        weight, then raked again so the margins still hold.

        Parameters
        ----------
        survey_id : str, optional
            Which survey (the first by default).
        survey : DataFrame, optional
            The frame from :meth:`survey` when already read (saves reading it again).
        trim : (float, float) or None
            Bounds on weight / mean weight; None leaves weights untrimmed.

        Returns
        -------
        Series
            A weight per respondent, aligned to :meth:`survey`'s rows; ``attrs`` adds
            ``not_in_margins`` ({variable: respondents whose answer has no margin}) to
            :func:`~research_kit.survey.rake`'s diagnostics.
        """
        from research_kit.survey.weighting import rake
        from research_kit.tables import read_csv_table

        source = self.survey_source(survey_id)
        if source.population_margins is None:
            raise StudyConfigError(
                f"survey {source.id!r} has no population margins",
                path=self.settings.path,
                line=source.line,
                hint="add 'population_margins: survey/<file>.csv' (variable,category,population)",
            )
        frame = self.survey(source.id) if survey is None else survey
        margins = read_csv_table(source.population_margins, error_class=SurveyError)
        columns = {
            variable: source.attributes.get(variable, variable)
            for variable in dict.fromkeys(margins.get("variable", pd.Series(dtype=str)))
        }
        respondents = pd.DataFrame(index=frame.index)
        not_in_margins: dict[str, int] = {}
        for variable, column in columns.items():
            if column not in frame.columns:
                raise SurveyError(
                    f"the population margins name {variable!r} but the survey has no such column",
                    path=source.population_margins,
                    hint="name margin variables after survey columns (e.g. 'Ward')",
                )
            known = set(margins.loc[margins["variable"] == variable, "category"].astype(str))
            values = frame[column].astype("string")
            outside = values.notna() & ~values.isin(known)
            not_in_margins[variable] = int(outside.sum())
            respondents[column] = values.mask(outside)
        weights = rake(
            respondents,
            margins.assign(population=pd.to_numeric(margins["population"], errors="coerce")),
            variables=columns,
            trim=trim,
            missing="skip",
        )
        weights.attrs["not_in_margins"] = not_in_margins
        return weights

    # -- process -------------------------------------------------------------------------------
    def process_map(self, index: int = 0) -> ProcessMap:
        """Read one of the study's process maps (the first by default)."""
        from research_kit.process import read_process_map

        if not self.settings.process_maps:
            raise StudyConfigError(
                "lists no process maps",
                path=self.settings.path,
                hint="add the YAML file under 'process_maps:'",
            )
        return read_process_map(self.settings.process_maps[index])

    def event_log_source(self, log_id: str | None = None) -> EventLogSource:
        """The settings of one event log (the first when ``log_id`` is None)."""
        return _pick(self.settings.event_logs, log_id, "event log", self.settings.path)

    def event_log(self, log_id: str | None = None, *, errors: str = "raise") -> pd.DataFrame:
        """Read an event log with the study's column mapping (see ``read_event_log``)."""
        from research_kit.process import read_event_log

        source = self.event_log_source(log_id)
        return read_event_log(
            source.path,
            case=source.case,
            activity=source.activity,
            timestamp=source.timestamp,
            start_timestamp=source.start_timestamp,
            resource=source.resource,
            lifecycle=source.lifecycle,
            transition=source.transition,
            timezone=source.timezone or self.settings.timezone,
            errors=errors,
        )

    # -- checking and summarising ----------------------------------------------------------------
    def check(self) -> list[Problem]:
        """Read and validate every raw file; return all problems (see ``research-kit check``)."""
        from research_kit.checks import check_study

        return check_study(self)

    def summary(self) -> pd.DataFrame:
        """What the study holds, as a tidy table of (section, item, value)."""
        from research_kit.checks import summarise_study

        return summarise_study(self)

    def close(self) -> None:
        """Close the database connections."""
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Study({self.name!r}, folder={str(self.folder)!r})"


def _pick(sources, wanted: str | None, what: str, settings_path: Path):
    if not sources:
        raise StudyConfigError(
            f"lists no {what}s", path=settings_path, hint=f"add the {what} to study.yml"
        )
    if wanted is None:
        return sources[0]
    for source in sources:
        if source.id == wanted:
            return source
    raise StudyConfigError(
        f"has no {what} {wanted!r}",
        path=settings_path,
        hint=f"use one of: {', '.join(s.id for s in sources)}",
    )


def _document_status(known_hash: str | None, current_hash: str) -> str:
    if known_hash is None:
        return "new"
    return "unchanged" if known_hash == current_hash else "changed"
