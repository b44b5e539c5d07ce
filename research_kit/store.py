"""The study database: opening, migrating and writing it safely.

A study keeps everything people add (codings, memos, coders, documents seen) in one database,
a SQLite file in the study folder by default, reached through SQLAlchemy so that a PostgreSQL
URL works too. Opening a store brings its schema up to date with the Alembic migrations in
``research_kit/migrations``. Every write is one transaction; on SQLite the database runs in WAL
mode and a write transaction takes the write lock up front (``BEGIN IMMEDIATE``), waiting with
back-off while another process writes, so concurrent writers never lose an update and a killed
process loses at most the write it had in flight.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from research_kit import schema
from research_kit.errors import DatabaseBusyError, SchemaVersionError, StoreError

_MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC (what every timestamp column holds)."""
    return datetime.now(UTC)


def database_url(location: str | Path) -> str:
    """Turn a file path or a SQLAlchemy URL into a URL.

    Examples
    --------
    >>> database_url("postgresql://db.example/study")
    'postgresql://db.example/study'
    >>> database_url("/tmp/s/study.db")
    'sqlite:////tmp/s/study.db'
    """
    text = str(location)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


class Store:
    """A study database, migrated to the current schema.

    Parameters
    ----------
    location : str or Path
        A SQLite file path, or any SQLAlchemy URL (e.g. ``postgresql+psycopg://…``).
    busy_timeout : float
        Seconds a writer waits for another process's write to finish before giving up with
        :class:`~research_kit.errors.DatabaseBusyError`.
    migrate : bool
        Bring the schema up to date on open (the default).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "study.db")
    >>> with store.transaction() as conn:
    ...     _ = conn.execute(schema.coders.insert().values(name="J.R.", created_at=utcnow()))
    >>> store.count("coders")
    1
    >>> store.close()
    """

    def __init__(
        self, location: str | Path, *, busy_timeout: float = 60.0, migrate: bool = True
    ) -> None:
        self.url = database_url(location)
        self.busy_timeout = busy_timeout
        #: The longest this store has waited for the write lock, in seconds (for stress runs).
        self.max_lock_wait = 0.0
        self.engine = self._create_engine()
        if migrate:
            self.migrate()

    # -- connections -------------------------------------------------------------------------
    @property
    def is_sqlite(self) -> bool:
        """True when the database is a SQLite file."""
        return self.engine.dialect.name == "sqlite"

    def _create_engine(self) -> Engine:
        if not self.url.startswith("sqlite"):
            return sa.create_engine(self.url, pool_pre_ping=True)
        path = sa.engine.make_url(self.url).database
        if path and path != ":memory:":
            folder = Path(path).parent
            if not folder.is_dir():
                raise StoreError(
                    "the folder for the study database does not exist",
                    path=folder,
                    hint="create the study with research_kit.open_study(path)",
                )
        # A short driver wait (never longer than busy_timeout): the rest of the waiting is done
        # by our own back-off loop, which can say clearly what it waited for and how long.
        driver_wait = min(5.0, self.busy_timeout)
        engine = sa.create_engine(
            self.url,
            connect_args={"timeout": driver_wait, "check_same_thread": False},
            poolclass=sa.pool.NullPool,
        )
        event.listen(engine, "connect", self._on_sqlite_connect)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine

    def _on_sqlite_connect(self, dbapi_connection, record) -> None:
        # busy_timeout is read at each connection, so changing it on an open store counts.
        wait = min(5.0, self.busy_timeout)
        _configure_sqlite_connection(dbapi_connection, record, wait=wait)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Open one write transaction: everything in the block commits together or not at all.

        On SQLite the write lock is taken at the start (``BEGIN IMMEDIATE``); while another
        process holds it we wait with jittered back-off, up to ``busy_timeout`` seconds.

        Raises
        ------
        DatabaseBusyError
            If another process kept the database busy for longer than ``busy_timeout``.
        """
        conn = self._begin_write()
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read-only snapshot (readers never block writers in WAL mode)."""
        with self.engine.connect() as conn:
            yield conn

    def _begin_write(self) -> Connection:
        started = time.monotonic()
        deadline = started + self.busy_timeout
        delay = 0.01
        while True:
            conn = self.engine.connect()
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            try:
                conn.begin()
                self.max_lock_wait = max(self.max_lock_wait, time.monotonic() - started)
                return conn
            except OperationalError as exc:
                conn.close()
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise self._busy_error(exc) from exc
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)

    def _busy_error(self, exc: OperationalError) -> StoreError:
        if _is_busy(exc):
            return DatabaseBusyError(
                f"another program kept the study database busy for over {self.busy_timeout:g} s",
                path=self.location_for_messages(),
                hint="wait until the other import or coding session finishes, then try again",
            )
        return StoreError(
            f"cannot write to the study database ({exc.orig})",
            path=self.location_for_messages(),
            hint="check that the file is writable and the disk is not full",
        )

    def location_for_messages(self) -> str:
        """The database's location without any password, for messages."""
        url = sa.engine.make_url(self.url)
        return url.database if self.is_sqlite else url.render_as_string(hide_password=True)

    # -- schema ------------------------------------------------------------------------------
    def _alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        return config

    @property
    def head_revision(self) -> str:
        """The schema revision this version of research_kit writes."""
        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    @property
    def schema_version(self) -> str | None:
        """The revision the database is at (None for an empty database)."""
        with self.read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def migrate(self) -> None:
        """Bring the schema up to date; refuse a database written by a newer research_kit."""
        config = self._alembic_config()
        script = ScriptDirectory.from_config(config)
        try:
            current = self.schema_version
            if current == script.get_current_head():
                return
            if current is not None and current not in {
                rev.revision for rev in script.walk_revisions()
            }:
                raise SchemaVersionError(
                    f"the study database is at schema revision {current!r}, which this "
                    "version of research_kit does not know",
                    path=self.location_for_messages(),
                    hint="upgrade research_kit (pip install -U research-kit) to open this study",
                )
            conn = self._begin_write()
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.close()
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open the study database ({getattr(exc, 'orig', exc)})",
                path=self.location_for_messages(),
                hint="check the file is a research_kit database and is not damaged",
            ) from exc

    # -- small queries -------------------------------------------------------------------------
    def count(self, table: str) -> int:
        """Return the number of rows in one of the schema's tables."""
        with self.read() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(schema.metadata.tables[table])
            ).scalar_one()

    def integrity_check(self) -> list[str]:
        """Run SQLite's integrity and foreign-key checks; return the problems (empty if none)."""
        if not self.is_sqlite:
            return []
        with self.read() as conn:
            integrity = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            foreign = [str(tuple(row)) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")]
        problems = [] if integrity == ["ok"] else integrity
        return problems + [f"foreign key broken: {row}" for row in foreign]

    def close(self) -> None:
        """Release every connection (the file stays as it is)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.location_for_messages()!r})"


def coder_id(conn: Connection, name: str) -> int:
    """The id of coder ``name`` (created on first use), inside an open transaction."""
    coders = schema.coders
    existing = conn.execute(
        sa.select(coders.c.id).where(coders.c.name == name)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    return conn.execute(
        coders.insert().values(name=name, created_at=utcnow())
    ).inserted_primary_key[0]


def _configure_sqlite_connection(dbapi_connection, _record, *, wait: float = 5.0) -> None:
    """Per-connection SQLite settings: WAL, durable commits, foreign keys, busy wait."""
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so a write can ask for IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _begin_sqlite_transaction(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text
