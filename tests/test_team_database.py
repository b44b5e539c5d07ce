"""A study's database as a team uses it: where study.yml may point, moving a study between
SQLite and PostgreSQL, and codebook.yml against the database (``check``, ``codebook sync``)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from research_kit import open_study, schema
from research_kit.checks import check_folder
from research_kit.cli import main
from research_kit.errors import StoreError, StudyConfigError
from research_kit.interviews import add_memo, apply_code, codings, memos, merge_codes
from research_kit.interviews.codebook_edits import sync_codebook
from research_kit.store import Store

sys.path.insert(0, str(Path(__file__).parent))
import pgserver

pytestmark = pytest.mark.both_backends


def _set_database(folder: Path, value: str) -> None:
    settings = folder / "study.yml"
    lines = [
        f"database: {value}" if line.startswith("database:") else line
        for line in settings.read_text().splitlines()
    ]
    settings.write_text("\n".join(lines) + "\n")


# -- where study.yml may point ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sqlite://", "every save would vanish"),
        ("'sqlite:///:memory:'", "every save would vanish"),
        ("mysql://coder@db.example/permits", "cannot keep a study in a 'mysql' database"),
        ("postgresql://coder:hunter2@db.example/permits", "holds a password"),
    ],
)
def test_study_yml_refuses_databases_that_lose_work_or_leak_a_password(
    sample_study_path, value, message
):
    _set_database(sample_study_path, value)
    with pytest.raises(StudyConfigError, match=message) as caught:
        open_study(sample_study_path, create=False)
    assert caught.value.line is not None  # names the line of study.yml
    assert "hunter2" not in str(caught.value)
    assert not (sample_study_path / "study.db").exists()  # nothing was created


def test_a_relative_sqlite_url_is_the_study_folders(sample_study_path, tmp_path, monkeypatch):
    _set_database(sample_study_path, "sqlite:///work.db")
    monkeypatch.chdir(tmp_path)  # not the study folder
    open_study(sample_study_path, create=False).close()
    assert (sample_study_path / "work.db").exists()
    assert not (tmp_path / "work.db").exists()


def test_the_password_can_come_from_pgpassword(postgres_server, sample_study_path, monkeypatch):
    url = pgserver.fresh_database(postgres_server)
    _set_database(sample_study_path, url)
    monkeypatch.delenv("PGPASSFILE")  # no .pgpass either: only the environment variable
    monkeypatch.setenv("PGPASSFILE", str(sample_study_path / "no-such-pgpass"))
    monkeypatch.setenv("PGPASSWORD", "wrong")
    with pytest.raises(StoreError, match="cannot reach the study's PostgreSQL server"):
        open_study(sample_study_path, create=False)
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    with open_study(sample_study_path, create=False) as study:
        assert study.store.count("codings") == 0


# -- moving a study between backends ---------------------------------------------------------------
def _everything(study) -> dict[str, list]:
    """Every row of every table, comparable across backends (times as UTC text)."""
    contents = {}
    with study.store.read() as conn:
        for table in schema.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            contents[table.name] = [tuple(_comparable(value) for value in row) for row in rows]
    return contents


def _comparable(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # SQLite keeps UTC times naive
    return value


def _work(study) -> None:
    apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
    apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="M.K.")
    apply_code(study, "P03_front-desk-clerk", 10, 50, "staff_capacity", coder="J.R.")
    add_memo(study, "A memo about delay.", on="code", target="cost_of_delay", coder="J.R.")


def test_db_copy_moves_a_study_to_postgresql_and_back(sample_study_path, postgres_server, capsys):
    with open_study(sample_study_path) as study:
        _work(study)
        before = _everything(study)
    url = pgserver.fresh_database(postgres_server)
    assert main(["db", "copy", str(sample_study_path), "--to", url]) == 0
    assert f"database: {url}" in (sample_study_path / "study.yml").read_text()
    with open_study(sample_study_path, create=False) as study:
        assert study.store.url.startswith("postgresql")
        assert _everything(study) == before
        apply_code(study, "P02_business-owner", 0, 40, "cost_of_delay", coder="J.R.")  # ids go on
        middle = _everything(study)
    back = str(sample_study_path / "back.db")  # a path on the command line: from here
    assert main(["db", "copy", str(sample_study_path), "--to", back]) == 0
    assert "database: back.db" in (sample_study_path / "study.yml").read_text()
    with open_study(sample_study_path, create=False) as study:
        assert study.store.is_sqlite
        assert _everything(study) == middle
        assert len(codings(study)) == 4
    assert "the study now uses" in capsys.readouterr().out


@pytest.fixture
def other_db_url(db_backend, tmp_path, request) -> str:
    """A second empty database on the test's backend (not the study's own)."""
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'other.db'}"
    return pgserver.fresh_database(request.getfixturevalue("postgres_server"))


def test_db_copy_into_a_database_that_holds_data_changes_nothing(sample_study_path, other_db_url):
    db_url = other_db_url
    with open_study(sample_study_path) as study:
        _work(study)
    with Store(db_url) as other, other.transaction() as conn:
        conn.execute(schema.coders.insert().values(name="someone", created_at=sa.func.now()))
    before = (sample_study_path / "study.yml").read_text()
    assert main(["db", "copy", str(sample_study_path), "--to", db_url]) == 2
    assert (sample_study_path / "study.yml").read_text() == before
    with Store(db_url) as other:
        assert other.count("codings") == 0 and other.count("coders") == 1


def test_db_copy_refuses_a_password_in_the_url_before_copying(sample_study_path, capsys):
    before = (sample_study_path / "study.yml").read_text()
    code = main(["db", "copy", str(sample_study_path), "--to", "postgresql://u:pw@127.0.0.1:1/x"])
    assert code == 2
    assert "holds a password" in capsys.readouterr().err
    assert (sample_study_path / "study.yml").read_text() == before


def test_db_copy_into_the_studys_own_database_is_refused(sample_study_path, capsys):
    with open_study(sample_study_path) as study:
        location = study.settings.database_location
    assert main(["db", "copy", str(sample_study_path), "--to", location]) == 2
    assert "the study's own database" in capsys.readouterr().err


def test_a_failed_copy_leaves_the_target_empty(sample_study_path, other_db_url, monkeypatch):
    db_url = other_db_url
    with open_study(sample_study_path) as study:
        _work(study)

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("research_kit.settings.os.replace", full)
    assert main(["db", "copy", str(sample_study_path), "--to", db_url]) != 0
    with Store(db_url) as target:
        assert all(target.count(t.name) == 0 for t in schema.metadata.sorted_tables)
    with open_study(sample_study_path, create=False) as study:
        assert len(codings(study)) == 3  # still on its first database, unchanged


# -- codebook.yml against the database -------------------------------------------------------------
def _drop_code_from_file(folder: Path, code_id: str) -> None:
    """A hand edit that deletes a code's entry from codebook.yml."""
    path = folder / "codebook.yml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {code_id}")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- id:")),
        len(lines),
    )
    path.write_text("".join(lines[:start] + lines[end:]))


def test_check_reports_codebook_and_database_apart_and_sync_repairs_it(sample_study_path, capsys):
    with open_study(sample_study_path) as study:
        _work(study)
        study.register_codebook()
    _drop_code_from_file(sample_study_path, "cost_of_delay")  # coded twice
    _drop_code_from_file(sample_study_path, "clear_checklists")  # never coded
    problems = {p.message: p for p in check_folder(sample_study_path) if "sync" in p.hint}
    coded = next(p for m, p in problems.items() if m.startswith("code 'cost_of_delay'"))
    assert coded.severity == "error" and "2 codings use it" in coded.message
    assert "codebook sync" in coded.hint
    uncoded = next(p for m, p in problems.items() if m.startswith("code 'clear_checklists'"))
    assert uncoded.severity == "warning"

    assert main(["codebook", "sync", str(sample_study_path)]) == 1  # says, does not do
    said = capsys.readouterr().out
    assert "put it back into codebook.yml" in said and "remove it from the database" in said
    assert "nothing changed" in said
    assert main(["codebook", "sync", str(sample_study_path), "--yes"]) == 0
    assert not [p for p in check_folder(sample_study_path) if "codebook sync" in p.hint]
    with open_study(sample_study_path, create=False) as study:
        assert "cost_of_delay" in study.codebook().codes  # back, so its codings are seen
        assert "clear_checklists" not in study.codebook().codes
        assert sync_codebook(study).empty
        assert len(codings(study, code_id="cost_of_delay")) == 2


def test_check_reports_a_change_still_on_its_way_to_a_file(sample_study_path, monkeypatch):
    with open_study(sample_study_path) as study:
        _work(study)
        monkeypatch.setattr(
            "research_kit.staging._move_into_place",
            lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()),
        )
        with pytest.raises(KeyboardInterrupt):
            merge_codes(study, ["staff_capacity"], into="cost_of_delay")
        monkeypatch.undo()
    pending = [p for p in check_folder(sample_study_path) if "has not reached" in p.message]
    assert [p.path.name for p in pending] == ["codebook.yml"]
    # check only reads: the change is still pending until the study is opened
    assert [p.path.name for p in check_folder(sample_study_path) if "has not reached" in p.message]
    with open_study(sample_study_path, create=False) as study:
        assert "staff_capacity" not in study.codebook().codes
        assert memos(study)["target"].tolist() == ["cost_of_delay"]
    assert not [p for p in check_folder(sample_study_path) if "has not reached" in p.message]


def test_check_reads_the_database_without_writing_it(sample_study_path):
    with open_study(sample_study_path) as study:
        _work(study)
        location = study.settings.database_location
    if "://" not in location:
        stamp = os.stat(location).st_mtime_ns
        check_folder(sample_study_path)
        assert os.stat(location).st_mtime_ns == stamp


def test_db_copy_to_a_file_outside_the_study_needs_the_opt_in(sample_study_path, tmp_path, capsys):
    outside = tmp_path / "elsewhere.db"
    assert main(["db", "copy", str(sample_study_path), "--to", str(outside)]) == 2
    assert "outside the study folder" in capsys.readouterr().err
    assert not outside.exists()


def test_a_sqlite_url_leading_out_of_the_study_is_refused(sample_study_path, tmp_path):
    _set_database(sample_study_path, f"sqlite:///{tmp_path / 'elsewhere.db'}")
    with pytest.raises(StudyConfigError, match="leads outside the study folder"):
        open_study(sample_study_path, create=False)
