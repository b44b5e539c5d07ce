"""The study database: migrations, transactions, concurrent writers, and crash safety.

Every test that takes ``db_url`` runs on SQLite and on a throwaway PostgreSQL server.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from research_kit import schema
from research_kit.errors import DatabaseBusyError, SchemaVersionError, StoreError
from research_kit.store import Store, database_url, insert_or_get, utcnow

sys.path.insert(0, str(Path(__file__).parent))
import pgserver

WORKER = Path(__file__).with_name("store_worker.py")
pytestmark = pytest.mark.both_backends


def _memo(text: str) -> dict:
    now = utcnow()
    return {
        "target_kind": "study",
        "target_id": "s",
        "text": text,
        "created_at": now,
        "updated_at": now,
    }


def _memo_texts(store: Store) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(sa.select(schema.memos.c.text)).scalars())


def test_new_database_is_migrated_to_head_in_wal_mode(tmp_path):
    store = Store(tmp_path / "study.db")
    assert store.schema_version == store.head_revision
    with sqlite3.connect(tmp_path / "study.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_migrations_build_exactly_the_schema_the_code_declares(db_url):
    store = Store(db_url)
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    store.close()
    assert differences == []


def test_reopening_keeps_data_and_does_not_migrate_again(db_url):
    with Store(db_url) as store, store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("kept")))
    with Store(db_url) as again:
        assert again.schema_version == again.head_revision
        assert _memo_texts(again) == ["kept"]


def test_a_failed_transaction_writes_nothing(db_url):
    store = Store(db_url)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("half")))
        raise RuntimeError("crash in the middle of a save")
    assert _memo_texts(store) == []
    store.close()


def test_constraint_violation_rolls_back_the_whole_write_with_a_clear_error(db_url):
    store = Store(db_url)
    with pytest.raises(StoreError, match="refused a change") as caught, store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("first")))
        conn.execute(schema.memos.insert().values(**{**_memo("bad"), "target_kind": "planet"}))
    assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)  # kept for a bug report
    assert "nothing was saved" in str(caught.value)
    assert _memo_texts(store) == []
    store.close()


def test_insert_or_get_is_idempotent(db_url):
    store = Store(db_url)
    row = {"name": "J.R.", "created_at": utcnow()}
    with store.transaction() as conn:
        first = insert_or_get(conn, schema.coders, row, ("name",))
    with store.transaction() as conn:
        assert insert_or_get(conn, schema.coders, row, ("name",)) == first
    assert store.count("coders") == 1
    store.close()


def test_integrity_check_finds_orphans_repeats_and_broken_rules_on_any_backend(db_url):
    store = Store(db_url)
    assert store.integrity_check() == []
    with store.read() as conn:
        if conn.dialect.name == "sqlite":
            pytest.skip("SQLite enforces foreign keys on every connection of a study")
    # Rows a damaged or hand-edited database could hold: constraints switched off meanwhile.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("SET session_replication_role = replica")
        conn.execute(
            schema.codings.insert().values(
                excerpt_id=999, code_id="ghost", coder_id=77, origin="manual", created_at=utcnow()
            )
        )
    problems = store.integrity_check()
    assert any("codings" in p and "excerpt_id is not in excerpts" in p for p in problems)
    assert any("coder_id is not in coders" in p for p in problems)
    store.close()


def test_sqlite_integrity_check_reads_the_file_and_its_foreign_keys(tmp_path):
    path = tmp_path / "study.db"
    Store(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(
            "INSERT INTO codings (excerpt_id, code_id, coder_id, origin, created_at) "
            "VALUES (5, 'x', 9, 'manual', '2026-01-01')"
        )
    with Store(path) as store:
        problems = store.integrity_check()
    assert any("excerpt_id is not in excerpts" in p for p in problems)


def test_database_from_a_newer_research_kit_is_refused(tmp_path):
    path = tmp_path / "study.db"
    Store(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaVersionError, match="does not know"):
        Store(path)


def test_not_a_database_gives_a_clear_error(tmp_path):
    path = tmp_path / "study.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the study database"):
        Store(path)


def test_missing_folder_gives_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nowhere" / "study.db")


def test_database_url_accepts_paths_and_urls(tmp_path):
    assert database_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql://host/db") == "postgresql+psycopg://host/db"
    assert database_url("postgres://u@host/db") == "postgresql+psycopg://u@host/db"
    assert database_url("sqlite:////x/y.db") == "sqlite:////x/y.db"


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", ":memory:", "sqlite:///file:x?mode=memory&uri=true"]
)
def test_an_in_memory_database_is_refused(url):
    with pytest.raises(StoreError, match="every save would vanish"):
        Store(url)


@pytest.mark.parametrize("url", ["mysql://u@host/db", "oracle://host/db", "mongodb://host/x"])
def test_an_unknown_kind_of_database_is_refused(url):
    with pytest.raises(StoreError, match="cannot keep a study in") as caught:
        Store(url)
    assert "PostgreSQL URL" in caught.value.hint


def test_an_unreachable_server_gives_a_clear_error_without_the_password():
    url = "postgresql://coder:s3cret@127.0.0.1:1/nowhere"
    with pytest.raises(StoreError, match="cannot reach the study's PostgreSQL server") as caught:
        Store(url, busy_timeout=1)
    assert "s3cret" not in str(caught.value)


def test_busy_postgres_database_waits_then_says_so(postgres_server):
    url = pgserver.fresh_database(postgres_server)
    holder, store = Store(url), Store(url, busy_timeout=0.5)
    started = time.monotonic()
    # The first transaction holds the study's write lock while the second waits for it.
    with holder.transaction(), pytest.raises(DatabaseBusyError, match="busy"), store.transaction():
        pass
    assert time.monotonic() - started >= 0.5
    with store.transaction() as conn:  # free again: writes go through
        conn.execute(schema.memos.insert().values(**_memo("after")))
    assert _memo_texts(store) == ["after"]
    holder.close()
    store.close()


def test_busy_database_waits_then_says_so(tmp_path):
    path = tmp_path / "study.db"
    Store(path).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    store = Store(path, busy_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(StoreError, match="busy"), store.transaction():
        pass
    assert time.monotonic() - started >= 0.5
    blocker.execute("ROLLBACK")
    blocker.close()
    with store.transaction() as conn:  # free again: writes go through
        conn.execute(schema.memos.insert().values(**_memo("after")))
    assert _memo_texts(store) == ["after"]
    store.close()


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(db_url):
    path = db_url
    Store(path).close()
    per_process = 150
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(path), tag, str(per_process)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("alpha", "beta")
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=600)  # a hang guard
        assert worker.returncode == 0, err
        assert out.count("ack") == per_process
    store = Store(path)
    texts = _memo_texts(store)
    assert len(texts) == 2 * per_process
    for tag in ("alpha", "beta"):
        numbers = sorted(int(t.split()[0].split("-")[1]) for t in texts if t.startswith(tag))
        assert numbers == list(range(per_process))
    assert store.integrity_check() == []
    store.close()


@pytest.mark.slow
def test_killed_writer_leaves_a_valid_database_with_every_acknowledged_write(db_url):
    path = db_url
    Store(path).close()
    for round_number in range(3):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), str(path), f"r{round_number}", "0", "--forever"],
            stdout=subprocess.PIPE,
            text=True,
        )
        acknowledged = -1
        while acknowledged < 40 + 17 * round_number:
            line = worker.stdout.readline()
            assert line, "worker died before writing"
            acknowledged = int(line.split()[1])
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=600)  # returns as soon as it is dead; a hang guard
        store = Store(path)
        assert store.integrity_check() == []
        stored = {t.split()[0] for t in _memo_texts(store) if t.startswith(f"r{round_number}-")}
        missing = {f"r{round_number}-{n}" for n in range(acknowledged + 1)} - stored
        assert not missing, f"acknowledged writes lost: {sorted(missing)[:5]}"
        store.close()


def test_a_full_disk_gives_an_error_naming_the_study_and_keeps_what_was_saved(tmp_path):
    path = tmp_path / "study.db"
    store = Store(path)
    with store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("kept")))

    # SQLite reports a full disk as SQLITE_FULL; a page limit makes it say so here.
    @sa.event.listens_for(store.engine, "connect")
    def _tiny(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1}")

    store.engine.dispose()
    with pytest.raises(StoreError, match="the disk is full") as caught:
        for number in range(200):
            with store.transaction() as conn:
                conn.execute(schema.memos.insert().values(**_memo("x" * 5000 + str(number))))
    assert str(path) in str(caught.value)
    assert "nothing was saved" in caught.value.hint
    store.close()
    with Store(path) as again:
        assert "kept" in _memo_texts(again)
        assert again.integrity_check() == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("study.db")) == []


def test_studies_opened_from_several_threads_at_once_each_get_their_own_schema(tmp_path):
    # Alembic's migration context is one per process: without a lock, two threads migrating
    # two new databases at once ran each other's steps ("table coders already exists").
    from concurrent.futures import ThreadPoolExecutor

    def open_new(number: int) -> str | None:
        store = Store(tmp_path / f"study{number}.db")
        try:
            return store.schema_version
        finally:
            store.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(open_new, range(32)))
    assert set(versions) == {Store(tmp_path / "study0.db").head_revision}
