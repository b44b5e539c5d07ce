"""The study database: opening, migrating and writing it safely, on SQLite or PostgreSQL.

A study keeps everything people add (codings, memos, coders, documents seen) in one database:
a SQLite file in the study folder by default, or a PostgreSQL database shared by a team
(``docs/team-server.md``). Opening a store brings its schema up to date with the Alembic
migrations in ``research_kit/migrations``.

Every write is one transaction, and write transactions of one study never overlap: on SQLite
the write lock is taken up front (``BEGIN IMMEDIATE``, WAL mode), on PostgreSQL a transaction
advisory lock is. A writer waits for the lock with back-off, up to ``busy_timeout`` seconds,
then gives up with :class:`~research_kit.errors.DatabaseBusyError`. Serialised writes are what
lets a codebook edit read, change and write ``codebook.yml`` and the database as one step
(see :mod:`research_kit.staging`); inserts that two sessions may both attempt are idempotent
as well (:func:`insert_or_get`). A killed process loses at most the write it had in flight,
and no raw driver error reaches a user: each becomes a :class:`~research_kit.errors.StoreError`
saying what failed and what to do.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from research_kit import schema
from research_kit.errors import DatabaseBusyError, SchemaVersionError, StoreError

_MIGRATIONS = Path(__file__).parent / "migrations"
#: The PostgreSQL advisory lock every write transaction of a study takes (advisory locks are
#: per database, so one key serves every study on a server).
WRITE_LOCK_KEY = 0x52_4B_5354_5544_59  # "RKSTUDY"
_SQLITE_SCHEMES = {"sqlite", "sqlite+pysqlite"}
_POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg"}
_LOCK_NOT_AVAILABLE = "55P03"
_MIGRATION_LOCK = threading.Lock()


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC (what every timestamp column holds)."""
    return datetime.now(UTC)


def database_url(location: str | Path) -> str:
    """Turn a file path or a database URL into the SQLAlchemy URL research_kit opens.

    A PostgreSQL URL is given the psycopg 3 driver; any other kind of database, and SQLite in
    memory (where every save would vanish), is refused.

    Raises
    ------
    StoreError
        For a URL research_kit cannot keep a study in.

    Examples
    --------
    >>> database_url("postgresql://coder@db.example/study")
    'postgresql+psycopg://coder@db.example/study'
    >>> database_url("/tmp/s/study.db")
    'sqlite:////tmp/s/study.db'
    """
    text = str(location).strip()
    if "://" not in text:
        if not text or text == ":memory:":
            raise _memory_error(text)
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    scheme, _, rest = text.partition("://")
    scheme = scheme.lower()
    if scheme in _SQLITE_SCHEMES:
        path = rest[1:] if rest.startswith("/") else rest
        if not path or path == ":memory:" or path.startswith(":memory:") or "mode=memory" in rest:
            raise _memory_error(text)
        return f"sqlite:///{path}"
    if scheme in _POSTGRES_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    raise StoreError(
        f"research_kit cannot keep a study in a {scheme!r} database",
        path=_without_password(text),
        hint="use a SQLite file (database: study.db) or a PostgreSQL URL "
        "(database: postgresql://user@host/dbname)",
    )


def _memory_error(text: str) -> StoreError:
    return StoreError(
        "an in-memory database keeps nothing: every save would vanish when the notebook closes",
        path=text or "(empty)",
        hint="name a file (database: study.db) or a PostgreSQL URL",
    )


def _without_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


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
        """True when the database is a SQLite file (known from the URL, before any connection)."""
        return self.url.startswith("sqlite")

    def _create_postgres_engine(self) -> Engine:
        try:
            import psycopg  # noqa: F401  (only to say clearly when the driver is missing)
        except ImportError as exc:
            raise StoreError(
                "the study's database is on a PostgreSQL server, but its driver is not installed",
                path=self.location_for_messages(),
                hint="pip install 'research-kit[server]'",
            ) from exc
        # No password may sit in study.yml: libpq reads it from PGPASSWORD or ~/.pgpass.
        return sa.create_engine(self.url, pool_pre_ping=True, pool_size=2, max_overflow=4)

    def _create_engine(self) -> Engine:
        if not self.is_sqlite:
            return self._create_postgres_engine()
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
        except BaseException as exc:
            _quiet_rollback(conn)
            if isinstance(exc, SQLAlchemyError):
                raise self._database_error(exc) from exc
            raise
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a read-only snapshot (readers never block writers)."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self._database_error(exc) from exc

    def _begin_write(self) -> Connection:
        started = time.monotonic()
        deadline = started + self.busy_timeout
        delay = 0.01
        while True:
            try:
                conn = self.engine.connect()
            except SQLAlchemyError as exc:
                raise self._database_error(exc) from exc
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            try:
                conn.begin()
                if not self.is_sqlite:
                    self._take_postgres_lock(conn, deadline - time.monotonic())
                self.max_lock_wait = max(self.max_lock_wait, time.monotonic() - started)
                return conn
            except OperationalError as exc:
                _quiet_rollback(conn)
                conn.close()
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise self._database_error(exc) from exc
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
            except SQLAlchemyError as exc:
                _quiet_rollback(conn)
                conn.close()
                raise self._database_error(exc) from exc

    @staticmethod
    def _take_postgres_lock(conn: Connection, seconds: float) -> None:
        """Wait (at most ``seconds``) for the study's write lock, held until commit/rollback."""
        # The lock waits in slices so that the back-off loop can say how long it waited.
        wait = int(1000 * max(0.001, min(seconds, 5.0)))
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))

    def _database_error(self, exc: SQLAlchemyError) -> StoreError:
        """The error a user sees for a database failure: what happened and what to do."""
        where = self.location_for_messages()
        reason = _first_line(getattr(exc, "orig", None) or exc)
        if isinstance(exc, OperationalError) and _is_busy(exc):
            return DatabaseBusyError(
                f"another program kept the study database busy for over {self.busy_timeout:g} s",
                path=where,
                hint="wait until the other import or coding session finishes, then try again",
            )
        if isinstance(exc, IntegrityError):
            return StoreError(
                f"the study database refused a change that would break its rules ({reason})",
                path=where,
                hint="nothing was saved; reload the study and try again, and report this if it "
                "happens again",
            )
        if isinstance(exc, OperationalError) and not self.is_sqlite and _is_unreachable(exc):
            return StoreError(
                f"cannot reach the study's PostgreSQL server ({reason})",
                path=where,
                hint="check the server is running and the host, port, user and database in "
                "study.yml; the password comes from PGPASSWORD or ~/.pgpass",
            )
        if _is_disk_full(exc):
            return StoreError(
                f"the disk is full: the study database could not save ({reason})",
                path=where,
                hint="free some disk space, then try again; nothing was saved",
            )
        return StoreError(
            f"the study database failed ({reason})",
            path=where,
            hint="check that the database is reachable and writable, and the disk is not full; "
            "nothing was saved",
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
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
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
                # Alembic runs migrations through one module-level context: two threads
                # migrating two studies at once would run each other's steps.
                with _MIGRATION_LOCK:
                    command.upgrade(config, "head")
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.close()
        except SQLAlchemyError as exc:
            if isinstance(exc, OperationalError) and (
                _is_busy(exc) or (not self.is_sqlite and _is_unreachable(exc))
            ):
                raise self._database_error(exc) from exc
            raise StoreError(
                f"cannot open the study database ({_first_line(getattr(exc, 'orig', exc))})",
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
        """Check the database; return the problems found (empty if none).

        On both backends every table of the schema is checked for rows pointing at rows that
        do not exist (foreign keys), rows repeating a unique key, and rows breaking a check
        constraint. On SQLite the file itself is checked too (``PRAGMA integrity_check``).
        """
        problems = []
        with self.read() as conn:
            if self.is_sqlite:
                integrity = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
                problems += [] if integrity == ["ok"] else integrity
            for table in schema.metadata.sorted_tables:
                problems += _table_problems(conn, table)
        return problems

    def close(self) -> None:
        """Release every connection (the file stays as it is)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.location_for_messages()!r})"


def copy_database(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into the empty database ``target``, all or nothing.

    The source's write lock is held throughout, so nobody changes it meanwhile; the target is
    filled in one transaction and checked (row counts and integrity) before it commits. Works
    between any two backends (SQLite to PostgreSQL and back).

    Returns
    -------
    dict of str to int
        Rows copied per table.

    Raises
    ------
    StoreError
        If the target already holds data, or the copy does not check out (nothing is kept).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> one, two = Store(folder / "one.db"), Store(folder / "two.db")
    >>> with one.transaction() as conn:
    ...     _ = coder_id(conn, "J.R.")
    >>> copy_database(one, two)["coders"]
    1
    >>> one.close(); two.close()
    """
    if source.url == target.url:
        raise StoreError(
            "the target is the study's own database",
            path=target.location_for_messages(),
            hint="copy into a new, empty database",
        )
    tables = schema.metadata.sorted_tables  # parents before children
    occupied = [table.name for table in tables if target.count(table.name)]
    if occupied:
        raise StoreError(
            f"the target database already holds data (in {', '.join(occupied)})",
            path=target.location_for_messages(),
            hint="copy into a new, empty database",
        )
    counts: dict[str, int] = {}
    with source.transaction() as reading, target.transaction() as writing:
        for table in tables:
            rows = [dict(row) for row in reading.execute(sa.select(table)).mappings()]
            for start in range(0, len(rows), 1000):
                writing.execute(table.insert(), rows[start : start + 1000])
            counts[table.name] = len(rows)
        if writing.dialect.name == "postgresql":
            _advance_sequences(writing, tables)
        copied = {
            table.name: writing.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in tables
        }
        if copied != counts:
            raise StoreError(
                f"the copy does not match the study database ({copied} != {counts})",
                path=target.location_for_messages(),
                hint="nothing was kept; report this",
            )
        problems = [p for table in tables for p in _table_problems(writing, table)]
        if problems:
            raise StoreError(
                f"the copy failed its check ({problems[0]})",
                path=target.location_for_messages(),
                hint="nothing was kept; run 'research-kit check' on the study first",
            )
    return counts


def _advance_sequences(conn: Connection, tables: list[sa.Table]) -> None:
    """After inserting explicit ids, start PostgreSQL's id sequences past the largest one."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, sa.Integer):
            continue
        for column in key:
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                ),
                {"table": table.name, "column": column.name},
            )


def coder_id(conn: Connection, name: str) -> int:
    """The id of coder ``name`` (created on first use), inside an open transaction."""
    return insert_or_get(conn, schema.coders, {"name": name, "created_at": utcnow()}, ("name",))


def insert_or_get(conn: Connection, table: sa.Table, values: dict, key: tuple[str, ...]) -> int:
    """Return the id of the row whose ``key`` columns equal ``values``', inserting it if new.

    Idempotent: a second session inserting the same row at the same moment gets the same id,
    never a unique-key error (``INSERT … ON CONFLICT DO NOTHING``, then select).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "study.db")
    >>> row = {"name": "J.R.", "created_at": utcnow()}
    >>> with store.transaction() as conn:
    ...     ids = {insert_or_get(conn, schema.coders, row, ("name",)) for _ in range(3)}
    >>> len(ids), store.count("coders")
    (1, 1)
    >>> store.close()
    """
    match = sa.and_(*(table.c[column] == values[column] for column in key))
    existing = conn.execute(sa.select(table.c.id).where(match)).scalar_one_or_none()
    if existing is not None:
        return existing
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing(index_elements=key))
    return conn.execute(sa.select(table.c.id).where(match)).scalar_one()


def _table_problems(conn: Connection, table: sa.Table) -> list[str]:
    """Orphans, repeated unique keys and broken check constraints in one table."""
    problems = []
    for foreign in table.foreign_key_constraints:
        parent = foreign.referred_table
        pairs = [(element.parent, element.column) for element in foreign.elements]
        orphans = conn.execute(
            sa.select(sa.func.count())
            .select_from(table.outerjoin(parent, sa.and_(*(c == p for c, p in pairs))))
            .where(*(c.isnot(None) for c, _ in pairs), *(p.is_(None) for _, p in pairs))
        ).scalar_one()
        if orphans:
            columns = ", ".join(c.name for c, _ in pairs)
            problems.append(f"{table.name}: {orphans} rows whose {columns} is not in {parent.name}")
    for unique in [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]:
        columns = list(unique.columns)
        repeated = conn.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(*columns).group_by(*columns).having(sa.func.count() > 1).subquery()
            )
        ).scalar_one()
        if repeated:
            names = ", ".join(c.name for c in columns)
            problems.append(f"{table.name}: {repeated} values of ({names}) are stored twice")
    for check in [c for c in table.constraints if isinstance(c, sa.CheckConstraint)]:
        broken = conn.execute(
            sa.select(sa.func.count()).select_from(table).where(sa.text(f"NOT ({check.sqltext})"))
        ).scalar_one()
        if broken:
            problems.append(f"{table.name}: {broken} rows break the rule {check.name}")
    return problems


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
    if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text or "lock timeout" in text


def _is_unreachable(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return any(
        words in text
        for words in ("connection", "could not translate host", "password", "does not exist")
    )


def _is_disk_full(exc: SQLAlchemyError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return ("disk" in text and "full" in text) or "no space left" in text


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _quiet_rollback(conn: Connection) -> None:
    """Roll back, ignoring a connection that is already gone (the error is reported instead)."""
    with suppress(DBAPIError, SQLAlchemyError):
        conn.rollback()
