"""A throwaway PostgreSQL server for the tests and ``make stress``, from Debian's ``postgresql``.

:func:`start` creates a cluster in a temporary folder with ``initdb``, owned by an unprivileged
user when run as root (PostgreSQL refuses to run as root), and starts it on a free loopback port
with its socket in the same folder, so it never meets a system server. Passwords are required
over TCP (scram-sha-256) and given to clients the way a real team would: through a ``.pgpass``
file named by ``PGPASSFILE``, never in a study's URL. :meth:`Server.stop` stops it and removes
the folder. :func:`fresh_database` makes an empty database for one test or one stress run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "research_kit"
_UNPRIVILEGED = "nobody"


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest installed version), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass
class Server:
    """A running throwaway server."""

    folder: Path
    port: int
    password: str
    bin: Path

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for ``database`` (without the password: it is in ``.pgpass``)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @property
    def pgpass(self) -> Path:
        """The password file clients read (set ``PGPASSFILE`` to it)."""
        return self.folder / "pgpass"

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            _run_as_owner(
                [str(self.bin / "pg_ctl"), "stop", "-D", str(self.folder / "data"), "-m", "fast"],
                self.folder,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Server:
    """Create and start a server in a new temporary folder (raises RuntimeError if it cannot)."""
    bin_folder = binaries()
    if bin_folder is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package 'postgresql')")
    folder = Path(tempfile.mkdtemp(prefix="rk-postgres-"))
    password = secrets.token_hex(16)
    (folder / "pwfile").write_text(password + "\n")
    if os.geteuid() == 0:
        user = pwd.getpwnam(_UNPRIVILEGED)
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chown(folder / "pwfile", user.pw_uid, user.pw_gid)
    folder.chmod(0o700)
    data = folder / "data"
    _run_as_owner(
        [
            str(bin_folder / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(folder / "pwfile"),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-sync",
        ],
        folder,
    )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c fsync=off -c max_connections=200 -c shared_buffers=32MB"
    )
    _run_as_owner(
        [
            str(bin_folder / "pg_ctl"),
            "start",
            "-D",
            str(data),
            "-w",
            "-t",
            "120",
            "-l",
            str(folder / "server.log"),
            "-o",
            options,
        ],
        folder,
    )
    server = Server(folder, port, password, bin_folder)
    server.pgpass.write_text(f"127.0.0.1:{port}:*:{SUPERUSER}:{password}\n")
    server.pgpass.chmod(0o600)
    return server


def fresh_database(server: Server, name: str | None = None) -> str:
    """Create an empty database on the server; return its SQLAlchemy URL."""
    import psycopg

    name = name or f"study_{secrets.token_hex(6)}"
    with psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user=SUPERUSER,
        password=server.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.url(name)


def _run_as_owner(command: list[str], folder: Path) -> None:
    """Run a server command as the folder's owner (``nobody`` when we are root)."""
    kwargs = {}
    if os.geteuid() == 0:
        kwargs = {"user": _UNPRIVILEGED, "group": pwd.getpwnam(_UNPRIVILEGED).pw_gid}
    result = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=300, **kwargs
    )
    if result.returncode:
        raise RuntimeError(f"{Path(command[0]).name} failed: {result.stderr or result.stdout}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
