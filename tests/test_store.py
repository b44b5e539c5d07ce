"""The study database: migrations, transactions, concurrent writers, and crash safety."""

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
from research_kit.errors import SchemaVersionError, StoreError
from research_kit.store import Store, database_url, utcnow

WORKER = Path(__file__).with_name("store_worker.py")


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
    assert store.schema_version == store.head_revision == "0002"
    with sqlite3.connect(tmp_path / "study.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()


def test_migrations_build_exactly_the_schema_the_code_declares(tmp_path):
    store = Store(tmp_path / "study.db")
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    store.close()
    assert differences == []


def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path):
    with Store(tmp_path / "study.db") as store, store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("kept")))
    with Store(tmp_path / "study.db") as again:
        assert _memo_texts(again) == ["kept"]


def test_a_failed_transaction_writes_nothing(tmp_path):
    store = Store(tmp_path / "study.db")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("half")))
        raise RuntimeError("crash in the middle of a save")
    assert _memo_texts(store) == []
    store.close()


def test_constraint_violation_rolls_back_the_whole_write(tmp_path):
    store = Store(tmp_path / "study.db")
    with pytest.raises(sa.exc.IntegrityError), store.transaction() as conn:
        conn.execute(schema.memos.insert().values(**_memo("first")))
        conn.execute(schema.memos.insert().values(**{**_memo("bad"), "target_kind": "planet"}))
    assert _memo_texts(store) == []
    store.close()


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
    assert database_url("postgresql://host/db") == "postgresql://host/db"


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
def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "study.db"
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
def test_killed_writer_leaves_a_valid_database_with_every_acknowledged_write(tmp_path):
    path = tmp_path / "study.db"
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
