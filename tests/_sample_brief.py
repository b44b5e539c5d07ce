"""The sample study's brief, assembled once per test run and shared by the test processes.

A test helper. Several test files read the same brief: a scratch copy of the bundled sample
with its shipped codings imported, its open answers clustered into six themes (choosing k is
the slow step, run by the tests about it), and its PDF and HTML exports. Assembling it takes
tens of seconds, so :class:`SampleBrief` does it once per ``pytest`` run: the first process
(``pytest-xdist`` worker) to ask builds each part under an exclusive file lock in a folder
that all the run's workers share, and the others read what it wrote.

Read-only: :meth:`SampleBrief.findings` unpickles a fresh copy on every call, so a test may
change what it gets; the files behind :attr:`SampleBrief.folder`, :meth:`SampleBrief.pdf`
and :meth:`SampleBrief.html` are shared and must not be changed (copy them first).

Examples
--------
>>> import tempfile
>>> brief = SampleBrief(Path(tempfile.mkdtemp()) / "brief")
>>> brief.folder.name
'study'
"""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Answer themes of the shared brief (the number the brief tests have always fixed).
ANSWER_THEMES_K = 6


class SampleBrief:
    """The sample's findings and exports, built once under ``root`` (shared by the workers)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / "study"
        self._held = False

    def findings(self):
        """A fresh copy of the sample's findings (shipped codings, six answer themes)."""
        path = self._built("findings.pickle", self._assemble)
        return pickle.loads(path.read_bytes())

    def pdf(self) -> Path:
        """The findings exported as PDF (shared: do not change it)."""
        from research_kit.briefs import export_pdf

        return self._built("findings.pdf", lambda path: export_pdf(self.findings(), path))

    def html(self) -> Path:
        """The findings exported as self-contained HTML (shared: do not change it)."""
        from research_kit.briefs import export_html

        return self._built("findings.html", lambda path: export_html(self.findings(), path))

    def _assemble(self, path: Path) -> None:
        import pytest

        from research_kit import open_study
        from research_kit.briefs import _survey_findings as survey_findings
        from research_kit.briefs import assemble_findings
        from research_kit.interviews import import_shipped_codings

        shutil.rmtree(self.folder, ignore_errors=True)  # what a crashed worker left
        shutil.copytree(
            ROOT / "interview_data", self.folder, ignore=shutil.ignore_patterns("study.db*")
        )
        with open_study(self.folder) as study, pytest.MonkeyPatch.context() as patch:
            import_shipped_codings(study)
            patch.setattr(survey_findings, "ANSWER_THEMES_K", ANSWER_THEMES_K)
            findings = assemble_findings(study)
        path.write_bytes(pickle.dumps(findings))

    def _built(self, name: str, build: Callable[[Path], object]) -> Path:
        """``root/name``, made by ``build`` (into a scratch name) unless a worker already did."""
        path = self.root / name
        with self._lock():
            if not path.exists():
                scratch = path.with_name(f"{name}.partial{path.suffix}")
                build(scratch)
                os.replace(scratch, path)  # complete or absent, never half written
        return path

    @contextmanager
    def _lock(self) -> Iterator[None]:
        # One lock for every part: the PDF and HTML read the findings, which take the lock too,
        # so it must be re-entrant within a process.
        if self._held:
            yield
            return
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released by the OS if the holder dies
            self._held = True
            try:
                yield
            finally:
                self._held = False
                fcntl.flock(handle, fcntl.LOCK_UN)
