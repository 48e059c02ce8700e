"""The store in PostgreSQL (``loaders.store_pg``), on a real throw-away cluster: the same report as
from a DuckDB file, a copy either way, a killed import that leaves nothing behind, two imports at
once, every writer's change in PostgreSQL, an older schema brought up to date, and the guards
(a table that only grows, a write outside a transaction, a busy store).

``tests/test_store.py`` runs the store's own tests on both backends; this file holds what only
PostgreSQL has."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest

from i18n import t
from loaders import audit, decisions, profiles, store, users
from loaders.access import Role
from loaders.changes import decide_change
from loaders.importer import import_files
from loaders.mapping_builder import build_profile
from metrics import settings as settings_mod
from metrics.status import set_rag_override
from pmo.cli import EXIT_BUSY, EXIT_REFUSED, EXIT_USAGE, main
from tests import pgcluster
from tests.builders import as_user
from tests.conftest import BASELINE
from tests.test_store import (
    PROJECT_HEAD,
    PROJECTS,
    assert_a_resaved_baseline_changes_nothing,
    full_workbook,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-09-30"
REG_COLUMNS = {"project_id": "A", "name": "B", "start_date": "C", "end_date": "D"}


def run(*argv: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = main([str(a) for a in argv], out=out)
    return code, out.getvalue()


def report(db: str | Path) -> str:
    code, text = run("report", "--db", db, "--as-of", AS_OF, "--format", "json")
    assert code == 0, text
    return text


def pmo(*argv: str | Path, **env: str) -> subprocess.Popen[str]:
    """``pmo ARGV`` in a process of its own (as a second server or a shell would run it)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PMO_DB", "PMO_LANG", "COLUMNS")}
    return subprocess.Popen(
        [sys.executable, "-m", "pmo", *(str(a) for a in argv)],
        cwd=ROOT,
        env={**clean, "PMO_LANG": "en", "PMO_USER": "tester", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err


def pg_rows(url: str, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    cols = ", ".join(store.q(c) for c in columns)
    order = ", ".join(str(i) for i in range(1, len(columns) + 1))
    with psycopg.connect(url) as conn:
        return [tuple(r) for r in conn.execute(f"SELECT {cols} FROM {store.q(table)} ORDER BY {order}").fetchall()]


def base_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every base table of a store as sorted rows."""
    return {name: con.execute(f"SELECT * FROM {store.q(name)} ORDER BY ALL").fetchall() for name in store.base_tables()}


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {store.q(table)} LIMIT 0").description]


def assert_mirror_is_postgres(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """What this process computes from is what PostgreSQL holds, table by table."""
    for name, rows in base_rows(con).items():
        assert pg_rows(url, name, columns(con, name)) == rows, name


def state(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {str(k): int(v) for k, v in conn.execute("SELECT table_name, version FROM store_state").fetchall()}


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            name: int(conn.execute(f"SELECT count(*) FROM {store.q(name)}").fetchall()[0][0])
            for name in store.base_tables()
        }


def eventually(check: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


@pytest.fixture
def another_pg(pg_cluster: pgcluster.Cluster) -> Iterator[Callable[[], str]]:
    """Further empty databases for one test, dropped after it."""
    made: list[str] = []

    def make() -> str:
        made.append(pg_cluster.create_database())
        return made[-1]

    yield make
    for url in made:
        store.disconnect(url)
        pg_cluster.drop_database(url)


# --------------------------------------------------------------------------------------------
# The same answers from either backend


def _test_workbook(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "every table.xlsx", full_workbook())


@pytest.mark.parametrize("workbook", ["demo", "test"])
def test_the_same_workbook_gives_a_byte_equal_report_from_duckdb_and_postgresql(
    workbook: str, tmp_path: Path, pg_url: str, another_pg: Callable[[], str]
) -> None:
    """The demo portfolio (``pmo demo``) and a workbook filling every table (``pmo import``),
    each imported into a DuckDB file and into PostgreSQL: ``pmo report`` prints the same bytes.
    The report holds no import time and no batch number (checked below), so the two separate
    imports are compared as printed, nothing normalised. Then ``pmo store copy`` each way (file
    to PostgreSQL, PostgreSQL to a file): the same bytes again, and the very same rows in every
    base table, import times and batch numbers included."""
    file_db = tmp_path / "a.duckdb"
    for target in (file_db, pg_url):
        argv = ["demo"] if workbook == "demo" else ["import", _test_workbook(tmp_path)]
        code, text = run(*argv, "--db", target)
        assert code == 0, text
    expected = report(file_db)
    assert report(pg_url) == expected
    keys = json.dumps(json.loads(expected)).lower()
    assert "imported" not in keys and '"batch' not in keys  # nothing that two imports would differ in
    assert len(json.loads(expected)["projects"]) >= 2

    copied, back = another_pg(), tmp_path / "back.duckdb"
    code, text = run("store", "copy", "--db", file_db, "--to", copied, "--lang", "en")
    assert code == 0 and text.startswith("Copied the store"), text
    code, text = run("store", "copy", "--db", copied, "--to", back, "--lang", "en")
    assert code == 0, text
    assert report(copied) == expected
    assert report(back) == expected
    with store.session(file_db, read_only=True) as a, store.session(copied, read_only=True) as b:
        original = base_rows(a)
        assert base_rows(b) == original
        assert_mirror_is_postgres(b, copied)
    with store.session(back, read_only=True) as c:
        assert base_rows(c) == original
        # the copy takes new batches after the last one copied
    code, text = run("import", BASELINE, "--db", back, "--lang", "en")
    assert code == 0 and f"batch {len(original['batches']) + 1}:" in text, text


def test_copy_is_refused_into_a_store_that_holds_data(tmp_path: Path, pg_url: str) -> None:
    file_db = tmp_path / "a.duckdb"
    assert run("import", BASELINE, "--db", file_db)[0] == 0
    assert run("import", BASELINE, "--db", pg_url)[0] == 0
    before = counts(pg_url)
    code, text = run("store", "copy", "--db", file_db, "--to", pg_url, "--lang", "en")
    assert code == EXIT_REFUSED
    assert text.strip() == t("cli.store_copy_not_empty", "en", target=pg_url)
    assert "already holds data" in text and "Nothing was written" in text
    assert counts(pg_url) == before
    code, text = run("store", "copy", "--db", pg_url, "--to", pg_url, "--lang", "en")
    assert code == EXIT_USAGE and "onto itself" in text


def test_a_server_that_does_not_answer_is_said_in_words(tmp_path: Path) -> None:
    nobody = f"postgresql://postgres@127.0.0.1:{pgcluster.free_port()}/none"
    code, text = run("batches", "--db", nobody, "--lang", "en")
    assert code == EXIT_USAGE
    assert text.startswith(f"Cannot open the store {nobody}: ") and "Traceback" not in text


# --------------------------------------------------------------------------------------------
# All or nothing, one writer at a time


def _blocked_before_commit(url: str, pid: int) -> bool:
    """Whether process ``pid``'s connection waits for a lock on ``store_state`` (the last step of
    its write) having written history rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock' "
            "AND query ILIKE %s",
            [f"pmo-{pid}", "%store_state%"],
        ).fetchall()
        if not rows:
            return False
        wrote = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND c.relname LIKE 'h\\_%%'",
            [rows[0][0]],
        ).fetchall()
        return int(wrote[0][0]) > 0


def test_an_import_killed_before_its_commit_leaves_postgresql_as_it_was(tmp_path: Path, pg_url: str) -> None:
    """``kill -9`` of ``pmo import`` after it wrote its rows, while it waits for the last lock
    before the commit (the test holds ``store_state``'s rows): no batch, no history row, no
    version moved; the next import works and takes the next batch number."""
    assert run("import", BASELINE, "--db", pg_url)[0] == 0
    store.disconnect(pg_url)
    rows_before, versions_before = counts(pg_url), state(pg_url)
    second = write_xlsx(tmp_path / "second.xlsx", {"projects": PROJECTS})

    holder = psycopg.connect(pg_url)
    try:
        holder.execute("SELECT * FROM store_state FOR UPDATE")
        proc = pmo("import", second, "--db", pg_url, PMO_BUSY_WAIT="300")
        try:
            eventually(lambda: _blocked_before_commit(pg_url, proc.pid), 120, "the import waiting before its commit")
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    finally:
        holder.rollback()
        holder.close()

    def gone() -> bool:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            return not conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = %s", [f"pmo-{proc.pid}"]
            ).fetchall()

    eventually(gone, 30, "the killed import's connection ending")
    assert counts(pg_url) == rows_before
    assert state(pg_url) == versions_before
    code, text = finished(pmo("import", second, "--db", pg_url))
    assert code == 0 and "Imported as batch 2: second.xlsx." in text, text
    con = store.connect(pg_url)
    try:
        assert audit.verify(con).ok
        assert con.execute("SELECT batch_id, status FROM batches ORDER BY 1").fetchall() == [
            (1, "applied"),
            (2, "applied"),
        ]
    finally:
        con.close()


def test_two_imports_at_once_both_land_one_after_the_other(tmp_path: Path, pg_url: str) -> None:
    """Two ``pmo import`` processes started together on one database: the second waits for the
    first (the store's lock), then imports on top of it; batches 1 and 2, in the order they were
    written, and an unbroken audit chain."""
    first = write_xlsx(tmp_path / "first.xlsx", {"projects": PROJECTS})
    others: list[list[object]] = [
        PROJECT_HEAD,
        ["Q1", "Open data", "Tax", "01.01.2026", "31.12.2026", "execution", None],
    ]
    second = write_xlsx(tmp_path / "second.xlsx", {"projects": others})
    procs = [pmo("import", f, "--db", pg_url) for f in (first, second)]
    results = [finished(p) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    con = store.connect(pg_url)
    try:
        batches = con.execute("SELECT batch_id, file_name, status, imported_at FROM batches ORDER BY 1").fetchall()
        assert [(b[0], b[2]) for b in batches] == [(1, "applied"), (2, "applied")]
        assert {b[1] for b in batches} == {"first.xlsx", "second.xlsx"}
        assert batches[0][3] < batches[1][3]
        assert sorted(r[0] for r in con.execute("SELECT project_id FROM projects").fetchall()) == [
            "P1",
            "P2",
            "P3",
            "Q1",
        ]
        verdict = audit.verify(con)
        assert verdict.ok and verdict.rows == 2, verdict.problems
        logged = con.execute("SELECT target FROM audit WHERE action = 'import' ORDER BY seq").fetchall()
        assert logged == [("1",), ("2",)]
        assert_mirror_is_postgres(con, pg_url)
    finally:
        con.close()


def test_a_writing_session_holds_the_store_for_other_processes(tmp_path: Path, pg_url: str) -> None:
    """While this process has the store open for writing, ``pmo import --wait 1`` elsewhere says
    the store is busy, naming this process, and writes nothing."""
    assert run("import", BASELINE, "--db", pg_url)[0] == 0
    before = counts(pg_url)
    second = write_xlsx(tmp_path / "second.xlsx", {"projects": PROJECTS})
    with store.session(pg_url):
        code, text = finished(pmo("import", second, "--db", pg_url, "--wait", "1"))
    assert code == EXIT_BUSY, text
    assert f"PID {os.getpid()}" in text
    assert counts(pg_url) == before
    code, text = finished(pmo("import", second, "--db", pg_url, "--wait", "1"))
    assert code == 0, text


# --------------------------------------------------------------------------------------------
# Every writer reaches PostgreSQL


def test_every_write_reaches_postgresql_and_a_new_process_reads_it_back(pg_url: str, tmp_path: Path) -> None:
    """Imports, settings, the calendar, overrides, saved profiles, decisions, change requests,
    accounts and browser sessions, a rollback: after each, PostgreSQL holds what this process
    computes from; a process that starts afresh loads the very same rows."""
    aliya, curator = as_user("Aliya"), as_user("Marat", Role.CURATOR)
    con = store.connect(pg_url)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("demo", lambda: run("demo", "--db", pg_url)),
        ("import", lambda: import_files(con, [_test_workbook(tmp_path)], actor=aliya)),
        ("settings", lambda: settings_mod.set_values(con, {"risk_review_days": 60}, aliya)),
        ("reset", lambda: settings_mod.reset(con, aliya, "risk_review_days")),
        ("day", lambda: settings_mod.set_calendar_day(con, dt.date(2026, 10, 2), "day_off", "Decree", aliya)),
        ("day again", lambda: settings_mod.set_calendar_day(con, dt.date(2026, 10, 2), "working_day", "", aliya)),
        ("day gone", lambda: settings_mod.remove_calendar_day(con, dt.date(2026, 10, 2), aliya)),
        ("override", lambda: set_rag_override(con, "P06", "amber", "Extension approved", curator)),
        (
            "profile",
            lambda: profiles.save(con, aliya, build_profile("Reg", table="projects", columns=REG_COLUMNS), "Reg"),
        ),
        (
            "decision",
            lambda: decisions.save(
                con,
                aliya,
                decisions.DecisionInput("P01", dt.date(2026, 9, 30), "budget", "Move funds", "A. B."),
            ),
        ),
        ("change", lambda: decide_change(con, curator, "C2", "approved", dt.date(2026, 10, 1))),
        ("user", lambda: users.add(con, aliya, "bob", name="Bob", role=Role.VIEWER, password="a long password")),
        ("session", lambda: _signed_in(con, "bob")),
        ("password", lambda: users.update(con, aliya, "bob", password="another long password")),
        ("rollback", lambda: store.rollback(con, 2, aliya)),
    ]
    for _name, step in steps:
        step()
        assert_mirror_is_postgres(con, pg_url)
    kept = base_rows(con)
    assert kept["sessions"] == []  # the new password signed bob out everywhere
    assert {r[5] for r in kept["audit"]} >= {"import", "setting", "override", "decision", "user_update", "rollback"}
    con.close()
    store.disconnect(pg_url)
    con = store.connect(pg_url)
    try:
        assert base_rows(con) == kept
        assert audit.verify(con).ok
        for table in store.table_names():  # the current rows worked out again are the same
            assert con.execute(f"SELECT * FROM c_{table} EXCEPT ALL SELECT * FROM latest_{table}").fetchall() == []
    finally:
        con.close()


def _signed_in(con: duckdb.DuckDBPyConnection, login: str) -> str:
    account = users.get(con, login)
    assert account is not None
    with store.transaction(con):
        return users.start_session(con, account)


def test_an_older_postgresql_store_gains_the_new_columns_and_keeps_its_rows(pg_url: str, tmp_path: Path) -> None:
    """A PostgreSQL store written before projects had ``reported_rag`` (schema 3): opened, it
    gains the column, keeps every row, and the same data imported again changes nothing."""
    con = store.connect(pg_url)
    import_files(con, [BASELINE], actor=as_user("t"))
    before = con.execute("SELECT project_id, name, start_date, end_date FROM projects").fetchall()
    con.close()
    store.disconnect(pg_url)
    with psycopg.connect(pg_url) as conn:
        conn.execute("ALTER TABLE h_projects DROP COLUMN reported_rag")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")

    con = store.connect(pg_url)
    try:
        assert store.schema_version(con) == store.SCHEMA_VERSION
        assert con.execute("SELECT project_id, name, start_date, end_date FROM projects").fetchall() == before
        assert con.execute("SELECT count(*) FROM projects WHERE reported_rag IS NOT NULL").fetchall() == [(0,)]
        with psycopg.connect(pg_url) as conn:
            got = conn.execute(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'h_projects' AND column_name = 'reported_rag'"
            ).fetchall()
            assert got == [("text",)]
        assert_a_resaved_baseline_changes_nothing(con, tmp_path)
    finally:
        con.close()


PG_NAMES = {
    "VARCHAR": "text",
    "DOUBLE": "double precision",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "BOOLEAN": "boolean",
}


def test_the_postgresql_tables_have_the_columns_and_keys_of_a_duckdb_file(tmp_path: Path, pg_url: str) -> None:
    """Every base table, column for column in PostgreSQL's names of DuckDB's types, with the same
    primary key and the same columns that may not be blank."""
    with store.session(tmp_path / "a.duckdb", read_only=True) as duck:
        wanted = {
            name: [
                (str(c), PG_NAMES[str(k)], n)
                for c, k, n in duck.execute(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                    "WHERE table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
            ]
            for name in store.base_tables()
        }
        keys = {
            str(r[0]): list(r[1])
            for r in duck.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                "WHERE constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        }
    store.connect(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        for name, columns_wanted in wanted.items():
            got = conn.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                [name],
            ).fetchall()
            assert [tuple(r) for r in got] == columns_wanted, name
            key = conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
                [name],
            ).fetchall()
            assert [r[0] for r in key] == keys.get(name, []), name


def test_a_row_changed_in_postgresql_breaks_the_audit_chain(pg_url: str) -> None:
    assert run("import", BASELINE, "--db", pg_url)[0] == 0
    code, text = run("audit", "verify", "--db", pg_url, "--lang", "en")
    assert code == 0, text
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE audit SET actor = 'Someone else' WHERE seq = 1")
        conn.execute("UPDATE store_state SET version = version + 1 WHERE table_name IN ('audit', '*')")
    store.disconnect(pg_url)
    code, text = run("audit", "verify", "--db", pg_url, "--lang", "en")
    assert code == EXIT_REFUSED and text.startswith("The audit log is broken"), text


# --------------------------------------------------------------------------------------------
# Guards


def test_a_row_removed_from_a_table_that_only_grows_is_refused(pg_url: str) -> None:
    con = store.connect(pg_url)
    try:
        import_files(con, [BASELINE], actor=as_user("t"))
        before = counts(pg_url)
        with pytest.raises(RuntimeError, match="only ever gains rows"), store.transaction(con):
            con.execute("DELETE FROM h_projects")
        assert counts(pg_url) == before
        assert con.execute("SELECT count(*) FROM h_projects").fetchall()[0][0] == before["h_projects"]
    finally:
        con.close()


def test_a_write_outside_a_transaction_is_refused_loudly_and_undone(pg_url: str) -> None:
    """A write that bypasses ``store.transaction`` never reaches PostgreSQL: the next write
    says so, and the copy is loaded afresh (the stray row is gone)."""
    con = store.connect(pg_url)
    try:
        con.execute("INSERT INTO settings VALUES ('stray', 1, now()::TIMESTAMP, 'nobody')")
        with pytest.raises(RuntimeError, match=r"outside store\.transaction"), store.transaction(con):
            pass
        con.close()
        con = store.connect(pg_url)
        assert con.execute("SELECT count(*) FROM settings WHERE key = 'stray'").fetchall() == [(0,)]
    finally:
        con.close()


# --------------------------------------------------------------------------------------------
# Hearing another process's write


def test_another_process_write_moves_the_signature_and_the_snapshot(tmp_path: Path, pg_url: str) -> None:
    """A dashboard process learns of an import made elsewhere from its listener (and, with the
    listener down, from one row read at each look); the snapshot taken then has the new rows."""
    from loaders import store_pg

    assert run("import", BASELINE, "--db", pg_url)[0] == 0
    version, snap = store.snapshot(pg_url)
    projects = snap.execute("SELECT count(*) FROM projects").fetchall()[0][0]
    snap.close()
    seen = store.signature(pg_url)
    eventually(lambda: store_pg._LISTENERS[pg_url].up, 30, "the listener")
    assert store.signature(pg_url) == seen

    code, text = finished(pmo("import", write_xlsx(tmp_path / "b.xlsx", {"projects": PROJECTS}), "--db", pg_url))
    assert code == 0, text
    eventually(lambda: store.signature(pg_url) != seen, 10, "the listener hearing the import")
    newer, snap = store.snapshot(pg_url)
    assert newer > version
    assert snap.execute("SELECT count(*) FROM projects").fetchall()[0][0] == projects + 3
    snap.close()

    store_pg._LISTENERS[pg_url].stop()
    eventually(lambda: not store_pg._LISTENERS[pg_url].up, 10, "the listener stopping")
    seen = store.signature(pg_url)
    code, text = finished(pmo("rollback", "2", "--db", pg_url))
    assert code == 0, text
    assert store.signature(pg_url) != seen  # read at once, without the listener
