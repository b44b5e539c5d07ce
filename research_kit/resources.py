"""Files shipped inside the package: templates, brief notebooks, the sample and starter studies.

Everything a brief or the demo needs travels in the wheel, found with
:mod:`importlib.resources`, so a plain ``pip install research-kit`` can make briefs:

- ``templates/report/`` — the PDF/HTML report (Jinja2 and CSS);
- ``templates/voila/templates/research_kit/`` — the branded Voila template (``templates/`` is
  the Jupyter data directory Voila is pointed at);
- ``briefs/notebooks/`` — the brief notebooks Voila serves (in a clone, a link to
  ``notebooks/briefs/``, where they are edited);
- ``interview_data/`` — the bundled sample study (in a clone, a link to the repository's
  ``interview_data/``, its one source);
- ``starter/`` — what ``research-kit new`` puts in a new study besides ``study.yml``.

The packaged sample is never opened where it is installed: :func:`copy_sample_study` makes a
copy to work on (a study writes its database into its folder).

Examples
--------
>>> (template_folder() / "report" / "findings.html.j2").is_file()
True
>>> sorted(path.name for path in brief_notebooks())
['findings.ipynb', 'study_overview.ipynb']
"""

from __future__ import annotations

import os
import sysconfig
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from research_kit.errors import ResearchKitError

__all__ = [
    "TEMPLATES_ENV",
    "brief_notebooks",
    "copy_sample_study",
    "copy_starter_files",
    "is_installed_package_path",
    "packaged_path",
    "template_folder",
]

#: An environment variable naming a folder of your own templates (``report/``, ``voila/``).
TEMPLATES_ENV = "RESEARCH_KIT_TEMPLATES"
#: Files of the sample study that are never copied: a database some run left behind.
_NOT_COPIED = ("study.db",)


def packaged_path(*parts: str) -> Path:
    """A file or folder shipped inside research_kit, as a real path.

    Parameters
    ----------
    *parts : str
        Path parts below the package folder, e.g. ``"templates", "report"``.

    Returns
    -------
    Path

    Raises
    ------
    ResearchKitError
        If research_kit is installed in a way that gives its files no real path (a zip file):
        Jinja2 and Voila read templates from folders.

    Examples
    --------
    >>> packaged_path("templates").name
    'templates'
    """
    resource = files("research_kit").joinpath(*parts)
    if not isinstance(resource, Path):
        raise ResearchKitError(
            f"research_kit's packaged files are not in a folder ({resource})",
            hint="install research_kit unpacked (pip install research-kit), not as a zip",
        )
    return resource


def template_folder() -> Path:
    """The templates folder: ``RESEARCH_KIT_TEMPLATES`` when set, else the packaged one.

    It holds ``report/`` (the PDF and HTML report) and ``voila/templates/research_kit/``.

    Examples
    --------
    >>> template_folder() == packaged_path("templates") or bool(os.environ.get(TEMPLATES_ENV))
    True
    """
    override = os.environ.get(TEMPLATES_ENV)
    return Path(override).expanduser() if override else packaged_path("templates")


def brief_notebooks() -> list[Path]:
    """The packaged brief notebooks (what ``research-kit brief serve`` shows by default).

    Examples
    --------
    >>> brief_notebooks()[0].suffix
    '.ipynb'
    """
    return sorted(packaged_path("briefs", "notebooks").glob("*.ipynb"))


def copy_sample_study(folder: Path | str) -> Path:
    """Copy the bundled sample study (fictional permit interviews, survey, log) to ``folder``.

    Parameters
    ----------
    folder : Path or str
        Where to put the copy; it must not exist yet, or be empty.

    Returns
    -------
    Path
        The copy, ready for :func:`research_kit.open_study`.

    Raises
    ------
    ResearchKitError
        If ``folder`` exists and holds anything.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> copy = copy_sample_study(pathlib.Path(tempfile.mkdtemp()) / "permits")
    >>> (copy / "study.yml").is_file(), (copy / "study.db").exists()
    (True, False)
    """
    return _copy_tree(files("research_kit").joinpath("interview_data"), Path(folder))


def copy_starter_files(folder: Path | str) -> Path:
    """Copy the starter files of a new study (codebook, note template, folder guides).

    ``folder`` must not exist yet, or be empty; ``study.yml`` is written by the caller.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = copy_starter_files(pathlib.Path(tempfile.mkdtemp()) / "new")
    >>> (folder / "codebook.yml").is_file()
    True
    """
    return _copy_tree(files("research_kit").joinpath("starter"), Path(folder))


def is_installed_package_path(path: Path | str) -> bool:
    """Whether ``path`` lies inside the Python installation's ``site-packages``.

    A study there would be the packaged sample itself: opening it would write a database into
    the installation, so callers copy it first.

    Examples
    --------
    >>> is_installed_package_path(sysconfig.get_paths()["purelib"] + "/research_kit/x")
    True
    >>> is_installed_package_path("/tmp/my_study")
    False
    """
    target = Path(path).expanduser().resolve()
    roots = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    return any(target.is_relative_to(Path(root).resolve()) for root in roots)


def _copy_tree(source: Traversable, folder: Path) -> Path:
    """Copy a packaged folder (which may sit in a zip) into a new or empty ``folder``."""
    folder = folder.expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ResearchKitError(
            "already exists and is not an empty folder",
            path=folder,
            hint="choose a new folder name, or empty this one first",
        )
    folder.mkdir(parents=True, exist_ok=True)
    _copy_into(source, folder)
    return folder


def _copy_into(source: Traversable, target: Path) -> None:
    for item in source.iterdir():
        if item.name.startswith((".", "__")) or item.name.startswith(_NOT_COPIED):
            continue
        if item.is_dir():
            (target / item.name).mkdir()
            _copy_into(item, target / item.name)
        else:
            (target / item.name).write_bytes(item.read_bytes())
