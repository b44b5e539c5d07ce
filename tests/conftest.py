"""Shared fixtures: a private copy of the sample study, the reference data in ../shared, and a
throwaway PostgreSQL server.

Test modules marked ``pytestmark = pytest.mark.both_backends`` run every test that uses
``sample_study_path`` (or ``db_backend``) twice: on a SQLite file and on a fresh database of a
PostgreSQL server started for the session (``tests/pgserver.py``). Without PostgreSQL installed
those runs are skipped, unless ``RESEARCH_KIT_REQUIRE_POSTGRES=1`` (set by ``make test``) makes
that an error.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import pgserver
from _sample_brief import SampleBrief

# One BLAS/OpenMP thread per test process, set before numpy loads. `make test` runs one worker
# per core; each worker's own OpenBLAS threads then spin against the other worker's, which made
# the survey variance's small least-squares fits 20 to 80 times slower. Child processes
# (notebook kernels, the Voila server, the installed wheel) inherit the setting.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_STUDY = ROOT / "interview_data"
SHARED_DATA = ROOT.parent / "shared" / "data"


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("db_backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pgserver.Server]:
    """One throwaway PostgreSQL server for the whole session (its .pgpass holds the password)."""
    if pgserver.binaries() is None:
        message = "PostgreSQL is not installed (run scripts/system-deps.sh as root)"
        if os.environ.get("RESEARCH_KIT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = pgserver.start()
    previous = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(server.pgpass)
    try:
        yield server
    finally:
        if previous is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = previous
        server.stop()


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """The database a test's study uses: "sqlite" unless its module runs on both backends."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL of an empty database on the test's backend."""
    if db_backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return pgserver.fresh_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def sample_study_path(tmp_path: Path, db_backend: str, request: pytest.FixtureRequest) -> Path:
    """A copy of the bundled sample study (without any database) that a test may change.

    On the PostgreSQL backend its ``database:`` is a fresh database of the session's server.
    """
    target = tmp_path / "sample_study"
    shutil.copytree(SAMPLE_STUDY, target, ignore=shutil.ignore_patterns("study.db*"))
    if db_backend == "postgresql":
        url = request.getfixturevalue("db_url")
        settings = target / "study.yml"
        text = re.sub(r"(?m)^database:.*$", f"database: {url}", settings.read_text())
        settings.write_text(text)
    return target


@pytest.fixture
def shared_data() -> Path:
    """The reference data folder; tests using it skip when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (only present in the dev setup)")
    return SHARED_DATA


@pytest.fixture
def empty_study_path(tmp_path: Path, db_backend: str, request: pytest.FixtureRequest) -> Path:
    """A new, empty study (no notes, codebook or codings) on the test's backend."""
    from research_kit import open_study

    folder = tmp_path / "empty_study"
    database = "study.db"
    if db_backend == "postgresql":
        database = pgserver.fresh_database(request.getfixturevalue("postgres_server"))
    open_study(folder).close()
    settings = folder / "study.yml"
    settings.write_text(re.sub(r"(?m)^database:.*$", f"database: {database}", settings.read_text()))
    (folder / "study.db").unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="session")
def sample_brief(tmp_path_factory: pytest.TempPathFactory) -> SampleBrief:
    """The sample's brief (shipped codings, six answer themes), assembled once per run.

    Shared by the xdist workers (see ``tests/_sample_brief.py``): its findings come as a fresh
    copy on every call; its study folder, PDF and HTML must not be changed.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    return SampleBrief(root / "sample_brief")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the files that hold slow tests first, each file's tests in their own order.

    ``make test`` hands whole files to its workers (``--dist loadfile``) in collection order:
    a slow file near the end (``test_wheel.py``, say) left one worker busy alone while the
    other had finished. With the slow files first, the many quick files and doctests fill in
    at the end instead.
    """
    slow = {
        item.path
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: item.path not in slow)  # stable: the rest keeps its order
