"""Shared fixtures: a DuckDB store in ``tmp_path`` holding a small valid baseline portfolio."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from loaders import store
from loaders.importer import import_files

#: Project P-01 with indicators IND-01..IND-04 and a row in most other tables, in the English
#: template's layout (written by tests/data/make_bad_files.py), so references resolve and
#: "nothing changed" means something.
BASELINE = Path(__file__).parent / "data" / "baseline.xlsx"


@pytest.fixture(scope="session")
def baseline_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file with the baseline imported as batch 1 (built once, copied per test)."""
    path = tmp_path_factory.mktemp("baseline") / "baseline.duckdb"
    con = store.connect(path)
    plan, batch = import_files(con, [BASELINE], user="test")
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
