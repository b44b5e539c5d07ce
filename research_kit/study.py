"""The study: a folder of raw material nobody edits, its settings, and its database.

:func:`open_study` opens a study folder (creating one, with a starter ``study.yml`` and raw
folders, when it does not exist yet). A :class:`Study` is a thin handle: the folder, its
settings (parsed once, in :mod:`research_kit.settings`) and its store. It knows nothing of the
rooms above it. Each room reads its own material from a study (``interviews``: notes and
codebook; ``survey``: exports and weights; ``process``: maps and event logs) and, when it is
imported, registers those readers as study methods with :func:`register_study_method`, so a
notebook can still write ``study.documents()`` or ``study.survey()``.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from research_kit.errors import StudyConfigError
from research_kit.resources import copy_starter_files, is_installed_package_path
from research_kit.settings import (
    STUDY_FILE,
    EventLogSource,
    StudySettings,
    SurveySource,
    default_study_yaml,
    read_settings,
)
from research_kit.staging import recover
from research_kit.store import Store
from research_kit.text import build_pipeline

if TYPE_CHECKING:
    from spacy.language import Language

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
    if is_installed_package_path(folder):
        # The sample study installed with research_kit: a study writes its database into its
        # folder, and nothing may be written into the Python installation.
        raise StudyConfigError(
            "is inside the Python installation (site-packages), where nothing may be written",
            path=folder,
            hint="work on a copy: research-kit demo copies the bundled sample to ./sample_study "
            "(or research_kit.resources.copy_sample_study('my_copy')); pass that folder "
            "with --study",
        )
    if not (folder / STUDY_FILE).exists():
        if not create:
            raise StudyConfigError(
                "is not a study folder (no study.yml)",
                path=folder,
                hint="open the folder that holds study.yml, or start a study there with "
                "research-kit new FOLDER (in Python: research_kit.open_study(path))",
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


def new_study(path: Path | str) -> Path:
    """Start a study in a new folder: a commented ``study.yml``, a starter codebook, raw folders.

    The folder gets ``study.yml`` (every setting explained, the optional ones commented out),
    ``codebook.yml`` (one theme and two codes to replace), ``note_template.md`` (a note with
    its front matter, to copy into ``notes/``) and the folders ``notes/``, ``survey/`` and
    ``process/`` (the last two with a ``README.txt`` saying what goes there). Nothing is put
    in ``notes/``: every file there is read as an interview. The database is created when the
    study is first opened.

    Parameters
    ----------
    path : Path or str
        The new study's folder: it must not exist yet, or be empty. Its name is the study's
        name until you change ``name:`` in ``study.yml``.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    StudyConfigError
        If the folder already holds a study or any other file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = new_study(pathlib.Path(tempfile.mkdtemp()) / "permits_2027")
    >>> sorted(p.name for p in folder.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['codebook.yml', 'note_template.md', 'notes', 'process', 'study.yml', 'survey']
    >>> read_settings(folder).name
    'permits_2027'
    """
    folder = Path(path).expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "is already a study" if (folder / STUDY_FILE).exists() else "is not empty"
        raise StudyConfigError(
            f"{what}: a new study starts in a new or empty folder",
            path=folder,
            hint="choose a folder name that does not exist yet, e.g. research-kit new my_study",
        )
    copy_starter_files(folder)
    for name in RAW_FOLDERS:
        (folder / name).mkdir(exist_ok=True)
    name = folder.resolve().name
    (folder / STUDY_FILE).write_text(default_study_yaml(name), encoding="utf-8")
    return folder


def scratch_copy(path: Path | str, into: Path | str | None = None) -> Path:
    """Copy a study folder, database included, for work that must not change the study.

    Notebooks that demonstrate edits (codings, theme names, accepted suggestions) open a
    scratch copy, so that the study's dashboard and briefs show what they showed before. The
    raw files are copied as they are; a SQLite database is copied with SQLite's backup API, so
    a copy taken while another process writes is still consistent.

    Parameters
    ----------
    path : Path or str
        The study folder to copy.
    into : Path or str, optional
        The folder to create the copy in (it must not exist yet); by default a new temporary
        folder named after the study.

    Returns
    -------
    Path
        The copy's folder: pass it to :func:`open_study`.

    Raises
    ------
    StudyConfigError
        If there is no study at ``path``, or its database is on a server or outside its
        folder (the copy would share it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "permits"
    >>> open_study(folder).close()
    >>> copy = scratch_copy(folder)
    >>> copy != folder, sorted(p.name for p in copy.iterdir())
    (True, ['notes', 'process', 'study.db', 'study.yml', 'survey'])
    """
    folder = Path(path).expanduser()
    settings = read_settings(folder)
    location = settings.database_location
    database = Path(location).resolve()
    if "://" in location or not database.is_relative_to(folder.resolve()):
        # The copy's study.yml would name the same database: its edits would reach the study.
        raise StudyConfigError(
            "keeps its database outside its folder, so a scratch copy would share it",
            path=folder / STUDY_FILE,
            hint="copy the database too and point `database:` of a copied folder at the copy",
        )
    target = Path(into) if into is not None else Path(tempfile.mkdtemp(prefix="research_kit_"))
    if into is None:
        target = target / folder.resolve().name
    skipped = {database.name} | {f"{database.name}-{end}" for end in ("wal", "shm", "journal")}
    shutil.copytree(folder, target, ignore=lambda _, names: [n for n in names if n in skipped])
    if database.is_file():
        _copy_sqlite(database, target / database.relative_to(folder.resolve()))
    return target


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, even while another connection writes to it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    reading = closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True))
    with reading as source_db, closing(sqlite3.connect(target)) as target_db:
        source_db.backup(target_db)


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
    cache : dict
        What rooms remember about this open study between calls (e.g. which codebook file
        was last registered); never saved.

    Notes
    -----
    The rooms add their readers as methods when imported (``import research_kit`` imports
    them all): ``documents``, ``document``, ``documents_table``, ``codebook``,
    ``register_documents``, ``register_codebook``, ``code_ids``, ``import_qdpx``,
    ``export_qdpx`` (interviews); ``survey``, ``survey_weights`` (survey); ``process_map``,
    ``event_log`` (process).
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.settings: StudySettings = read_settings(self.folder)
        self._store: Store | None = None
        self._nlp: Language | None = None
        self.cache: dict[str, Any] = {}
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
            self._nlp = build_pipeline(self.settings.text_model)
        return self._nlp

    # -- sources named in study.yml --------------------------------------------------------------
    def survey_source(self, survey_id: str | None = None) -> SurveySource:
        """The settings of one survey (the first when ``survey_id`` is None)."""
        return _pick(self.settings.surveys, survey_id, "survey", self.settings.path)

    def event_log_source(self, log_id: str | None = None) -> EventLogSource:
        """The settings of one event log (the first when ``log_id`` is None)."""
        return _pick(self.settings.event_logs, log_id, "event log", self.settings.path)

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


_CORE = frozenset(name for name in vars(Study) if not name.startswith("__"))


def register_study_method(function: Callable[..., Any], *, name: str | None = None) -> None:
    """Make ``function(study, …)`` callable as ``study.<name>(…)`` on every study.

    A room calls this for its readers when it is imported, so the lower-floor ``Study`` offers
    them without importing the room. A name the study itself defines cannot be taken.

    Examples
    --------
    >>> def greeting(study, punctuation="!"):
    ...     return f"Hello from {study.name}{punctuation}"
    >>> register_study_method(greeting)
    >>> import tempfile, pathlib
    >>> with open_study(pathlib.Path(tempfile.mkdtemp()) / "permits") as study:
    ...     study.greeting()
    'Hello from permits!'
    """
    method_name = name or function.__name__
    if method_name in _CORE:
        raise ValueError(f"Study.{method_name} is the study's own; choose another name")

    @functools.wraps(function)
    def method(self: Study, *args: Any, **kwargs: Any) -> Any:
        return function(self, *args, **kwargs)

    method.__name__ = method_name
    method.__qualname__ = f"Study.{method_name}"
    setattr(Study, method_name, method)
