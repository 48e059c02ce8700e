"""Shared fixtures: a DuckDB store in ``tmp_path`` holding a small valid baseline portfolio; a
throw-away PostgreSQL cluster per test process (``pg_cluster``) and an empty database of it per
test (``pg_url``).

The dashboard's tests run in open demo mode unless they create accounts (accounts turn sign-in
on); the tests of sign-in and roles set up their own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from loaders import store
from loaders.importer import import_files
from tests import pgcluster
from tests.builders import as_user

os.environ.setdefault("PMO_AUTH", "open")
# the dashboard's warming of its caches (ui.warm) stays off: the tests' stores come and go by the
# hundred; tests/test_warm.py turns it on where it is the subject
os.environ["PMO_WARM"] = "0"
# pytest-xdist's workers set a terminal size of their own (80 columns); the command line wraps
# its tables to COLUMNS, so the tests start without it and set it where they mean it
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

#: Project P-01 with indicators IND-01..IND-04 and a row in most other tables, in the English
#: template's layout (written by tests/data/make_bad_files.py), so references resolve and
#: "nothing changed" means something.
BASELINE = Path(__file__).parent / "data" / "baseline.xlsx"


@pytest.fixture(scope="session")
def baseline_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with the baseline imported as batch 1 (built once, copied per test)."""
    path = tmp_path_factory.mktemp("baseline") / "baseline.duckdb"
    con = store.connect(path)
    plan, batch = import_files(con, [BASELINE], actor=as_user("test"))
    assert batch == 1, [i.message("en") for i in plan.issues]
    assert plan.issues == []
    con.close()
    return path


@pytest.fixture
def baseline_con(tmp_path: Path, baseline_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store in ``tmp_path`` holding the baseline."""
    path = tmp_path / "t.duckdb"
    shutil.copyfile(baseline_store, path)
    connection = store.connect(path)
    yield connection
    connection.close()


@pytest.fixture
def empty_con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store in ``tmp_path`` holding nothing."""
    connection = store.connect(tmp_path / "empty.duckdb")
    yield connection
    connection.close()


# --------------------------------------------------------------------------------------------
# The dashboard under AppTest: the demo portfolio (or nothing) in a DuckDB file of its own.

DEMO_AS_OF = "2026-09-30"


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio imported once per session (copied per test that writes)."""
    from pmo.cli import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    con = store.connect(path)
    assert load_demo(con) == 1
    con.close()
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo store, made the dashboard's database (``PMO_DB``)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store, path)
    monkeypatch.setenv("PMO_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store made the dashboard's database (``PMO_DB``)."""
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    monkeypatch.setenv("PMO_DB", str(path))
    return path


# --------------------------------------------------------------------------------------------
# PostgreSQL: one throw-away cluster per test process (each pytest-xdist worker has its own, on
# a port of its own), a fresh database per test.


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pgcluster.Cluster]:
    """A PostgreSQL cluster in a temporary folder, stopped and removed after the tests."""
    if pgcluster.bindir() is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed (make test installs them as root)")
    with pgcluster.cluster() as running:
        yield running


@pytest.fixture
def pg_url(pg_cluster: pgcluster.Cluster) -> Iterator[str]:
    """An empty database of its own (``postgresql://…``); this process lets go of it and it is
    dropped after the test."""
    url = pg_cluster.create_database()
    yield url
    store.disconnect(url)
    pg_cluster.drop_database(url)
