"""Pipes, devices, sockets and unreadable files are refused at once, never opened or waited on.

Opening a named pipe (FIFO) for reading waits for a writer, forever if none comes; a loader
that opened one would hang the notebook or ``research-kit check``. Each test runs its loader in
a thread with a generous hang guard: a hang fails the test (and the pipe is then fed an end of
file so the thread can finish), a slow machine never does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from research_kit import rawfiles
from research_kit.checks import check_folder
from research_kit.errors import (
    CodebookError,
    EventLogError,
    NoteError,
    ProcessMapError,
    ResearchKitError,
    StudyConfigError,
    SurveyError,
)
from research_kit.interviews import read_codebook, read_note
from research_kit.interviews.documents import note_paths
from research_kit.process import read_event_log, read_process_map
from research_kit.settings import read_settings
from research_kit.survey import read_survey

HANG_GUARD_S = 120  # a hang guard, not a speed limit: refusing a pipe takes milliseconds

LOADERS = {
    "P01.md": (read_note, NoteError),
    "P01.docx": (read_note, NoteError),
    "codebook.yml": (read_codebook, CodebookError),
    "survey.csv": (read_survey, SurveyError),
    "survey.xlsx": (read_survey, SurveyError),
    "process.yml": (read_process_map, ProcessMapError),
    "events.csv": (read_event_log, EventLogError),
    "events.xes": (read_event_log, EventLogError),
    "events.xes.gz": (read_event_log, EventLogError),
}


def _run_guarded(call: Callable[[], object], pipes: list[Path]) -> object:
    """Run ``call`` in a thread; fail (after unblocking any reader of ``pipes``) if it hangs."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_GUARD_S)
    if thread.is_alive():
        for pipe in pipes:  # a reader blocked on a pipe gets end-of-file and returns
            with contextlib.suppress(OSError):
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(HANG_GUARD_S)
        pytest.fail(f"still reading after {HANG_GUARD_S} s: a pipe was opened")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_every_loader_refuses_a_fifo_without_opening_it(tmp_path, name):
    loader, error = LOADERS[name]
    pipe = tmp_path / name
    os.mkfifo(pipe)
    with pytest.raises(error, match=r"named pipe \(FIFO\), not a regular file") as raised:
        _run_guarded(lambda: loader(pipe), [pipe])
    assert raised.value.path == pipe
    assert raised.value.hint


def test_study_yml_that_is_a_fifo_is_refused(tmp_path):
    pipe = tmp_path / "study.yml"
    os.mkfifo(pipe)
    with pytest.raises(StudyConfigError, match="named pipe"):
        _run_guarded(lambda: read_settings(tmp_path), [pipe])


def test_character_device_is_refused(tmp_path):
    link = tmp_path / "P01.md"
    link.symlink_to(os.devnull)  # a link is followed: what it points at is judged
    with pytest.raises(NoteError, match="character device, not a regular file"):
        read_note(link)


def test_socket_is_refused():
    folder = Path(tempfile.mkdtemp(prefix="rk"))  # short: socket paths are limited to ~100 bytes
    path = folder / "s.csv"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(SurveyError, match="socket, not a regular file"):
            read_survey(path)
    finally:
        server.close()
        shutil.rmtree(folder)


def test_a_note_that_is_a_pipe_is_listed_so_it_is_not_silently_lost(tmp_path):
    os.mkfifo(tmp_path / "P02.md")
    (tmp_path / "P01.md").write_text("Notes.")
    assert [path.name for path in note_paths(tmp_path)] == ["P01.md", "P02.md"]


def test_check_reports_every_special_file_and_returns(sample_study_path):
    study = sample_study_path
    replaced = [
        study / "notes" / "P03_front-desk-clerk.md",
        study / "codebook.yml",
        study / "survey" / "permitting_survey_2026.csv",
        study / "survey" / "population_margins.csv",
        study / "process" / "permit_process.yml",
        study / "process" / "permit_events.csv",
        study / "codings" / "sample_codings.csv",
        study / "autocode.yml",
    ]
    for path in replaced:
        path.unlink()
        os.mkfifo(path)
    problems = _run_guarded(lambda: check_folder(study), replaced)
    for path in replaced:
        found = [p for p in problems if Path(p.path) == path and "named pipe" in p.message]
        assert found, f"{path.name} not reported: {[str(p) for p in problems]}"
        assert found[0].hint


def test_check_says_a_notes_path_that_is_a_pipe_is_not_a_folder(tmp_path):
    (tmp_path / "study.yml").write_text("name: s\nnotes: notes\n")
    os.mkfifo(tmp_path / "notes")
    problems = _run_guarded(lambda: check_folder(tmp_path), [tmp_path / "notes"])
    found = [p for p in problems if Path(p.path) == tmp_path / "notes"]
    assert [(p.message, p.severity) for p in found] == [("is not a folder", "error")]


def test_check_and_loaders_refuse_a_fifo_study_yml(tmp_path):
    os.mkfifo(tmp_path / "study.yml")
    problems = _run_guarded(lambda: check_folder(tmp_path), [tmp_path / "study.yml"])
    assert "named pipe" in problems[0].message


def _deny_reading(monkeypatch, path: Path) -> None:
    """Make ``path`` unreadable to this process (root ignores chmod, so refuse its open)."""
    if os.geteuid() != 0:
        path.chmod(0)
        return
    real_open = os.open

    def refusing_open(file, flags, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(rawfiles.os, "open", refusing_open)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_unreadable_file_is_reported_at_once(tmp_path, monkeypatch, name):
    loader, error = LOADERS[name]
    path = tmp_path / name
    path.write_bytes(b"something")
    _deny_reading(monkeypatch, path)
    with pytest.raises(error, match="cannot be read \\(Permission denied\\)") as raised:
        loader(path)
    assert raised.value.path == path
    assert "permission" in raised.value.hint


def test_check_reports_an_unreadable_note(sample_study_path, monkeypatch):
    note = sample_study_path / "notes" / "P03_front-desk-clerk.md"
    _deny_reading(monkeypatch, note)
    problems = [p for p in check_folder(sample_study_path) if Path(p.path) == note]
    assert any("Permission denied" in p.message for p in problems)


def test_refusal_is_a_research_kit_error_with_the_file():
    with pytest.raises(ResearchKitError) as raised:
        rawfiles.require_regular_file(os.devnull)
    assert str(raised.value).startswith(f"{os.devnull}: is a character device")


def test_a_qdpx_or_qdc_that_is_a_pipe_is_refused_unopened(sample_study_path, tmp_path):
    from research_kit import open_study
    from research_kit.interviews import import_qdc, import_qdpx
    from research_kit.interviews.refi import QdpxError

    pipe = tmp_path / "project.qdpx"
    os.mkfifo(pipe)
    with open_study(sample_study_path) as study:
        for importer in (import_qdpx, import_qdc):
            with pytest.raises(QdpxError, match=r"named pipe \(FIFO\), not a regular file"):
                _run_guarded(lambda importer=importer: importer(study, pipe), [pipe])
